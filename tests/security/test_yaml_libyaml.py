"""libyaml reads spec YAML (fast); the checked pure-Python loader reads what is past a
limit or wrong. Both must give the same data, positions and verdicts at every limit."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kpi_engine.errors import SpecError
from kpi_engine.specs import yaml_positions
from kpi_engine.specs.limits import MAX_ALIAS_NODES, MAX_YAML_DEPTH
from kpi_engine.specs.yaml_event_limits import within_limits
from kpi_engine.specs.yaml_positions import PositionedDict, PositionedList

CATALOG = Path(__file__).parents[2] / "metric_specs"

pytestmark = pytest.mark.skipif(yaml_positions._LIBYAML is None,
                                reason="PyYAML without libyaml: only the checked loader runs")


def checked(text: str):
    loader = yaml_positions._Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def fast(text: str):
    done, data = yaml_positions._load_with_libyaml(text)
    assert done, "libyaml did not read a document within the limits"
    return data


def same(a, b, path=()):
    assert type(a) is type(b), path
    if isinstance(a, PositionedDict):
        assert (list(a), a.positions, a.key_positions, a.start) == \
            (list(b), b.positions, b.key_positions, b.start), path
        for key in a:
            same(a[key], b[key], (*path, key))
    elif isinstance(a, PositionedList):
        assert (a.positions, a.start) == (b.positions, b.start), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, (*path, i))
    else:
        assert a == b, path


@pytest.mark.parametrize("text", [
    *[p.read_text(encoding="utf-8") for p in sorted(CATALOG.glob("*.yaml"))],
    "\ufeffa: 1\r\nb: [x,\r\n  y]\r\n",  # BOM and CRLF
    "k: café\nx: [é, {ü: 1}]\ny: '😀😀'\n😀: [a, b]\n",  # wide characters
    "a: &x {p: 1}\nb: *x\nc: {<<: *x, q: 2}\nd: [*x, *x]\n",  # aliases and merge keys
    "on: yes\nn: 0x1F\nt: 2024-01-01\nnull_: ~\n",  # YAML 1.1 resolution as before
])
def test_libyaml_gives_the_same_data_and_positions(text):
    same(fast(text), checked(text))


def nested(depth: int) -> str:
    """A document whose deepest node (a scalar) is at ``depth`` levels."""
    return "[" * (depth - 1) + "1" + "]" * (depth - 1) + "\n"


def aliases_adding(nodes: int) -> str:
    """A document whose aliases add exactly ``nodes`` nodes (each alias adds 10)."""
    assert nodes % 10 == 0
    return "a: &a [" + ", ".join("x" * 9) + "]\nb: [" + ", ".join(["*a"] * (nodes // 10)) \
        + "]\n"


@pytest.mark.parametrize(("text", "within"), [
    (nested(MAX_YAML_DEPTH), True),
    (nested(MAX_YAML_DEPTH + 1), False),
    ("a: " + "{b: " * (MAX_YAML_DEPTH - 2) + "1" + "}" * (MAX_YAML_DEPTH - 2) + "\n", True),
    ("a: " + "{b: " * (MAX_YAML_DEPTH - 1) + "1" + "}" * (MAX_YAML_DEPTH - 1) + "\n", False),
    (aliases_adding(MAX_ALIAS_NODES), True),
    (aliases_adding(MAX_ALIAS_NODES + 10), False),
    ("metrics: &m [*m]\n", False),  # an alias inside the node it names
    ("a: *nowhere\n", False),  # an unknown anchor
    ("a: &x 1\nb: &x 2\n", False),  # a duplicate anchor
])
def test_event_limits_agree_with_the_checked_loader(text, within):
    assert within_limits(yaml.CSafeLoader(text)) is within
    try:
        checked(text)
        accepted = True
    except yaml.YAMLError:
        accepted = False
    assert accepted is within
    if within:
        same(fast(text), checked(text))


def test_nesting_past_what_libyaml_allows_is_reported_by_the_checked_loader():
    text = "a: " + "[" * 5000 + "1" + "]" * 5000 + "\n"
    with pytest.raises(yaml.YAMLError):  # libyaml's own bound (no deep recursion in C)
        within_limits(yaml.CSafeLoader(text))
    with pytest.raises(SpecError, match="nest more than 64 levels") as err:
        yaml_positions.load_yaml(text, "deep.yaml")
    assert (err.value.location.line, err.value.location.column) == (1, 67)
