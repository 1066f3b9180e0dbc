"""A store that lacks a table hears which table, which metric needs it and how to load it,
before anything runs (not the engine's "Catalog Error: Table ... does not exist")."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlglot import exp

from kpi_engine.cli import build_cli
from kpi_engine.compiler.compiler import compile_request
from kpi_engine.compiler.request import Request
from kpi_engine.required_tables import MissingTablesError, check_tables, tables_needed
from kpi_engine.schema import TABLES

from .conftest import SHOP_SPECS


def _orders_only(wh) -> None:
    wh.ensure_table(TABLES["orders"])


def test_tables_follow_dependencies_joins_and_source_sql(shop_registry):
    needed = tables_needed(shop_registry, ["aov", "conversion_rate"])
    # aov = (gross_sales - discounts - refunds) / orders; refunds joins orders
    assert needed == {"orders": ["aov"], "refunds": ["aov"], "sessions": ["conversion_rate"]}
    sql_source = next(n for n, s in shop_registry.sources.items() if s.sql)
    from kpi_engine.required_tables import source_tables

    assert source_tables(shop_registry, sql_source) == {"orders"}


@pytest.mark.parametrize("metric", ["aov", "net_sales_growth", "gross_sales_ytd",
                                    "conversion_rate", "repeat_purchase_rate"])
def test_tables_needed_are_the_tables_the_statement_reads(shop_registry, metric):
    compiled = compile_request(shop_registry, Request(metrics=(metric,), grain="month"))
    ctes = {c.alias_or_name for c in compiled.tree.find_all(exp.CTE)}
    read = {t.name for t in compiled.tree.find_all(exp.Table) if t.name not in ctes}
    assert set(tables_needed(shop_registry, [metric])) == read


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgresql", "mariadb"])
def test_existing_tables_is_one_lookup_on_every_engine(warehouse_factory, engine):
    wh = warehouse_factory(engine)
    _orders_only(wh)
    assert wh.existing_tables(["orders", "refunds", "sessions"]) == {"orders"}
    assert wh.existing_tables([]) == set()


def test_check_names_every_missing_table_and_its_metric(shop_registry, warehouse_factory):
    wh = warehouse_factory("duckdb")
    _orders_only(wh)
    with pytest.raises(MissingTablesError) as info:
        check_tables(shop_registry, ["aov", "conversion_rate", "orders"], wh)
    message = str(info.value)
    assert "\n" not in message
    assert "refunds (for aov)" in message and "sessions (for conversion_rate)" in message
    assert "orders (" not in message  # present, not reported
    assert "kpi sync files" in message and "docs/schema.md" in message
    check_tables(shop_registry, ["orders"], wh)  # nothing missing: no error


def test_check_on_postgres_schema_names_the_schema(shop_registry, warehouse_factory):
    wh = warehouse_factory("postgresql")
    _orders_only(wh)
    with pytest.raises(MissingTablesError, match=rf"schema {wh.schema}\) lacks table: "
                                                  r"refunds \(for aov\)"):
        check_tables(shop_registry, ["aov"], wh)


def test_long_requests_stay_one_bounded_line(shop_registry, warehouse_factory):
    wh = warehouse_factory("duckdb")
    names = sorted(shop_registry.metrics)
    with pytest.raises(MissingTablesError) as info:
        check_tables(shop_registry, names, wh)
    assert "more)" in str(info.value) and len(str(info.value)) < 1200


def test_kpi_eval_reports_missing_tables_before_running(tmp_path, without_catalog):
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    url = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    wh = DuckDBWarehouse(url)
    _orders_only(wh)
    wh.close()
    result = CliRunner().invoke(build_cli(), ["--specs", str(SHOP_SPECS), "eval", "net_sales",
                                              "-w", url])
    assert result.exit_code == 1
    assert isinstance(result.exception, MissingTablesError)
    assert "refunds (for net_sales)" in str(result.exception)
    assert "Catalog Error" not in str(result.exception)


def test_every_shipped_metric_needs_exactly_the_tables_its_statement_reads():
    from kpi_engine.compiler.compiler import Compiler
    from kpi_engine.registry import load_registry

    registry = load_registry()
    compiler = Compiler(registry)
    differ = {}
    for name in sorted(registry.metrics):
        tree = compiler.compile(Request(metrics=(name,), grain="month")).tree
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        read = {t.name for t in tree.find_all(exp.Table) if t.name not in ctes}
        if set(tables_needed(registry, [name])) != read:
            differ[name] = read
    assert differ == {}
