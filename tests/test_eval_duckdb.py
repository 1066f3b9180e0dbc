"""Every metric type evaluated on the hand-made shop (tests/shop_data.py) against values
worked out by hand. Months: January has 4 counted orders, February none (an empty
period with one refund), March 2."""

from __future__ import annotations

from datetime import date

import pytest

from kpi_engine.compiler.request import Request
from kpi_engine.errors import CompileError
from kpi_engine.evaluate import evaluate

Q1 = dict(since=date(2024, 1, 1), until=date(2024, 4, 1))


def run(registry, wh, *metrics, **kw):
    return evaluate(registry, Request(metrics=metrics, **kw), wh)


def column(records, metric):
    return [r[metric] for r in records]


def approx(values):
    return [None if v is None else pytest.approx(float(v)) for v in values]


def test_base_aggregations_by_month(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "gross_sales", "orders", "customers", "max_order",
               "min_order", "avg_order_subtotal", "web_orders", grain="month", **Q1)
    assert [r["period"] for r in recs] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    # Jan: o1 100 + o2 50 + o3 30 + o8 10 (o4 cancelled is excluded); Mar: o5 70 + o7 20
    # (o6 is a test order). February has no order: 0, not missing.
    assert approx(column(recs, "gross_sales")) == [190, 0, 90]
    assert column(recs, "orders") == [4, 0, 2]
    assert column(recs, "web_orders") == [3, 0, 0]  # o1, o2, o8; o7's channel is NULL
    assert column(recs, "customers") == [3, 0, 1]  # c1 c2 c5; Mar: c2 (o7 has no customer)
    assert approx(column(recs, "max_order")) == [100, None, 70]
    assert approx(column(recs, "min_order")) == [10, None, 20]
    assert approx(column(recs, "avg_order_subtotal")) == [47.5, None, 45]  # 190/4, 90/2


def test_derived_and_ratio_with_zero_denominator(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "net_sales", "aov", "revenue_per_visitor",
               grain="month", **Q1)
    # net = gross - discounts - refunds: Jan 190-10-0; Feb 0-0-15 (refund in its own
    # period); Mar 90-5-0.
    assert approx(column(recs, "net_sales")) == [180, -15, 85]
    # aov = net / orders: 180/4; Feb 0 orders -> NULL, never an error; 85/2.
    assert approx(column(recs, "aov")) == [45, None, 42.5]
    # rpv = net / sessions: 180/4; -15/2; March has no session -> NULL.
    assert approx(column(recs, "revenue_per_visitor")) == [45, -7.5, None]


def test_ratio_of_sums_not_average_of_ratios(shop_registry, shop_duckdb):
    # Quarter: net 180-15+85 = 250 over 6 orders = 41.67, not the mean of monthly AOVs.
    recs = run(shop_registry, shop_duckdb, "aov", grain="quarter", **Q1)
    assert approx(column(recs, "aov")) == [250 / 6]


def test_per_customer_metrics(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "repeat_customers", "repeat_purchase_rate",
               grain="month", **Q1)
    # Jan: c1 ordered twice (o1, o3) of 3 customers; Feb: none (0/0 -> NULL); Mar: 0 of 1.
    assert column(recs, "repeat_customers") == [1, 0, 0]
    assert approx(column(recs, "repeat_purchase_rate")) == [1 / 3, None, 0]


def test_cumulative_windows(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "gross_sales_to_date", "gross_sales_2m",
               "gross_sales_ytd", grain="month", since=date(2024, 2, 1), until=date(2024, 4, 1))
    # Running total includes January although the range starts in February.
    assert approx(column(recs, "gross_sales_to_date")) == [190, 280]
    # Two-month window: Feb = Jan + Feb = 190; Mar = Feb + Mar = 90.
    assert approx(column(recs, "gross_sales_2m")) == [190, 90]
    assert approx(column(recs, "gross_sales_ytd")) == [190, 280]


