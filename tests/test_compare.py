"""--compare previous|last_year|PERIOD: prior value, change, relative change and verdict
for every requested metric, worked out by hand on the shop (tests/shop_data.py).

Net sales by month: January 180 (190 gross - 10 discounts), February -15 (only o1's
refund), March 85 (90 - 5). By channel: web Jan 150 (o1 90, o2 50, o8 10), Feb -15 (o1's
refund), Mar 0; fb Jan 30, Feb 0, Mar 65; no channel: Mar 20 (o7)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

import kpi_engine
from kpi_engine.cli import build_cli
from kpi_engine.compiler.request import Request
from kpi_engine.errors import KpiError
from kpi_engine.evaluate import evaluate
from kpi_engine.schema import TABLES

from .conftest import SHOP_SPECS
from .shop_data import load_shop

pytestmark = pytest.mark.usefixtures("without_catalog")
Q1 = dict(since="2024-01-01", until="2024-04-01")
# Refunds are better low: a spec beside the shop's says so.
LOWER_IS_BETTER = """metrics:
  - {name: refund_total, type: sum, source: refunds, expr: amount, unit: currency,
     direction: lower_is_better}
  - {name: order_count, type: count, source: orders, direction: neutral}
"""


@pytest.fixture
def shop_url(tmp_path) -> str:
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    url = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    wh = DuckDBWarehouse(url)
    load_shop(wh)
    # One order a year before March 2024, for last_year: 40 net.
    with wh.transaction():
        wh.merge(TABLES["orders"], ["source", "order_id", "channel", "created_at", "subtotal",
                                    "discounts", "status", "is_test"],
                 [("shop", "o9", "web", datetime(2023, 3, 10, 12), D("40"), D("0"), "paid",
                   False)])
    wh.close()
    return url


@pytest.fixture
def kpis(shop_url, tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(LOWER_IS_BETTER, encoding="utf-8")
    return kpi_engine.open(shop_url, specs=[str(SHOP_SPECS), str(extra)])


def num(value):
    return None if value is None else pytest.approx(float(value))


def columns(records, metric):
    return [(r["period"], num(r[metric]), num(r[f"{metric}__prior"]),
             num(r[f"{metric}__change"]), num(r[f"{metric}__change_ratio"]),
             r[f"{metric}__verdict"]) for r in records]


def test_previous_month(kpis):
    recs = kpis.eval(["net_sales", "aov"], compare="previous", **Q1).records
    assert columns(recs, "net_sales") == [
        # December 2023 had no counted order: prior 0, relative change unknown.
        ("2024-01-01", 180, 0, 180, None, "good"),
        ("2024-02-01", -15, 180, -195, -195 / 180, "bad"),
        # Relative to the size of a negative prior: -15 -> 85 is +100/15, a rise.
        ("2024-03-01", 85, -15, 100, 100 / 15, "good"),
    ]
    # aov = net / orders: Jan 45, Feb none (no order), Mar 42.5 -> nothing to compare.
    assert [(r["aov"], r["aov__prior"], r["aov__change"]) for r in recs] == [
        (45, None, None), (None, 45, None), (42.5, None, None)]


def test_direction_decides_good_or_bad(kpis):
    recs = kpis.eval(["refund_total", "order_count"], compare="previous", **Q1).records
    # A refund of 15 in February: a rise of a lower-is-better KPI is bad, its fall good.
    assert columns(recs, "refund_total") == [
        ("2024-01-01", 0, 0, 0, None, "unchanged"),
        ("2024-02-01", 15, 0, 15, None, "bad"),
        ("2024-03-01", 0, 15, -15, -1, "good"),
    ]
    # Orders 4, 0, 2 with direction neutral: a change, neither good nor bad.
    assert [r["order_count__verdict"] for r in recs] == ["neutral", "neutral", "neutral"]


def test_previous_month_by_channel(kpis):
    recs = kpis.eval("net_sales", by="channel", compare="previous", since="2024-02-01",
                     until="2024-04-01").records
    got = [(r["channel"], *columns([r], "net_sales")[0]) for r in recs]
    assert got == [
        ("fb", "2024-02-01", 0, 30, -30, -1, "bad"),
        ("web", "2024-02-01", -15, 150, -165, -1.1, "bad"),
        ("fb", "2024-03-01", 65, 0, 65, None, "good"),
        ("web", "2024-03-01", 0, -15, 15, 1, "good"),
        (None, "2024-03-01", 20, 0, 20, None, "good"),
    ]


def test_last_year_and_an_explicit_period(kpis):
    march = dict(since="2024-03-01", until="2024-04-01")
    recs = kpis.eval("net_sales", compare="last_year", **march).records
    assert columns(recs, "net_sales") == [("2024-03-01", 85, 40, 45, 45 / 40, "good")]
    # 2024-01 for March: two months back, January's 180.
    recs = kpis.eval("net_sales", compare="2024-01", **march).records
    assert columns(recs, "net_sales") == [("2024-03-01", 85, 180, -95, -95 / 180, "bad")]
    # A quarter with the quarter a year before: Q1 2024 250 (180-15+85) vs Q1 2023 40.
    recs = kpis.eval("net_sales", grain="quarter", compare="2023-Q1", **Q1).records
    assert columns(recs, "net_sales") == [("2024-01-01", 250, 40, 210, 210 / 40, "good")]


def test_compare_from_the_cli(shop_url):
    args = ["--specs", str(SHOP_SPECS), "eval", "net_sales", "-w", shop_url, "--since",
            "2024-02-01", "--until", "2024-03-01", "--compare", "previous"]
    out = CliRunner().invoke(build_cli(), [*args, "--format", "json"], catch_exceptions=False)
    assert json.loads(out.output) == [{
        "period": "2024-02-01", "net_sales": -15, "net_sales__prior": 180,
        "net_sales__change": -195, "net_sales__change_ratio": pytest.approx(-195 / 180),
        "net_sales__verdict": "bad"}]
    table = CliRunner().invoke(build_cli(), args, catch_exceptions=False).output
    assert "net_sales__prior" in table and "-108.3%" in table and "bad" in table


@pytest.mark.parametrize(("options", "message"), [
    (dict(grain="all", compare="previous"), "evaluate at a time grain"),
    (dict(compare="2024-01"), "give --since"),
    (dict(compare="2024-01-15", since="2024-03-01", grain="month"), "not at the start of a month"),
    (dict(compare="2024-05", since="2024-03-01"), "must be a month before --since"),
    (dict(compare="2024-03", since="2024-03-01"), "must be a month before --since"),
    (dict(compare="yesterday", since="2024-03-01"), "'yesterday' is not previous, last_year or a period"),
])
def test_bad_comparisons_are_one_clear_error(kpis, options, message):
    with pytest.raises(KpiError, match=message):
        kpis.eval("net_sales", **options)


def test_an_offset_metric_is_not_compared_again(kpis):
    with pytest.raises(KpiError, match="already compares periods"):
        kpis.eval("net_sales_growth", compare="previous", **Q1)


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ["postgresql", "mariadb"])
def test_the_same_statement_on_servers(engine, warehouse_factory, shop_registry):
    wh = warehouse_factory(engine)
    load_shop(wh)
    request = Request(metrics=("net_sales", "aov"), dimensions=("channel",),
                      since=date(2024, 2, 1), until=date(2024, 4, 1), compare=(1, "month"))
    recs = evaluate(shop_registry, request, wh)
    got = [(r["channel"], r["period"], num(r["net_sales"]), num(r["net_sales__prior"]),
            num(r["net_sales__change"]), num(r["net_sales__change_ratio"]),
            num(r["aov__prior"])) for r in recs]
    # aov of web in January: 150 over 3 orders; fb 30 over 1.
    assert got == [
        ("fb", "2024-02-01", 0, 30, -30, -1, 30),
        ("web", "2024-02-01", -15, 150, -165, -1.1, 50),
        ("fb", "2024-03-01", 65, 0, 65, None, None),
        ("web", "2024-03-01", 0, -15, 15, 1, None),
        (None, "2024-03-01", 20, 0, 20, None, None),
    ]


def test_kpi_compile_shows_the_offset_join():
    out = CliRunner().invoke(build_cli(), [
        "--specs", str(SHOP_SPECS), "compile", "net_sales", "--dialect", "mariadb",
        "--compare", "last_year"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    sql = out.output
    assert "DATE_ADD(cur.period, INTERVAL -1 YEAR)" in sql and "AS net_sales__prior" in sql
    assert sql.count("SELECT") >= 2 and ";" not in sql  # still one statement
