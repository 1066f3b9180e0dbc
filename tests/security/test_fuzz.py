"""Fuzzing (hypothesis) over spec YAML, expressions, ``--where`` and data values.

Whatever the input: the outcome is a result or a ``KpiError`` (one clear line for the
CLI), never another exception (a traceback); every case ends within ``CASE_SECONDS``
(an alarm interrupts a hang) and the process does not grow by more than ``MAX_GROWTH_MB``.
Examples are derandomized so CI is reproducible, and few enough that the file runs in
well under a minute.
"""

from __future__ import annotations

import io
import resource
import signal
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_engine.errors import KpiError
from kpi_engine.registry import Registry
from kpi_engine.specs.expressions import UnsafeExpression, parse_expression
from kpi_engine.specs.loader import load_spec_text
from kpi_engine.sync.coerce import CoerceError, TableCoercer, coerce_value

CASE_SECONDS = 10
MAX_GROWTH_MB = 400
FUZZ = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@contextmanager
def bounded() -> Iterator[None]:
    """Fail a case that runs longer than CASE_SECONDS or grows memory past the limit."""
    def hang(signum: int, frame: Any) -> None:
        raise TimeoutError(f"a fuzz case ran longer than {CASE_SECONDS} s")

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    previous = signal.signal(signal.SIGALRM, hang)
    signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < MAX_GROWTH_MB, f"a fuzz case grew the process by {grown_mb:.0f} MB"


def only_clear_errors(call: Callable[[], Any], *allowed: type[Exception]) -> Any:
    """Run ``call``; a KpiError (or an allowed user-error type) is fine, anything else is
    the traceback this test exists to catch."""
    with bounded():
        try:
            return call()
        except (KpiError, *allowed) as exc:
            assert str(exc).strip(), "an error without a message"
            return exc


# -- spec YAML ---------------------------------------------------------------------------------
VALID_SPEC = """\
dialect: duckdb
sources:
  - name: orders
    table: orders
    time: created_at
    dimensions: [channel, {name: src, expr: "coalesce(utm_source, '(none)')"}]
metrics:
  - {name: sales, type: sum, source: orders, expr: subtotal, filter: "status <> 'x'"}
  - {name: n, type: count, source: orders}
  - {name: aov, type: ratio, numerator: sales, denominator: n}
  - {name: prev, type: offset, metric: sales, offset: {periods: 1}}
"""
YAML_NOISE = list("&*[]{}:,-?|>!%@`'\"#\n\t \\") + ["\x00", "\ufeff", "é", "\x85", "<<: ",
                                                    "*a", "&a ", "!!python/object "]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=30))
yaml_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20)
plausible = st.one_of(yaml_values, st.sampled_from(
    ["sum", "count", "ratio", "derived", "offset", "cumulative", "snapshot", "orders", "sales",
     "n", "a", "subtotal", "sales / n", "a + b", "count(*)", "(((", "{periods: 1}"]))
metric_like = st.fixed_dictionaries({"name": st.sampled_from(["a", "b", "Bad Name", ""])},
                                    optional={k: plausible for k in (
                                        "type", "source", "expr", "filter", "metric",
                                        "numerator", "denominator", "offset", "per", "window")})


@FUZZ
@given(st.fixed_dictionaries({}, optional={"dialect": scalars, "sources": yaml_values,
                                           "metrics": st.lists(metric_like, max_size=4),
                                           "extra": yaml_values}))
def test_structured_yaml_specs_load_and_validate_or_fail_clearly(document):
    text = yaml.safe_dump(document, allow_unicode=True)
    only_clear_errors(lambda: load_and_validate(text))


def load_and_validate(text: str) -> list[KpiError]:
    """What ``kpi validate`` does with one file: load it, then run every rule."""
    from kpi_engine.validation.validator import validate_registry

    registry = Registry()
    base = registry.add(load_spec_text(VALID_SPEC, "base.yaml"))
    return base + registry.add(load_spec_text(text, "fuzz.yaml")) + validate_registry(registry)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(VALID_SPEC)), st.sampled_from(YAML_NOISE)),
                min_size=1, max_size=6))
def test_mutated_spec_text_loads_or_fails_clearly(edits):
    text = VALID_SPEC
    for position, noise in sorted(edits, reverse=True):
        text = text[:position] + noise + text[position:]
    only_clear_errors(lambda: load_and_validate(text))