def test_period_offsets_in_derived_metrics(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "net_sales", "net_sales_prev", "net_sales_growth",
               "net_sales_last_year", grain="month", **Q1)
    assert approx(column(recs, "net_sales_prev")) == [0, 180, -15]
    # growth = (net - prev) / prev: Jan prev 0 -> NULL; (-15-180)/180; (85+15)/-15.
    assert approx(column(recs, "net_sales_growth")) == [None, -195 / 180, 100 / -15]
    assert approx(column(recs, "net_sales_last_year")) == [0, 0, 0]


def test_snapshot_is_last_value_not_sum(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "inventory_on_hand", grain="month", **Q1)
    # Jan: p1's last reading 7 (not 10 + 7) plus p2's 5. Snapshots carry forward: Feb p1 3
    # plus p2's 5 (its last reading, in January); Mar has no reading: still 3 + 5.
    assert column(recs, "inventory_on_hand") == [12, 8, 8]
    recs = run(shop_registry, shop_duckdb, "inventory_on_hand", grain="quarter", **Q1)
    assert column(recs, "inventory_on_hand") == [8]  # p1 3 (Feb 28) + p2 5 (Jan 15)


def test_medians_and_percentiles(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "avg_session_duration", "median_session_duration",
               "p90_session_duration", "conversion_rate", grain="month", **Q1)
    assert approx(column(recs, "avg_session_duration")) == [40, 50, None]  # NULL ignored
    assert approx(column(recs, "median_session_duration")) == [25, 50, None]
    # p90 of 10,20,30,100 interpolates 30 + 0.7 * 70 = 79.
    assert approx(column(recs, "p90_session_duration"))[0] == 79
    assert approx(column(recs, "conversion_rate")) == [0.25, 0, None]


def test_point_in_time_and_expressions(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "active_issues", "first_response_time",
               grain="month", **Q1)
    # Open and assigned at each month's end: Jan t2; Feb t2 and t4; Mar t2.
    assert column(recs, "active_issues") == [1, 2, 1]
    assert approx(column(recs, "first_response_time")) == [1200, 3600, None]


def test_date_sources_sql_sources_and_cac(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "roas", "new_customers", "cac", grain="month",
               **Q1)
    assert approx(column(recs, "roas")) == [2.5, 0, None]
    assert column(recs, "new_customers") == [3, 0, 0]
    assert approx(column(recs, "cac")) == [100 / 3, None, None]


def test_store_timezone_moves_period_boundaries(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "gross_sales", "orders", "new_customers",
               grain="month", timezone="Asia/Ho_Chi_Minh", **Q1)
    # o8 at 20:00 UTC on Jan 31 is Feb 1 in Ho Chi Minh City.
    assert approx(column(recs, "gross_sales")) == [180, 10, 90]
    assert column(recs, "orders") == [3, 1, 2]
    assert column(recs, "new_customers") == [2, 1, 0]


def test_breakdown_with_null_dimension(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "gross_sales", "orders", "aov", grain="all",
               dimensions=("channel",))
    by = {r["channel"]: r for r in recs}
    assert set(by) == {"web", "fb", None}
    assert float(by["web"]["gross_sales"]) == 160  # o1 100 + o2 50 + o8 10
    assert float(by["fb"]["gross_sales"]) == 100  # o3 30 + o5 70
    assert float(by[None]["gross_sales"]) == 20  # o7
    assert by["fb"]["aov"] == pytest.approx(95 / 2)  # (100 - 5 discount) / 2
    # The refund of o1 joins its order's channel: web net = 160 - 10 - 15 over 3 orders.
    assert by["web"]["aov"] == pytest.approx(135 / 3)
    assert "period" not in recs[0]


def test_breakdown_by_expression_dimension_and_month(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "orders", grain="month",
               dimensions=("utm_source",), **Q1)
    got = {(r["period"], r["utm_source"]): r["orders"] for r in recs}
    assert got == {("2024-01-01", "google"): 1, ("2024-01-01", "(none)"): 2,
                   ("2024-01-01", "fb"): 1, ("2024-03-01", "fb"): 1,
                   ("2024-03-01", "(none)"): 1}


