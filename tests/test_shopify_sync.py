"""The shopify connector syncing from a Shopify GraphQL Admin API on 127.0.0.1 (the
replay server with tests/shopify_fake.py): paged and bulk give the same tables, a second
sync writes nothing, a changed order is updated in place, THROTTLED answers are waited
out, malformed pages change nothing; and the conformance suite of kpi_engine.testing."""

from __future__ import annotations

import copy

import pytest

from kpi_engine.errors import KpiError
from kpi_engine.testing import ReplayServer
from kpi_engine.testing.conformance import ConnectorCase, ConnectorConformance, tables_of

from .shopify_fake import GRAPHQL, FakeShopify, serve_orders_only, synthetic_orders

TOKEN = "shpat_0123456789abcdef0123456789abcdef"


class ShopifyCase(ConnectorCase):
    def serve(self, server: ReplayServer, pages: int) -> None:
        serve_orders_only(server, synthetic_orders(pages * 2))


CASE = ShopifyCase("shopify", secrets={"access_token": TOKEN},
                   settings={"bulk": "never", "orders_page_size": 2, "page_size": 100,
                             "bulk_poll_seconds": 0.01},
                   few_pages=3, many_pages=8, kill_at_request=3)
BULK_CASE = ShopifyCase("shopify", secrets={"access_token": TOKEN},
                        settings={**CASE.settings, "bulk": "always"})


class TestShopifyConformance(ConnectorConformance):
    case = CASE


def sync(server, url, **settings):
    from kpi_engine.testing.conformance import sync_in_process

    case = ShopifyCase("shopify", secrets=CASE.secrets, settings={**CASE.settings,
                                                                   **settings})
    return sync_in_process(case, server, url)


@pytest.fixture
def wh_url(tmp_path):
    return lambda name: f"duckdb:///{tmp_path / name}.duckdb"


def test_bulk_gives_the_tables_of_paged_queries(wh_url):
    late = True  # each order's lines come after the next order (bounded window)
    with ReplayServer() as server:
        FakeShopify(server, late_children=late)
        sync(server, wh_url("paged"))
        report = sync(server, wh_url("bulk"), bulk="always")
        runs = [r for r in server.requests if r.path == GRAPHQL
                and "bulkOperationRunQuery" in r.json()["query"]]
        assert len(runs) == 1 and server.requests_to("/bulk/orders.jsonl")
        # The download went without the shop's token (a signed storage address).
        assert "x-shopify-access-token" not in server.requests_to("/bulk/orders.jsonl")[0] \
            .headers
        # The refunds' parts, which a bulk query cannot select, were read by id.
        details = [r.json()["variables"]["ids"] for r in server.requests
                   if r.path == GRAPHQL and "RefundDetails" in r.json()["query"]]
        assert details == [["gid://shopify/Refund/9501", "gid://shopify/Refund/9502"]]
    assert report.rows["orders"] == 6
    bulk = tables_of(CASE, wh_url("bulk"))
    assert tables_of(CASE, wh_url("paged")) == bulk
    amounts = {row[0]: row[-1] for row in bulk["refunds"]}
    assert amounts == {"'9501'": "Decimal('20.5000')", "'9502'": "Decimal('25.0000')"}


def test_first_sync_in_bulk_then_incremental_pages(wh_url):
    from datetime import timedelta

    from kpi_engine.http import iso, parse_timestamp
    from kpi_engine.testing.conformance import cursors_of

    with ReplayServer() as server:
        FakeShopify(server)
        url = wh_url("shop")
        sync(server, url, bulk="auto")  # a first sync: a bulk operation
        assert any("bulkOperationRunQuery" in r.json()["query"] for r in server.requests
                   if r.path == GRAPHQL)
        cursor = cursors_of(CASE, url)["orders"]
        server.requests.clear()
        second = sync(server, url, bulk="auto", lookback_minutes=60)
        queries = [r.json() for r in server.requests if r.path == GRAPHQL]
    assert not any("bulkOperationRunQuery" in q["query"] for q in queries)
    since = iso(parse_timestamp(cursor) - timedelta(minutes=60))
    assert [q["variables"]["query"] for q in queries if "orders(first" in q["query"]] == \
        [f"updated_at:>='{since}'"]
    assert not second.merged.get("orders") or not (second.merged["orders"].inserted
                                                   or second.merged["orders"].updated)


def _zero_bag() -> dict:
    return {"shopMoney": {"amount": "0.00", "currencyCode": "USD"},
            "presentmentMoney": {"amount": "0.00", "currencyCode": "USD"}}


def test_an_order_changed_at_the_source_is_updated_in_place(wh_url):
    with ReplayServer() as server:
        fake = FakeShopify(server)
        url = wh_url("shop")
        sync(server, url)
        before = tables_of(CASE, url)
        order = next(o for o in fake.data["orders"] if o["id"].endswith("/5004"))
        order["updatedAt"] = "2025-03-01T10:00:00Z"
        order["displayFinancialStatus"] = "REFUNDED"
        order["totalRefundedSet"]["shopMoney"]["amount"] = "70.00"
        order["refunds"] = [{"id": "gid://shopify/Refund/9503",
                             "createdAt": "2025-03-01T10:00:00Z",
                             "totalRefundedSet": copy.deepcopy(order["totalPriceSet"]),
                             "refundLineItems": {"nodes": [
                                 {"quantity": line["quantity"], "lineItem": {"id": line["id"]},
                                  "subtotalSet": copy.deepcopy(line["originalTotalSet"]),
                                  "totalTaxSet": _zero_bag()}
                                 for line in order["lineItems"]["nodes"]]},
                             "orderAdjustments": {"nodes": []},
                             "refundShippingLines": {"nodes": []}}]
        report = sync(server, url)
        after = tables_of(CASE, url)
    assert report.merged["orders"].updated == 1 and report.merged["orders"].inserted == 0
    assert len(after["orders"]) == len(before["orders"]) == 6
    changed = [r for r in after["orders"] if r not in before["orders"]]
    assert len(changed) == 1 and "'5004'" in changed[0] and "'refunded'" in changed[0]
    assert len(after["refunds"]) == len(before["refunds"]) + 1


