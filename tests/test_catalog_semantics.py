"""Issue 7, "The semantics" 2, 3, 5 and 7: the shipped catalog's definitions, each on a
small store written here and worked out by hand (every expected number carries its
arithmetic). Each test failed on the catalog as it was before the fix; the new metrics
did not exist. Times are UTC and the store's timezone is UTC unless a test says so."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kpi_engine.compiler.request import Request
from kpi_engine.errors import KpiError
from kpi_engine.evaluate import evaluate
from kpi_engine.registry import load_registry
from kpi_engine.schema import TABLES
from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

T = datetime
FEB = dict(grain="month", since=date(2024, 2, 1), until=date(2024, 3, 1))
MAR = dict(grain="month", since=date(2024, 3, 1), until=date(2024, 4, 1))


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def make_store(**tables: list[dict]) -> DuckDBWarehouse:
    """A DuckDB store with every canonical table, holding the rows given (missing columns
    NULL)."""
    wh = DuckDBWarehouse("duckdb:///:memory:")
    for table in TABLES.values():
        wh.ensure_table(table)
    for name, rows in tables.items():
        cols = TABLES[name].column_names
        with wh.transaction():
            wh.merge(TABLES[name], cols, [tuple(r.get(c) for c in cols) for r in rows])
    return wh


def values(registry, wh, metrics, **request):
    records = evaluate(registry, Request(metrics=tuple(metrics), **request), wh)
    return [{m: None if r[m] is None else float(r[m]) for m in metrics} for r in records]


def one(registry, wh, metrics, **request):
    rows = values(registry, wh, metrics, **request)
    assert len(rows) == 1, rows
    return rows[0]


def order(order_id, created_at, subtotal, *, source="shop", customer_id=None, channel="web",
          discounts=0, refunded=0, status="paid"):
    return dict(order_id=order_id, source=source, customer_id=customer_id, channel=channel,
                created_at=created_at, currency="USD", subtotal=subtotal,
                discounts=discounts, shipping=0, tax=0, total=subtotal - discounts,
                refunded=refunded, status=status, is_test=False, updated_at=created_at)


# -- 2. unit_cycle_time ---------------------------------------------------------------------
def test_unit_cycle_time_counts_the_units_of_finished_runs_only(registry):
    wh = make_store(production_runs=[
        dict(run_id="r1", started_at=T(2024, 3, 4, 8), ended_at=T(2024, 3, 4, 10),
             units_total=10, units_good=10),
        # still running: no duration yet, so its 30 units must not dilute the average
        dict(run_id="r2", started_at=T(2024, 3, 5, 8), ended_at=None,
             units_total=30, units_good=30),
    ])
    got = one(registry, wh, ["unit_cycle_time", "units_produced"], **MAR)
    assert got["unit_cycle_time"] == pytest.approx(720)  # 7,200 s / 10 units (not / 40)
    assert got["units_produced"] == 40                    # both runs' output still counts


# -- 3. two stores sharing ids --------------------------------------------------------------
def two_stores() -> DuckDBWarehouse:
    """Stores "a" and "b" both use product pX, customer c1 and order number 1001."""
    orders = [
        order("1001", T(2024, 1, 10), 50, source="a", customer_id="c1"),
        order("1002", T(2024, 3, 5), 40, source="a", customer_id="c1"),
        order("1001", T(2024, 3, 20), 30, source="b", customer_id="c1"),
    ]
    lines = [
        dict(order_id="1001", line_id="1", source="a", product_id="pX", variant_id="v",
             quantity=5, unit_price=10, discount=0, unit_cost=4),
        dict(order_id="1002", line_id="1", source="a", product_id="pX", variant_id="v",
             quantity=3, unit_price=10, discount=0, unit_cost=4),
        dict(order_id="1001", line_id="1", source="b", product_id="pX", variant_id="v",
             quantity=2, unit_price=15, discount=0, unit_cost=4),
    ]
    stock = [  # the same product, variant and location id in both stores, same instant
        dict(snapshot_at=T(2024, 3, 31), source="a", product_id="pX", variant_id="v",
             location_id="main", on_hand=10),
        dict(snapshot_at=T(2024, 3, 31), source="b", product_id="pX", variant_id="v",
             location_id="main", on_hand=5),
    ]
    tickets = [  # requester r1 in two helpdesks: two people
        dict(ticket_id="t1", source="desk_a", created_at=T(2024, 3, 6), channel="email",
             product_id="pX", requester_id="r1"),
        dict(ticket_id="t1", source="desk_b", created_at=T(2024, 3, 21), channel="email",
             product_id="pX", requester_id="r1"),
    ]
    return make_store(orders=orders, order_lines=lines, inventory_snapshots=stock,
                      tickets=tickets)


def test_stock_of_two_stores_sharing_product_ids_adds_up(registry):
    got = one(registry, two_stores(), ["inventory_on_hand", "units_sold", "sell_through_rate",
                                       "units_sold_last_30_days", "days_of_inventory"], **MAR)
    assert got["inventory_on_hand"] == 15                     # a 10 + b 5 (not one of them)
    assert got["units_sold"] == 5                             # 3 + 2
    assert got["sell_through_rate"] == pytest.approx(0.25)   # 5 / (5 + 15)
    # 30 days before Apr 1 hold both orders' 5 units: 15 / (5 / 30) = 90 days
    assert got["days_of_inventory"] == pytest.approx(90)
    # broken down by store, each keeps its own
    rows = evaluate(registry, Request(metrics=("inventory_on_hand",), dimensions=("source",),
                                      **MAR), two_stores())
    assert {r["source"]: r["inventory_on_hand"] for r in rows} == {"a": 10, "b": 5}


def test_customers_of_two_stores_sharing_ids_stay_apart(registry):
    got = one(registry, two_stores(), [
        "new_customers", "purchasing_customers", "returning_customer_orders",
        "purchase_frequency", "repeat_customers", "customers_to_date"], **MAR)
    # a/c1 ordered in January and March (returning); b/c1 first ordered on Mar 20 (new)
    assert got["new_customers"] == 1                  # b/c1 (merged: c1's 3rd order, 0)
    assert got["purchasing_customers"] == 2           # a/c1, b/c1 (merged: 1)
    assert got["returning_customer_orders"] == 1      # a's 1002 (merged: 1002 and b's 1001)
    assert got["purchase_frequency"] == pytest.approx(1.0)  # 2 orders / 2 (merged: 2 / 1)
    assert got["repeat_customers"] == 1               # a/c1 only
    assert got["customers_to_date"] == 2


def test_orders_and_requesters_of_two_stores_sharing_ids_stay_apart(registry):
    wh = two_stores()
    got = one(registry, wh, ["support_contact_customers", "hit_rate"], **MAR)
    assert got["support_contact_customers"] == 2  # desk_a/r1 and desk_b/r1 (merged: 1)
    assert got["hit_rate"] == pytest.approx(2.5)  # 5 units / 2 requesters (merged: 5)
    # over all time, baskets a/1001, a/1002 and b/1001: order 1001 twice, in two stores
    got = one(registry, wh, ["basket_orders", "product_orders_a"], grain="all")
    assert got == {"basket_orders": 3, "product_orders_a": 3}  # (merged: 2)


# -- 5. definitions aligned with common practice --------------------------------------------
def test_csat_is_the_share_of_satisfied_answers(registry):
    answers = [(5, 5), (4, 5), (3, 5), (1, 5), (1, 1), (0, 1)]  # (score, scale_max)
    wh = make_store(survey_responses=[
        dict(response_id=f"q{i}", source="survey", responded_at=T(2024, 3, 1 + i),
             kind="csat", score=score, scale_max=top)
        for i, (score, top) in enumerate(answers)])
    got = one(registry, wh, ["csat", "csat_average_score"], **MAR)
    # satisfied: 5, 4 (of 5) and "good" (1 of 1) = 3 of 6 answers
    assert got["csat"] == pytest.approx(0.5)
    assert registry.metric("csat_positive_share").name == "csat"  # the old name, an alias
    # mean on 1-5: (5 + 4 + 3 + 1 + 5 (good) + 0 (bad)) / 6 = 3
    assert got["csat_average_score"] == pytest.approx(3.0)


def test_email_click_through_rate_is_clicks_per_delivered(registry):
    wh = make_store(email_campaigns=[dict(date=date(2024, 3, 4), campaign="news", sent=1050,
                                          delivered=1000, opens=200, clicks=30,
                                          unsubscribes=1)])
    got = one(registry, wh, ["email_click_through_rate", "click_to_open_rate"], **MAR)
    assert got["email_click_through_rate"] == pytest.approx(0.03)  # 30 / 1000 delivered
    assert got["click_to_open_rate"] == pytest.approx(0.15)        # 30 / 200 opens


def refund_store() -> DuckDBWarehouse:
    """A February order of 100, 40 of it refunded on Mar 10; two March orders."""
    return make_store(
        orders=[order("o1", T(2024, 2, 10), 100, customer_id="c1", refunded=40),
                order("o2", T(2024, 3, 5), 200, customer_id="c2", discounts=20),
                order("o3", T(2024, 3, 15), 100, customer_id="c3")],
        refunds=[dict(refund_id="r1", source="shop", order_id="o1",
                      created_at=T(2024, 3, 10), amount=40)],
        sessions=[dict(session_id=f"s{i}", user_id=f"u{i}", started_at=T(2024, 3, 1 + i))
                  for i in range(4)])


def test_aov_and_rpv_ignore_refunds_of_earlier_orders(registry):
    got = one(registry, refund_store(), ["aov", "revenue_per_visitor", "net_sales"], **MAR)
    assert got["aov"] == pytest.approx(140)                # (300 - 20) / 2 (not 240 / 2)
    assert got["revenue_per_visitor"] == pytest.approx(70)  # 280 / 4 sessions (not 60)
    assert got["net_sales"] == pytest.approx(240)          # refunds still move net sales


def test_clv_revenue_ignores_refunds_made_after_the_period(registry):
    wh = refund_store()
    feb = one(registry, wh, ["trailing_year_revenue", "lifetime_revenue"], **FEB)
    # at the end of February o1 had not been refunded yet: 100 (not 100 - 40)
    assert feb == {"trailing_year_revenue": pytest.approx(100),
                   "lifetime_revenue": pytest.approx(100)}
    mar = one(registry, wh, ["trailing_year_revenue", "lifetime_revenue"], **MAR)
    # 100 - 40 (refunded in March) + 180 + 100
    assert mar == {"trailing_year_revenue": pytest.approx(340),
                   "lifetime_revenue": pytest.approx(340)}


def test_response_and_resolution_times_count_in_the_period_they_happen(registry):
    wh = make_store(tickets=[
        # created in January, answered after 4 h and solved after 2 days, in February
        dict(ticket_id="t1", source="desk", created_at=T(2024, 1, 31, 22),
             first_response_at=T(2024, 2, 1, 2), solved_at=T(2024, 2, 2, 22)),
        dict(ticket_id="t2", source="desk", created_at=T(2024, 2, 10, 10),
             first_response_at=T(2024, 2, 10, 10, 10), solved_at=T(2024, 2, 10, 12)),
        # created in February, answered in March (two days later), never solved
        dict(ticket_id="t3", source="desk", created_at=T(2024, 2, 28, 10),
             first_response_at=T(2024, 3, 1, 10), solved_at=None),
    ])
    got = one(registry, wh, ["first_response_time", "first_response_time_created_cohort",
                             "resolution_time", "resolution_time_created_cohort",
                             "resolution_time_median"], **FEB)
    assert got["first_response_time"] == pytest.approx(7500)      # (14400 + 600) / 2
    assert got["first_response_time_created_cohort"] == pytest.approx(86700)  # (600 +
    #                                                      172800 (t3, Feb 29 exists)) / 2
    assert got["resolution_time"] == pytest.approx(90000)         # (172800 + 7200) / 2
    assert got["resolution_time_median"] == pytest.approx(90000)
    assert got["resolution_time_created_cohort"] == pytest.approx(7200)  # t2 only


def test_average_handle_time_is_not_resolution_time(registry):
    with pytest.raises(KpiError):
        registry.metric("average_handle_time")


def retention_store() -> DuckDBWarehouse:
    web, phone = "web", "phone"
    rows = [  # customer, channel, created
        ("cA", web, T(2024, 1, 5)), ("cA", web, T(2024, 2, 5)),      # online both months
        ("cB", web, T(2024, 1, 6)), ("cB", phone, T(2024, 2, 6)),    # back to the phone
        ("cC", web, T(2024, 2, 7)),                                   # new online in Feb
        ("cD", web, T(2023, 12, 8)), ("cD", web, T(2024, 2, 8)),     # skipped January
    ]
    return make_store(orders=[order(f"o{i}", at, 10, customer_id=c, channel=ch)
                              for i, (c, ch, at) in enumerate(rows)])


def test_online_retention_compares_consecutive_periods(registry):
    got = one(registry, retention_store(), [
        "online_buyers_previous_period", "online_buyers_retained", "online_retention_rate"],
        **FEB)
    # January's online buyers: cA, cB; online again in February: cA (cB ordered by
    # phone). The old 365-day windows read cA, cB, cD at both ends: 3 / 3.
    assert got == {"online_buyers_previous_period": 2, "online_buyers_retained": 1,
                   "online_retention_rate": pytest.approx(0.5)}


def test_online_retention_over_months_quarters_and_weeks(registry):
    wh = retention_store()
    months = values(registry, wh, ["online_retention_rate"], grain="month",
                    since=date(2024, 1, 1), until=date(2024, 3, 1))
    # January against December: cD bought online in December, not in January: 0 / 1
    assert [r["online_retention_rate"] for r in months] == [0.0, pytest.approx(0.5)]
    quarter = one(registry, wh, ["online_buyers_previous_period", "online_buyers_retained"],
                  grain="quarter", since=date(2024, 1, 1), until=date(2024, 4, 1))
    assert quarter == {"online_buyers_previous_period": 1,  # Q4 2023: cD
                       "online_buyers_retained": 1}          # cD again in Q1 (Feb 8)
    # week of Mon Feb 5: cA (Feb 5), cC (Feb 7), cD (Feb 8) online; the week before
    # (Jan 29 - Feb 4) had no order: 0 / 0
    week = one(registry, wh, ["online_buyers_previous_period", "online_retention_rate"],
               grain="week", since=date(2024, 2, 5), until=date(2024, 2, 12))
    assert week == {"online_buyers_previous_period": 0, "online_retention_rate": None}


def test_online_retention_periods_follow_the_store_timezone(registry):
    # 2024-01-31 20:00 UTC is Feb 1, 03:00 in Ho Chi Minh City (UTC+7): a February order
    wh = make_store(orders=[order("o1", T(2024, 1, 31, 20), 10, customer_id="c1"),
                            order("o2", T(2024, 3, 2), 10, customer_id="c1")])
    got = one(registry, wh, ["online_buyers_previous_period", "online_buyers_retained"],
              timezone="Asia/Ho_Chi_Minh", **MAR)
    assert got == {"online_buyers_previous_period": 1, "online_buyers_retained": 1}
    utc = one(registry, wh, ["online_buyers_previous_period"], **MAR)
    assert utc == {"online_buyers_previous_period": 0}  # in UTC it was a January order


def test_returning_order_share_leaves_guests_out(registry):
    wh = make_store(orders=[
        order("o1", T(2024, 2, 1), 10, customer_id="c1"),
        order("o2", T(2024, 3, 1), 10, customer_id="c1"),   # returning
        order("o3", T(2024, 3, 2), 10, customer_id="c2"),   # new
        order("o4", T(2024, 3, 3), 10),                     # guests: neither
        order("o5", T(2024, 3, 4), 10),
    ])
    got = one(registry, wh, ["returning_order_share", "orders"], **MAR)
    assert got["orders"] == 4
    assert got["returning_order_share"] == pytest.approx(0.5)  # 1 / (1 + 1), not 1 / 4


# -- 7. metrics that were missing -----------------------------------------------------------
def test_cpc_and_cpm(registry):
    wh = make_store(ad_spend=[
        dict(date=date(2024, 3, 5), platform="google", campaign="s", campaign_type="search",
             spend=100, impressions=1000, clicks=50),
        dict(date=date(2024, 3, 6), platform="google", campaign="d", campaign_type="display",
             spend=20, impressions=4000, clicks=8),
        # a commission per sale: no clicks or impressions to price
        dict(date=date(2024, 3, 7), platform="partner", campaign="aff",
             campaign_type="affiliate", spend=10, impressions=0, clicks=0),
    ])
    got = one(registry, wh, ["cpc", "cpm", "ad_spend"], **MAR)
    assert got["ad_spend"] == 130
    assert got["cpc"] == pytest.approx(120 / 58)         # (100 + 20) / (50 + 8) = 2.07
    assert got["cpm"] == pytest.approx(24)               # 1000 x 120 / 5000
    rows = evaluate(registry, Request(metrics=("cpc",), dimensions=("campaign",), **MAR), wh)
    by = {r["campaign"]: r["cpc"] for r in rows}
    assert float(by["s"]) == pytest.approx(2.0) and float(by["d"]) == pytest.approx(2.5)
    assert by["aff"] is None                             # 0 / 0 clicks


def test_contact_rate_is_tickets_per_order(registry):
    wh = make_store(
        orders=[order(f"o{i}", T(2024, 3, 1 + i), 10) for i in range(4)],
        tickets=[dict(ticket_id=f"t{i}", source="desk", created_at=T(2024, 3, 2 + i),
                      channel="email") for i in range(3)])
    assert one(registry, wh, ["contact_rate"], **MAR) == {
        "contact_rate": pytest.approx(0.75)}             # 3 tickets / 4 orders


def test_stock_turnover_over_average_stock(registry):
    wh = make_store(
        orders=[order("o1", T(2024, 3, 10), 200)],
        order_lines=[dict(order_id="o1", line_id="1", source="shop", product_id="p",
                          variant_id="v", quantity=20, unit_price=10, discount=0)],
        inventory_snapshots=[
            dict(snapshot_at=T(2024, 2, 29), source="shop", product_id="p", variant_id="v",
                 location_id="L", on_hand=30),
            dict(snapshot_at=T(2024, 3, 31), source="shop", product_id="p", variant_id="v",
                 location_id="L", on_hand=50)])
    got = one(registry, wh, ["stock_turnover", "inventory_on_hand_previous_period"], **MAR)
    assert got["inventory_on_hand_previous_period"] == 30
    assert got["stock_turnover"] == pytest.approx(0.5)   # 20 units / ((30 + 50) / 2)