def test_date_range_and_where_filter(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "gross_sales", grain="all",
               since=date(2024, 1, 10), until=date(2024, 1, 31))
    assert float(recs[0]["gross_sales"]) == 80  # o2 50 + o3 30; o8 is on Jan 31
    recs = run(shop_registry, shop_duckdb, "gross_sales", grain="all",
               where=("channel = 'fb'",))
    assert float(recs[0]["gross_sales"]) == 100


def test_weeks_and_week_start(shop_registry, shop_duckdb):
    span = dict(since=date(2024, 1, 1), until=date(2024, 1, 15))
    recs = run(shop_registry, shop_duckdb, "gross_sales", grain="week", **span)
    # Monday weeks: Jan 1 (o1 on Friday Jan 5) and Jan 8 (empty, kept as 0).
    assert [(r["period"], float(r["gross_sales"])) for r in recs] == [
        ("2024-01-01", 100), ("2024-01-08", 0)]
    recs = run(shop_registry, shop_duckdb, "gross_sales", grain="week", week_start="sunday",
               **span)
    assert [r["period"] for r in recs] == ["2023-12-31", "2024-01-07", "2024-01-14"]


def test_day_and_year_grains(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "orders", grain="day", since=date(2024, 1, 4),
               until=date(2024, 1, 7))
    assert [(r["period"], r["orders"]) for r in recs] == [
        ("2024-01-04", 0), ("2024-01-05", 1), ("2024-01-06", 0)]
    recs = run(shop_registry, shop_duckdb, "orders", grain="year")
    assert [(r["period"], r["orders"]) for r in recs] == [("2024-01-01", 6)]


def test_breakdown_by_missing_dimension_is_a_clear_error(shop_registry, shop_duckdb):
    with pytest.raises(CompileError, match="source 'sessions' has no such dimension"):
        run(shop_registry, shop_duckdb, "revenue_per_visitor", grain="month",
            dimensions=("channel",))
    with pytest.raises(CompileError, match="did you mean 'channel'"):
        run(shop_registry, shop_duckdb, "orders", grain="month", dimensions=("chanel",))


# -- breakdowns keep the slices that offset and cumulative metrics read (issue 7, sem. 1) --
def _by_channel(recs, *metrics):
    return [(r["period"], r["channel"], *[None if r[m] is None else float(r[m])
                                          for m in metrics]) for r in recs]


def test_breakdown_keeps_slices_with_year_to_date(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "gross_sales", "gross_sales_ytd", grain="month",
               dimensions=("channel",), **Q1)
    # Jan: web o1 100 + o2 50 + o8 10 = 160, fb o3 30. February has no order at all, yet
    # both channels have a year-to-date. March: fb o5 70 (YTD 100), o7 20 without a
    # channel (NULL, last), and web sold nothing but keeps its YTD 160.
    assert _by_channel(recs, "gross_sales", "gross_sales_ytd") == [
        ("2024-01-01", "fb", 30, 30), ("2024-01-01", "web", 160, 160),
        ("2024-02-01", "fb", 0, 30), ("2024-02-01", "web", 0, 160),
        ("2024-03-01", "fb", 70, 100), ("2024-03-01", "web", 0, 160),
        ("2024-03-01", None, 20, 20)]


def test_breakdown_keeps_slices_with_previous_period(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "net_sales", "net_sales_prev", grain="month",
               dimensions=("channel",), **Q1)
    # net = gross - discounts - refunds by channel: Jan web 160-10 = 150, fb 30; Feb web
    # -15 (o1's refund); Mar fb 70-5 = 65, NULL 20. fb in February and web in March have
    # no sales but a previous month that had. A slice without a row in the previous
    # month (December; NULL channel in February) has no previous value (NULL).
    assert _by_channel(recs, "net_sales", "net_sales_prev") == [
        ("2024-01-01", "fb", 30, None), ("2024-01-01", "web", 150, None),
        ("2024-02-01", "fb", 0, 30), ("2024-02-01", "web", -15, 150),
        ("2024-03-01", "fb", 65, 0), ("2024-03-01", "web", 0, -15),
        ("2024-03-01", None, 20, None)]


