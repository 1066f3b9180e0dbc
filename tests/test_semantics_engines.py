"""The semantics of issue 7, worked by hand on the shop of tests/shop_data.py, on every
engine that runs here: breakdowns keep the slices offset and cumulative metrics read,
snapshots carry forward, and medians/percentiles where the engine has no percentile
aggregate (MySQL/MariaDB, SQLite: computed from row numbers)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kpi_engine.compiler.request import Request
from kpi_engine.evaluate import evaluate
from kpi_engine.schema import TABLES

from .shop_data import load_shop

ENGINES = ("duckdb", "sqlite", "postgresql", "mariadb")
Q1 = dict(since=date(2024, 1, 1), until=date(2024, 4, 1))


@pytest.fixture(params=ENGINES)
def shop(request, warehouse_factory):
    wh = warehouse_factory(request.param)
    load_shop(wh)
    return wh


def rows(registry, wh, metrics, dims=(), grain="month", **kw):
    request = Request(metrics=metrics, grain=grain, dimensions=dims, dialect=wh.dialect,
                      **(kw or Q1))
    out = []
    for rec in evaluate(registry, request, wh):
        values = [None if rec[m] is None else round(float(rec[m]), 6) for m in metrics]
        out.append((rec.get("period"), *[rec[d] for d in dims], *values))
    return out


@pytest.mark.warehouse
def test_medians_and_percentiles(shop_registry, shop):
    # Session durations: Jan 10, 20, 30, 100; Feb 50 and NULL (ignored); Mar none.
    # Median Jan (20 + 30) / 2 = 25. p90 at rank 1 + 0.9 * 3 = 3.7: 30 + 0.7 * 70 = 79.
    assert rows(shop_registry, shop, ("median_session_duration", "p90_session_duration")
                ) == [("2024-01-01", 25, 79), ("2024-02-01", 50, 50), ("2024-03-01", None, None)]
    # Whole range: 10, 20, 30, 50, 100: median 30; p90 at rank 4.6: 50 + 0.6 * 50 = 80.
    assert rows(shop_registry, shop, ("median_session_duration", "p90_session_duration"),
                grain="all") == [(None, 30, 80)]
    # By device, January: desktop 30, 100 (median 65, p90 30 + 0.9 * 70 = 93); mobile 10,
    # 20 (15, 19). February: mobile 50 (the NULL duration is not a value).
    assert rows(shop_registry, shop, ("median_session_duration", "p90_session_duration"),
                dims=("device_category",)) == [
        ("2024-01-01", "desktop", 65, 93), ("2024-01-01", "mobile", 15, 19),
        ("2024-02-01", "mobile", 50, 50)]


@pytest.mark.warehouse
def test_breakdown_keeps_slices_of_cumulative_and_offset_metrics(shop_registry, shop):
    # See tests/test_eval_duckdb.py: gross by channel Jan web 160, fb 30; Feb nothing;
    # Mar fb 70, NULL channel 20. net Jan web 150, fb 30; Feb web -15; Mar fb 65, NULL 20.
    assert rows(shop_registry, shop, ("gross_sales_ytd", "net_sales_prev"),
                dims=("channel",)) == [
        ("2024-01-01", "fb", 30, None), ("2024-01-01", "web", 160, None),
        ("2024-02-01", "fb", 30, 30), ("2024-02-01", "web", 160, 150),
        ("2024-03-01", "fb", 100, 0), ("2024-03-01", "web", 160, -15),
        ("2024-03-01", None, 20, None)]


@pytest.mark.warehouse
def test_snapshots_carry_forward_per_store(shop_registry, shop):
    with shop.transaction():
        shop.merge(TABLES["inventory_snapshots"], ["source", "snapshot_at", "product_id",
                                                   "variant_id", "location_id", "on_hand"],
                   [("outlet", datetime(2024, 1, 20), "p1", "p1", "A", 100),
                    ("shop", datetime(2024, 3, 10), "p2", "p2", "B", 4)])
    # Location A: shop p1 (10 Jan 1, 7 Jan 31, 3 Feb 28), shop p2 (5 Jan 15), outlet p1
    # (100 Jan 20, a different entity though it shares the ids). Jan 7 + 5 + 100; Feb and
    # Mar 3 + 5 + 100 (March has no reading at A). Location B: shop p2 4 from March.
    assert rows(shop_registry, shop, ("inventory_on_hand",), dims=("location_id",)) == [
        ("2024-01-01", "A", 112), ("2024-02-01", "A", 108), ("2024-03-01", "A", 108),
        ("2024-03-01", "B", 4)]
    # From February: January's readings still count.
    assert rows(shop_registry, shop, ("inventory_on_hand",), since=date(2024, 2, 1),
                until=date(2024, 4, 1)) == [("2024-02-01", 108), ("2024-03-01", 112)]


# -- money in several currencies (issue 7, sem. 6) ----------------------------------------
# o1, o2, o3 (January, 180 of sales, o1's discount 10) are in EUR; o8 (Jan 31, 10) and o5
# (Mar 2, 70, discount 5) in USD; o7 (Mar 15, 20) names no currency: the store's, which is
# the reporting currency. Refunds have no currency dimension in these specs: o1's
# February refund of 15 counts in the reporting currency.
CURRENCIES = {"o1": "EUR", "o2": "EUR", "o3": "EUR", "o4": "EUR", "o5": "USD", "o6": "USD",
              "o8": "USD"}
# USD in EUR: 0.8 from Jan 25 (o8 on Jan 31), 0.5 from Mar 2 (o5 on Mar 2 at 15:00), and
# a rate from Mar 3 that no order is old enough to use... nor young enough: o5 is earlier.
RATES = [(date(2023, 12, 1), "USD", "0.9"), (date(2024, 1, 25), "USD", "0.8"),
         (date(2024, 3, 2), "USD", "0.5"), (date(2024, 3, 3), "USD", "2.0")]


@pytest.fixture(params=ENGINES)
def money_shop(request, warehouse_factory):
    from decimal import Decimal

    wh = warehouse_factory(request.param)
    load_shop(wh, currencies=CURRENCIES)
    table = TABLES["exchange_rates"]
    wh.ensure_table(table)
    with wh.transaction():
        wh.merge(table, ["date", "currency", "rate"],
                 [(d, c, Decimal(r)) for d, c, r in RATES])
    return wh


@pytest.mark.warehouse
def test_mixed_currencies_are_refused_without_a_reporting_currency(shop_registry,
                                                                   money_shop):
    from kpi_engine.evaluate import CurrencyError

    with pytest.raises(CurrencyError, match=r"gross_sales would sum amounts in several "
                       r"currencies \(EUR, USD\) in period 2024-01-01: set the reporting"):
        rows(shop_registry, money_shop, ("gross_sales",))
    # February sold nothing, but its year-to-date would sum January's EUR and USD.
    with pytest.raises(CurrencyError, match=r"\(EUR, USD\) in period 2024-02-01"):
        rows(shop_registry, money_shop, ("gross_sales_ytd",), since=date(2024, 2, 1),
             until=date(2024, 3, 1))
    # One currency per row is fine: Jan EUR 180, USD 10; Mar USD 70, no currency 20.
    assert rows(shop_registry, money_shop, ("gross_sales",), dims=("currency",)) == [
        ("2024-01-01", "EUR", 180), ("2024-01-01", "USD", 10),
        ("2024-03-01", "USD", 70), ("2024-03-01", None, 20)]


@pytest.mark.warehouse
def test_money_is_converted_at_the_orders_date(shop_registry, money_shop):
    got = rows(shop_registry, money_shop, ("gross_sales", "net_sales", "gross_sales_ytd"),
               currency="EUR", **Q1)
    # Jan: 180 EUR + o8 10 USD x 0.8 = 188; net 188 - 10 (o1's discount, EUR) = 178.
    # Feb: no sale; net -15 (o1's refund, EUR). Mar: o5 70 x 0.5 = 35 plus o7 20 = 55;
    # net 55 - o5's discount 5 x 0.5 = 52.5. Year to date: 188, 188, 243.
    assert got == [("2024-01-01", 188, 178, 188), ("2024-02-01", 0, -15, 188),
                   ("2024-03-01", 55, 52.5, 243)]


@pytest.mark.warehouse
def test_a_missing_rate_is_refused(shop_registry, money_shop):
    from kpi_engine.evaluate import CurrencyError

    # No rate into VND at all: EUR (the lowest code lacking one) is named, and o1 of
    # Jan 5, the earliest amount that has none.
    with pytest.raises(CurrencyError, match=r"no exchange rate from EUR to VND in table "
                       r"exchange_rates \(the earliest amount without a rate is dated "
                       r"2024-01-05\), needed by discounts, gross_sales in period 2024-01-01"):
        rows(shop_registry, money_shop, ("net_sales",), currency="VND", **Q1)
