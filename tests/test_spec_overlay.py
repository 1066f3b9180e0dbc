"""A team's specs beside the shipped catalog and plugin packs: a same-name definition is an
error unless it says ``replaces: PACK``; replacements and shadowed aliases are noted;
``packs:`` in kpi.yaml chooses the packs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kpi_engine.compiler.compiler import compile_request
from kpi_engine.compiler.request import Request
from kpi_engine.errors import KpiError, SpecErrors
from kpi_engine.project import load_project
from kpi_engine.registry import Registry, load_registry
from kpi_engine.specs.loader import load_spec_text

from .cli_runner import run_kpi

TEAM_ORDERS = """\
sources:
  - name: orders
{replaces}    table: orders
    time: created_at
    filter: "status = 'paid' AND channel <> 'staff_shop'"
    dimensions: [channel, source, currency, customer_id]
"""


def specs(tmp_path: Path, text: str, name: str = "team.yaml") -> Path:
    folder = tmp_path / "specs"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def errors_of(folder: Path, **kwargs) -> list[str]:
    with pytest.raises(SpecErrors) as exc:
        load_registry([folder], **kwargs)
    return [str(e) for e in exc.value.errors]


def test_the_catalog_alone_has_no_notes():
    assert load_registry().notes == []


def test_a_pack_name_without_replaces_is_an_error_that_says_how_to_fix_it(tmp_path):
    folder = specs(tmp_path, TEAM_ORDERS.format(replaces=""))
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'team.yaml'}:2:5: source 'orders' is already "
                            "defined by spec pack 'catalog' (")
    assert "sales.yaml:" in error and "add 'replaces: catalog'" in error


def test_a_replaced_source_serves_the_packs_metrics(tmp_path):
    folder = specs(tmp_path, TEAM_ORDERS.format(replaces="    replaces: catalog\n"))
    reg = load_registry([folder])
    assert reg.sources["orders"].replaces == "catalog"
    assert "sales.yaml" in str(reg.replaced["source:orders"].location)
    [note] = reg.notes
    assert str(note).startswith(f"{folder / 'team.yaml'}:2:5: note: source 'orders' "
                                "replaces the definition in spec pack 'catalog'")
    sql = compile_request(reg, Request(metrics=("aov",), grain="month")).sql
    assert "staff_shop" in sql  # the catalog's aov now counts the team's orders


def test_a_replaced_metric_changes_what_is_built_on_it(tmp_path):
    folder = specs(tmp_path, """\
metrics:
  - {name: gross_sales, replaces: catalog, type: sum, source: orders,
     expr: subtotal + shipping, unit: currency}
""")
    reg = load_registry([folder])
    assert reg.packs["gross_sales"] == str(folder)
    before = compile_request(load_registry(), Request(metrics=("net_sales",))).sql
    after = compile_request(reg, Request(metrics=("net_sales",))).sql
    assert "shipping" in after and "shipping" not in before


@pytest.mark.parametrize("replaces, message", [
    ("catalgo", "replaces: unknown spec pack 'catalgo' (did you mean 'catalog'?) "
                "(installed: catalog"),
    ("catalog", "spec pack 'catalog' has no metric of that name to replace (did you mean "
                "'gross_sales'?); remove 'replaces' to define a new one"),
])
def test_a_wrong_replaces_is_an_error_at_its_line(tmp_path, replaces, message):
    folder = specs(tmp_path, f"""\
metrics:
  - name: gross_sale
    replaces: {replaces}
    type: sum
    source: orders
    expr: subtotal