# -- expressions and --where -------------------------------------------------------------------
SQL_TOKENS = ["(", ")", "+", "-", "*", "/", "%", "NOT", "AND", "OR", "CASE", "WHEN", "THEN",
              "ELSE", "END", "'web'", "'", '"', "1", "1e999", "-0", "subtotal", "channel",
              "::", "int", ",", "coalesce", "abs", "count", "count(*)", "sum", ";", "SELECT",
              "FROM", "orders", "read_csv", "[", "]", "{", "}", ":period_start", "||", "=",
              "<>", "IS", "NULL", "IN", "BETWEEN", "LIKE", "~", "->", "$1", "?", "\\",
              "INTERVAL", "date_diff", "local_time", "OVER", "\x00", "--", "/*"]
expressions = st.one_of(
    st.lists(st.sampled_from(SQL_TOKENS), min_size=1, max_size=40).map(" ".join),
    st.text(alphabet=string.printable, min_size=1, max_size=80),
    st.integers(1, 5000).map(lambda n: "(" * n + "1" + ")" * n),
    st.integers(1, 3000).map(lambda n: "NOT " * n + "x"),
    st.integers(1, 3000).map(lambda n: "+".join(["x"] * n)),
)


@FUZZ
@given(expressions, st.booleans())
def test_expressions_parse_or_are_refused_clearly(sql, aggregates):
    only_clear_errors(lambda: parse_expression(sql, allow_aggregates=aggregates),
                      UnsafeExpression)


@pytest.fixture(scope="module")
def registry() -> Registry:
    # The valid spec alone (no catalog), so --where is the only thing fuzzed.
    reg = Registry()
    assert reg.add(load_spec_text(VALID_SPEC, "fuzz.yaml")) == []
    return reg


@FUZZ
@given(where=expressions)
def test_where_filters_compile_or_fail_clearly(registry, where):
    from kpi_engine.compiler.compiler import compile_request
    from kpi_engine.compiler.request import Request

    only_clear_errors(lambda: compile_request(registry, Request(
        metrics=("aov", "prev"), dimensions=("channel",), where=(where,))))


# -- data values -------------------------------------------------------------------------------
numbers_as_text = st.one_of(
    st.from_regex(r"\A[-+]?\d{0,30}(\.\d{0,30})?([eE][-+]?\d{1,12})?\Z"),
    st.integers(1, 200_000).map(lambda n: "9" * n),
    st.sampled_from(["1E+100000000", "1e-100000000", "NaN", "inf", "-Infinity", "0x10",
                     "99999999999999.99995", "9223372036854775808", "1_000", " 12.0 ",
                     "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "24:00"]),
)
raw_values = st.one_of(
    st.none(), st.booleans(), st.text(max_size=40), numbers_as_text,
    st.integers(-(2**200), 2**200), st.integers(1, 4000).map(lambda n: 10**n),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.builds(Decimal, st.from_regex(r"\A-?\d{1,3}[eE][-+]?\d{1,9}\Z")),
    st.datetimes(), st.dates(),
)
LOGICAL_TYPES = ["string", "integer", "decimal", "float", "boolean", "timestamp", "date"]


@FUZZ
@given(raw_values, st.sampled_from(LOGICAL_TYPES))
def test_data_values_coerce_or_fail_clearly(value, logical_type):
    only_clear_errors(lambda: coerce_value(value, logical_type), CoerceError)


@FUZZ
@given(st.lists(st.fixed_dictionaries({"order_id": st.text(max_size=5), "quantity": raw_values,
                                       "unit_price": raw_values, "line_id": raw_values}),
                min_size=1, max_size=5))
def test_pages_of_odd_rows_give_located_problems_not_exceptions(rows):
    from kpi_engine.schema import TABLES

    coercer = TableCoercer(TABLES["order_lines"], "files")
    problems: list[str] = []
    origins = [f"fuzz.jsonl:{i}" for i in range(1, len(rows) + 1)]
    with bounded():
        coercer.coerce(rows, origins, problems)
    assert all(p.startswith("fuzz.jsonl:") for p in problems), problems


CSV_PIECES = ["a", "1", "1E+100000000", ",", '"', '""', "\n", "\r\n", "\r", " ", "\x00", "é"]


@FUZZ
@given(st.lists(st.sampled_from(CSV_PIECES), max_size=60).map("".join))
def test_csv_files_read_or_fail_at_a_line(body):
    import csv

    from kpi_engine_plugins.files.readers import _csv_chunks

    text = "order_id,line_id,quantity\n" + body
    with bounded():
        try:
            chunks = list(_csv_chunks(csv.reader(io.StringIO(text, newline=""), strict=True),
                                      "fuzz.csv", {}))
        except KpiError as exc:
            assert str(exc).startswith("fuzz.csv:"), str(exc)
            return
    rows = [row for chunk, _ in chunks for row in chunk]
    assert all(len(row) == 3 for row in rows)