def test_breakdown_keeps_slices_with_last_year(shop_registry, shop_duckdb):
    # 2025 has no data at all: every row comes from the same month of 2024 (the slices
    # above; fb had nothing in February 2024, so it has no February 2025 row).
    recs = run(shop_registry, shop_duckdb, "net_sales", "net_sales_last_year", grain="month",
               dimensions=("channel",), since=date(2025, 1, 1), until=date(2025, 4, 1))
    assert _by_channel(recs, "net_sales", "net_sales_last_year") == [
        ("2025-01-01", "fb", 0, 30), ("2025-01-01", "web", 0, 150),
        ("2025-02-01", "web", 0, -15),
        ("2025-03-01", "fb", 0, 65), ("2025-03-01", None, 0, 20)]


# -- snapshots carry each entity's last reading forward (issue 7, sem. 3 and 4) -----------
def _add_inventory(wh, rows):
    from kpi_engine.schema import TABLES

    with wh.transaction():
        wh.merge(TABLES["inventory_snapshots"], ["source", "snapshot_at", "product_id",
                                                 "variant_id", "location_id", "on_hand"], rows)


def test_snapshot_carries_readings_from_before_the_range(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "inventory_on_hand", grain="month",
               since=date(2024, 2, 1), until=date(2024, 4, 1))
    # Feb: p1 3 (Feb 28) + p2 5 (Jan 15, before the range); Mar: no reading, same stock.
    assert [(r["period"], r["inventory_on_hand"]) for r in recs] == [
        ("2024-02-01", 8), ("2024-03-01", 8)]


def test_snapshot_carry_forward_by_location(shop_registry, shop_duckdb):
    from datetime import datetime

    _add_inventory(shop_duckdb, [("shop", datetime(2024, 3, 10), "p2", "p2", "B", 4)])
    recs = run(shop_registry, shop_duckdb, "inventory_on_hand", grain="month",
               dimensions=("location_id",), **Q1)
    # A: Jan p1 7 + p2 5; Feb p1 3 + p2 5; Mar nothing read at A, still 8. B: p2's first
    # reading in March, 4. Before carrying forward, Feb A was 3 and Mar A missing.
    assert [(r["period"], r["location_id"], r["inventory_on_hand"]) for r in recs] == [
        ("2024-01-01", "A", 12), ("2024-02-01", "A", 8), ("2024-03-01", "A", 8),
        ("2024-03-01", "B", 4)]


def test_snapshot_entities_of_two_stores_do_not_overwrite(shop_registry, shop_duckdb):
    from datetime import datetime

    # The outlet store uses the same product and location ids as the shop.
    _add_inventory(shop_duckdb, [("outlet", datetime(2024, 1, 20), "p1", "p1", "A", 100)])
    recs = run(shop_registry, shop_duckdb, "inventory_on_hand", grain="month", **Q1)
    # Jan: shop p1 7 + shop p2 5 + outlet p1 100 (keyed by source too; without it the
    # shop's later p1 reading, 7 on Jan 31, would replace the outlet's 100: 12).
    # Feb and Mar: shop p1 3 + shop p2 5 + outlet p1 100.
    assert column(recs, "inventory_on_hand") == [112, 108, 108]


def test_breakdown_offsets_read_data_rows_not_each_others_keys(shop_registry, shop_duckdb):
    recs = run(shop_registry, shop_duckdb, "net_sales_prev", "net_sales_last_year",
               grain="month", dimensions=("channel",), since=date(2025, 1, 1),
               until=date(2025, 4, 1))
    # As in the test above: only slices with data a year earlier (none in Dec 2024 or in
    # 2025). fb had no February 2024 row of its own (only one that the previous-month
    # offset would add), so it gets no February 2025 row. web's February reads the
    # January 2025 row (there for its last-year value): net 0.
    assert _by_channel(recs, "net_sales_prev", "net_sales_last_year") == [
        ("2025-01-01", "fb", None, 30), ("2025-01-01", "web", None, 150),
        ("2025-02-01", "web", 0, -15),
        ("2025-03-01", "fb", None, 65), ("2025-03-01", None, None, 20)]