""")
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'team.yaml'}:3:15: metric 'gross_sale': ") or \
        error.startswith(f"{folder / 'team.yaml'}:3:15: metric 'gross_sale' ")
    assert message in error


def test_the_same_name_twice_in_a_team_folder_stays_a_duplicate(tmp_path):
    folder = specs(tmp_path, "metrics:\n  - {name: team_orders, type: count, source: orders}\n")
    specs(tmp_path, "metrics:\n  - {name: team_orders, type: count, source: orders}\n",
          "more.yaml")
    [error] = errors_of(folder)
    assert error == (f"{folder / 'team.yaml'}:2:5: duplicate metric 'team_orders' "
                     f"(first defined at {folder / 'more.yaml'}:2:5)")


def test_replacing_twice_is_an_error(tmp_path):
    one = "metrics:\n  - {name: discounts, replaces: catalog, type: sum, source: orders, " \
          "expr: discounts}\n"
    folder = specs(tmp_path, one)
    specs(tmp_path, one, "again.yaml")
    [error] = errors_of(folder)
    assert "duplicate metric 'discounts': 'catalog''s definition is already replaced at" in error


def test_a_name_shadowing_an_alias_is_noted_and_wins(tmp_path):
    folder = specs(tmp_path, "metrics:\n  - {name: revenue, type: sum, source: orders, "
                             "expr: subtotal - discounts, unit: currency}\n")
    reg = load_registry([folder])
    [note] = reg.notes
    assert str(note) == (
        f"{folder / 'team.yaml'}:2:5: note: metric 'revenue' shadows the alias 'revenue' of "
        "'net_sales' (catalog): 'revenue' now means this metric; use 'net_sales' for the "
        "other, or rename this one")
    assert reg.metric("revenue").expr == "subtotal - discounts"
    assert reg.metric("net_sales").type == "derived"


def test_an_alias_already_taken_is_noted(tmp_path):
    folder = specs(tmp_path, "metrics:\n  - {name: team_aov, type: ratio, numerator: net_sales,"
                             " denominator: orders, aliases: [average_order_value]}\n")
    reg = load_registry([folder])
    [note] = reg.notes
    assert "alias 'average_order_value' of 'team_aov' is ignored: it already means 'aov'" \
        in str(note)
    assert reg.metric("average_order_value").name == "aov"


def test_pack_selection(tmp_path):
    folder = specs(tmp_path, TEAM_ORDERS.format(replaces=""))
    alone = load_registry([folder], packs=[])
    assert set(alone.sources) == {"orders"} and alone.metrics == {}
    assert alone.loaded_packs == [] and alone.installed_packs == ["catalog"]
    assert load_registry([folder], exclude_packs=["catalog"]).loaded_packs == []
    assert "aov" in load_registry(packs=["catalog"]).metrics
    [error] = errors_of(folder, packs=["catalgo"])
    assert error == "packs: unknown spec pack 'catalgo' (did you mean 'catalog'?) " \
                    "(installed: catalog)"


def test_replacing_a_pack_that_is_left_out_is_a_note(tmp_path):
    folder = specs(tmp_path, TEAM_ORDERS.format(replaces="    replaces: catalog\n"))
    reg = load_registry([folder], packs=[])
    [note] = reg.notes
    assert "replaces spec pack 'catalog', which is not loaded (kpi.yaml 'packs')" in str(note)
    assert reg.sources["orders"].filter.startswith("status = 'paid'")


def test_a_pack_may_replace_a_pack_loaded_after_it():
    """Replacements wait until every pack is in: pack order does not matter."""
    reg = Registry(installed_packs=["acme", "catalog"], loaded_packs=["acme", "catalog"])
    acme = load_spec_text("metrics:\n  - {name: kpi_x, replaces: catalog, type: count, "
                          "source: s}\n", "acme:x.yaml")
    base = load_spec_text("sources:\n  - {name: s, table: orders}\nmetrics:\n"
                          "  - {name: kpi_x, type: sum, source: s, expr: total}\n",
                          "catalog:y.yaml")
    assert reg.add(acme, "acme") == [] and reg.add(base, "catalog") == []
    assert reg.resolve() == []
    assert reg.metrics["kpi_x"].type == "count" and reg.packs["kpi_x"] == "acme"


@pytest.mark.parametrize("text, expected", [
    ("packs: [catalog]\n", ("catalog",)),
    ("packs: []\n", ()),
    ("packs: {exclude: [catalog]}\n", None),
])
def test_kpi_yaml_packs(tmp_path, text, expected):
    (tmp_path / "kpi.yaml").write_text(text)
    project = load_project(tmp_path / "kpi.yaml")
    if expected is None:
        assert project.packs.exclude == ("catalog",)
    else:
        assert project.packs == expected


def test_kpi_yaml_packs_of_the_wrong_shape_is_one_located_error(tmp_path):
    (tmp_path / "kpi.yaml").write_text("timezone: UTC\npacks: {only: [catalog]}\n")
    with pytest.raises(KpiError) as exc:
        load_project(tmp_path / "kpi.yaml")
    assert str(exc.value).startswith(f"{tmp_path / 'kpi.yaml'}:2:")
    assert "packs" in str(exc.value) and "\n" not in str(exc.value)


def kpi(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_kpi(*args, cwd=cwd)


def test_kpi_validate_prints_notes_and_honours_packs(tmp_path):
    specs(tmp_path, TEAM_ORDERS.format(replaces="    replaces: catalog\n"))
    (tmp_path / "kpi.yaml").write_text("specs: [specs]\n")
    shown = kpi("validate", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "specs/team.yaml:2:5: note: source 'orders' replaces the definition in spec pack " \
           "'catalog'" in shown.stderr
    assert shown.stdout.startswith("OK: ")
    (tmp_path / "kpi.yaml").write_text("specs: [specs]\npacks: []\n")
    alone = kpi("validate", cwd=tmp_path)
    assert alone.returncode == 0 and alone.stdout == "OK: 0 metrics, 1 sources.\n"
    (tmp_path / "kpi.yaml").write_text("specs: [specs]\npacks: [catalgo]\n")
    wrong = kpi("list", cwd=tmp_path)
    assert wrong.returncode == 1
    assert wrong.stderr == "Error: kpi.yaml: packs: unknown spec pack 'catalgo' (did you " \
                           "mean 'catalog'?) (installed: catalog)\n"
