"""Nested connections past their first page, paged and in bulk, against the loopback
Shopify (tests/shopify_fake.py cuts each nested connection to the ``first`` the query
asks for, with ``pageInfo``, as the API does): a refund with 120 refunded lines and 12
order adjustments, an order with 25 refunds (its ``refunds(first: 20)`` list is full)
and 7 shipping lines. Every line and amount is synced."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from kpi_engine.testing import ReplayServer
from kpi_engine.warehouses.connect import connect

from .shopify_fake import GRAPHQL, FakeShopify, _cursor
from .test_shopify_sync import sync


def _bag(amount: str) -> dict:
    return {"shopMoney": {"amount": amount, "currencyCode": "USD"},
            "presentmentMoney": {"amount": amount, "currencyCode": "USD"}}


def _refund(n: int, lines: int, line_amount: str, adjustments: int = 0) -> dict:
    return {
        "id": f"gid://shopify/Refund/{n}", "createdAt": "2025-03-02T10:00:00Z",
        "totalRefundedSet": _bag("1.00"),
        "refundLineItems": {"nodes": [
            {"quantity": 1, "lineItem": {"id": "gid://shopify/LineItem/6004"},
             "subtotalSet": _bag(line_amount), "totalTaxSet": _bag("0.00")}
            for _ in range(lines)]},
        "orderAdjustments": {"nodes": [
            {"id": f"gid://shopify/OrderAdjustment/{n * 100 + i}",
             "reason": "REFUND_DISCREPANCY", "amountSet": _bag("0.50"),
             "taxAmountSet": _bag("0.00")} for i in range(adjustments)]},
        "refundShippingLines": {"nodes": [
            {"id": f"gid://shopify/RefundShippingLine/{n * 100 + i}",
             "shippingLine": {"id": "gid://shopify/ShippingLine/50040"},
             "subtotalAmountSet": _bag("0.10"), "taxAmountSet": _bag("0.00")}
            for i in range(7)]},
    }


def _big_order(fake: FakeShopify) -> dict:
    order = next(o for o in fake.data["orders"] if o["id"].endswith("/5004"))
    # 120 refunded lines of 1.00 less 12 adjustments of 0.50 -> 114.00; 24 more
    # refunds of one 2.00 line each (25 in all: more than refunds(first: 20) gives).
    order["refunds"] = [_refund(9900, 120, "1.00", 12)] + [
        _refund(9901 + i, 1, "2.00") for i in range(24)]
    shipping = order["shippingLines"]["nodes"][0]
    order["shippingLines"]["nodes"] = [
        {**copy.deepcopy(shipping), "id": f"gid://shopify/ShippingLine/{60000 + i}",
         "discountedPriceSet": _bag("1.00")} for i in range(7)]
    return order


@pytest.mark.parametrize("bulk", ["never", "always"])
def test_nested_connections_are_read_past_their_first_page(tmp_path, bulk):
    url = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    with ReplayServer() as server:
        fake = FakeShopify(server)
        _big_order(fake)
        sync(server, url, streams="orders", bulk=bulk)
        asked = [r.json() for r in server.requests if r.path == GRAPHQL]
    wh = connect(url)
    try:
        refunds = dict(wh.query("SELECT refund_id, amount FROM refunds "
                                "WHERE order_id = '5004'").rows)
        shipping = wh.query("SELECT shipping FROM orders WHERE order_id = '5004'").rows
    finally:
        wh.close()
    assert len(refunds) == 25
    assert refunds["9900"] == Decimal("114.00")
    assert {refunds[str(9901 + i)] for i in range(24)} == {Decimal("2.00")}
    assert shipping == [(Decimal("7.00"),)]
    parts = [(q["query"].split("(first: $first")[0].split()[-1], q["variables"]["after"])
             for q in asked if "RefundPart" in q["query"]]
    # Refund 9900's lines: 51-100 and 101-120; its adjustments 11-12; each refund's
    # refunded shipping lines 6-7 (refundShippingLines(first: 5)).
    lines_after = [after for name, after in parts if name == "refundLineItems"]
    assert lines_after == [_cursor(50), _cursor(100)]
    assert sum(name == "orderAdjustments" for name, _ in parts) == 1
    assert sum(name == "refundShippingLines" for name, _ in parts) == 25
    if bulk == "never":  # the bulk file lists every refund and shipping line itself
        assert sum("OrderRefunds" in q["query"] for q in asked) == 1
        assert sum("OrderShippingLines" in q["query"] for q in asked) == 1


def test_a_next_page_without_a_new_cursor_is_one_clear_error(tmp_path):
    from kpi_engine.errors import KpiError

    from .shopify_fake import Reply

    url = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    with ReplayServer() as server:
        fake = FakeShopify(server)
        _big_order(fake)
        answer = fake.graphql

        def stuck(request):  # a RefundPart answer that claims more but moves no further
            body = request.json()
            if "RefundPart" not in body["query"]:
                return answer(request)
            name = body["query"].split("(first: $first")[0].split()[-1]
            return Reply.json({"data": {"node": {name: {
                "pageInfo": {"hasNextPage": True, "endCursor": body["variables"]["after"]},
                "nodes": []}}}})

        server.add("POST", GRAPHQL, stuck)
        with pytest.raises(KpiError) as caught:
            sync(server, url, streams="orders", bulk="never")
    message = str(caught.value)
    assert "stream 'orders', page" in message and "\n" not in message
    assert "pageInfo.endCursor': expected a new cursor" in message