def test_throttled_answers_are_waited_out(wh_url):
    with ReplayServer() as server:
        fake = FakeShopify(server)
        fake.throttle_next = 2
        report = sync(server, wh_url("shop"))
        first = server.requests[:3]
    assert report.rows["orders"] == 6
    # The same query was sent three times: twice THROTTLED, then answered.
    assert len({r.body for r in first}) == 1


@pytest.mark.parametrize("damage, expected", [
    (lambda o: o.pop("totalPriceSet"), "field 'totalPriceSet' is missing"),
    (lambda o: o["lineItems"]["nodes"][0].update(quantity="two"),
     "field 'quantity': expected an integer, got 'two'"),
])
def test_a_malformed_page_is_one_clear_error_and_changes_nothing(wh_url, damage, expected):
    with ReplayServer() as server:
        fake = FakeShopify(server)
        url = wh_url("shop")
        sync(server, url)
        before = tables_of(CASE, url)
        # Order 5004 is on the second page of the next sync (updated since the cursor).
        for order in fake.data["orders"]:
            order["updatedAt"] = order["updatedAt"].replace("2025-", "2026-")
        damage(next(o for o in fake.data["orders"] if o["id"].endswith("/5004")))
        with pytest.raises(KpiError) as caught:
            sync(server, url)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("connector 'shopify', stream 'orders', page 2 ("), message
    assert f"order 2 of the page: {expected}" in message
    after = tables_of(CASE, url)
    assert after["orders"] != before["orders"]  # page 1 of the second sync was committed
    # ... but nothing of page 2: its orders keep their first values.
    assert [r for r in after["order_lines"] if "'5004'" in r[0:2][0] + r[0:2][1]] == \
        [r for r in before["order_lines"] if "'5004'" in r[0:2][0] + r[0:2][1]]


def test_graphql_errors_and_html_pages(wh_url):
    with ReplayServer() as server:
        FakeShopify(server)
        server.fail("html")
        with pytest.raises(KpiError, match=r"stream 'orders', page 1 .*HTML page"):
            sync(server, wh_url("a"))
    with ReplayServer() as server:
        server.add("POST", GRAPHQL, {"errors": [{"message": "Access denied for orders "
                                                            "field."}]})
        with pytest.raises(KpiError, match="GraphQL errors: Access denied for orders "
                                           "field."):
            sync(server, wh_url("b"))


def test_settings(wh_url):
    from kpi_engine.extensions import connector_class
    from kpi_engine.sync.engine import build_settings

    cls = connector_class("shopify")
    s = build_settings(cls, {"shop": "Your-Store.myshopify.com", "access_token": TOKEN})
    assert s.base_url == "https://your-store.myshopify.com"
    assert TOKEN not in repr(s)
    with pytest.raises(KpiError, match="set 'shop'"):
        build_settings(cls, {})
    with pytest.raises(KpiError, match="expected the shop's myshopify.com name"):
        build_settings(cls, {"shop": "evil.example/x?"})
    from kpi_engine.sync.engine import run_sync
    from kpi_engine.warehouses.connect import connect

    wh = connect(wh_url("no-token"), create=True)
    try:
        with pytest.raises(KpiError, match="setting 'access_token' is required"):
            run_sync("shopify", wh, {"shop": "your-store"})
    finally:
        wh.close()


def test_orders_export_loads_without_a_token(tmp_path):
    from kpi_engine.sync.engine import run_sync
    from kpi_engine.warehouses.connect import connect

    from .shopify_fake import FIXTURES

    wh = connect(f"duckdb:///{tmp_path / 'csv.duckdb'}", create=True)
    try:
        report = run_sync("shopify", wh, {"orders_export": str(FIXTURES /
                                                                "orders_export.csv")})
        counted = wh.query("SELECT sum(subtotal), count(*) FROM orders "
                           "WHERE status <> 'cancelled'").rows
    finally:
        wh.close()
    assert (report.rows["orders"], report.rows["order_lines"]) == (5, 7)
    assert counted == [(260, 4)]  # #1001 105, #1002 40, #1004 65, #1006 50; #1005 cancelled


def test_an_order_with_more_lines_than_a_page_holds(wh_url):
    with ReplayServer() as server:
        fake = FakeShopify(server)
        order = next(o for o in fake.data["orders"] if o["id"].endswith("/5004"))
        template = order["lineItems"]["nodes"][0]
        order["lineItems"]["nodes"] = [
            {**copy.deepcopy(template), "id": f"gid://shopify/LineItem/{70000 + i}"}
            for i in range(120)]
        report = sync(server, wh_url("shop"), streams="orders")
        line_queries = [r for r in server.requests if r.path == GRAPHQL
                        and "OrderLines" in r.json()["query"]]
        url = wh_url("shop")
    assert len(line_queries) == 2  # lines 51-100 and 101-120
    lines = [r for r in tables_of(CASE, url)["order_lines"] if "'5004'" in r]
    assert len(lines) == 120 and report.rows["order_lines"] == 120 + 6
