"""The Python API (kpi_engine.open): the same numbers as `kpi eval --format json`, data
frames, and one clear error for bad input. Values are the hand-worked ones of
tests/test_eval_duckdb.py (tests/shop_data.py)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

import kpi_engine
from kpi_engine.cli import build_cli
from kpi_engine.errors import KpiError

from .conftest import SHOP_SPECS
from .shop_data import load_shop

pytestmark = pytest.mark.usefixtures("without_catalog")


@pytest.fixture
def shop_project(tmp_path):
    """kpi.yaml with the shop's specs and a DuckDB file holding the hand-made store."""
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    wh = DuckDBWarehouse(f"duckdb:///{tmp_path / 'shop.duckdb'}")
    load_shop(wh)
    wh.close()
    (tmp_path / "kpi.yaml").write_text(
        f"warehouse: duckdb:///{tmp_path / 'shop.duckdb'}\nspecs: [{SHOP_SPECS}]\n",
        encoding="utf-8")
    return tmp_path


def cli_json(project, *args: str):
    result = CliRunner().invoke(build_cli(), ["--project", str(project / "kpi.yaml"), *args,
                                              "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_eval_returns_the_numbers_kpi_eval_prints(shop_project):
    kpis = kpi_engine.open(shop_project / "kpi.yaml")
    result = kpis.eval(["net_sales", "aov"], grain="month", since="2024-01-01",
                       until=date(2024, 4, 1))
    # net = gross - discounts - refunds: Jan 190-10, Feb -15 (a refund only), Mar 90-5;
    # aov = net / orders: 180/4, Feb no order -> None, 85/2.
    assert [(r["period"], float(r["net_sales"])) for r in result.records] == [
        ("2024-01-01", 180.0), ("2024-02-01", -15.0), ("2024-03-01", 85.0)]
    assert [r["aov"] for r in result.records][1] is None
    assert result.metrics == ["net_sales", "aov"] and result.units["aov"] == "currency"
    from kpi_engine.cli.output import records_json

    assert json.loads(records_json(result.records)) == cli_json(
        shop_project, "eval", "net_sales", "aov", "--since", "2024-01-01",
        "--until", "2024-04-01")


def test_open_a_folder_a_url_or_a_duckdb_file(shop_project):
    url = f"duckdb:///{shop_project / 'shop.duckdb'}"
    by_folder = kpi_engine.open(shop_project).eval("orders", grain="all", by="channel")
    by_url = kpi_engine.open(url, specs=[str(SHOP_SPECS)]).eval(
        "orders", grain="all", by=["channel"])
    by_file = kpi_engine.open(shop_project / "shop.duckdb", specs=[str(SHOP_SPECS)]).eval(
        "orders", grain="all", by="channel")
    # Counted orders: fb o3 o5, web o1 o2 o8, no channel o7.
    expected = [{"channel": "fb", "orders": 2}, {"channel": "web", "orders": 3},
                {"channel": None, "orders": 1}]
    assert by_folder.records == by_url.records == by_file.records == expected


def test_compile_gives_the_statement_for_a_dialect(shop_project):
    kpis = kpi_engine.open(shop_project)
    compiled = kpis.compile("net_sales", dialect="postgres", grain="month")
    assert compiled.dialect == "postgres" and "DATE_TRUNC('MONTH'" in compiled.sql
    assert compiled.metrics == ["net_sales"]


def test_arrow_pandas_polars(shop_project):
    result = kpi_engine.open(shop_project).eval("gross_sales", grain="month",
                                                since="2024-01-01", until="2024-04-01")
    table = result.to_arrow()
    assert table.column_names == ["period", "gross_sales"]
    assert [Decimal(str(v)) for v in table.column("gross_sales").to_pylist()] == [
        190, 0, 90]
    import pandas

    frame = result.to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert [float(v) for v in frame["gross_sales"]] == [190.0, 0.0, 90.0]
    import polars

    pl_frame = result.to_polars()
    assert isinstance(pl_frame, polars.DataFrame)
    assert [float(v) for v in pl_frame["gross_sales"]] == [190.0, 0.0, 90.0]


def test_a_missing_optional_library_is_one_clear_error(shop_project, monkeypatch):
    import sys

    result = kpi_engine.open(shop_project).eval("orders", grain="all")
    monkeypatch.setitem(sys.modules, "polars", None)  # as if it were not installed
    with pytest.raises(KpiError, match=r"polars is not installed: pip install polars"):
        result.to_polars()


def test_bad_input_is_a_kpi_error(shop_project):
    kpis = kpi_engine.open(shop_project)
    with pytest.raises(KpiError, match="since: '2024-13-01' is not a date"):
        kpis.eval("orders", since="2024-13-01")
    with pytest.raises(KpiError, match="unknown metric"):
        kpis.eval("no_such_metric")
    with pytest.raises(KpiError, match="not found"):
        kpi_engine.open(shop_project / "missing.yaml")
