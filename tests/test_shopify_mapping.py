"""The Shopify connector's pure parts: GraphQL nodes -> canonical rows, statuses, the
bulk JSONL parent rebuild and the orders CSV export (the throttle arithmetic is the
engine's, kpi_engine.http.graphql, tested with it)."""

from __future__ import annotations

import copy
import json
import tracemalloc
from decimal import Decimal

import pytest
from kpi_engine_plugins.shopify import mapping
from kpi_engine_plugins.shopify.bulk_jsonl import read_groups
from kpi_engine_plugins.shopify.bulk_refunds import fill_refunds
from kpi_engine_plugins.shopify.csv_export import read_orders_export, strip_private
from kpi_engine_plugins.shopify.status import canonical_status
from kpi_engine_plugins.shopify.values import ShopifyDataError

from kpi_engine.errors import SyncError

from .shopify_fake import FIXTURES, load_fixtures

D = Decimal


@pytest.fixture(scope="module")
def shop():
    return load_fixtures()


def _order(shop, gid_tail):
    return next(o for o in shop["orders"] if o["id"].endswith(f"/{gid_tail}"))


def test_order_with_discounts_shipping_tax_and_a_later_refund(shop):
    order, lines, refunds, checkouts = mapping.order_rows(_order(shop, 5001), "shopify")
    # Gross sales = price x quantity before discounts: 2 x 40 + 1 x 25.
    assert order["subtotal"] == D("105.00")
    assert order["discounts"] == D("10.50")  # the lines' allocations: 8.00 + 2.50
    assert (order["shipping"], order["tax"], order["total"]) == (D("5.00"), D("7.80"),
                                                                 D("107.30"))
    assert order["subtotal"] - order["discounts"] + order["shipping"] + order["tax"] \
        == order["total"]
    assert order["status"] == "fulfilled" and order["is_test"] is False
    assert (order["order_id"], order["customer_id"], order["channel"]) == ("5001", "7001",
                                                                          "website")
    assert (order["utm_source"], order["utm_medium"], order["utm_campaign"],
            order["landing_page"]) == ("google", "cpc", "spring_shirts",
                                       "/products/linen-shirt")
    assert [(x["line_id"], x["quantity"], x["unit_price"], x["discount"], x["unit_cost"],
             x["product_id"], x["variant_id"]) for x in lines] == [
        ("6001", 2, D("40.00"), D("8.00"), D("15.00"), "8001", "9001"),
        ("6002", 1, D("25.00"), D("2.50"), D("8.00"), "8002", "9003")]
    # Dated when it was made (February), not when the order was placed (January). The
    # amount is what Shopify reports as returns: the tote's subtotal after its discount
    # (22.50) less the 2.00 refund discrepancy; the refunded shipping (5.00) and tax
    # (1.86) are not returns, but the order's `refunded` keeps all that went back.
    assert refunds == [{"refund_id": "9501", "source": "shopify", "order_id": "5001",
                        "created_at": "2025-02-03T16:20:00Z", "amount": D("20.50")}]
    assert order["refunded"] == D("27.36") == D("22.50") + D("1.86") + D("5.00") - D("2.00")
    assert checkouts[0]["completed_at"] == order["created_at"]


def test_shop_money_goes_into_the_columns_and_the_presentment_currency_is_kept(shop):
    node = _order(shop, 5002)
    assert node["totalPriceSet"]["presentmentMoney"] == {"amount": "37.00",
                                                         "currencyCode": "EUR"}
    order, lines, _, _ = mapping.order_rows(node, "shopify")
    assert (order["currency"], order["presentment_currency"]) == ("USD", "EUR")
    assert (order["total"], order["subtotal"], lines[0]["unit_price"]) == (
        D("40.00"), D("40.00"), D("40.00"))
    assert order["status"] == "paid"


def test_test_and_cancelled_orders(shop):
    test_order, _, _, checkouts = mapping.order_rows(_order(shop, 5003), "shopify")
    assert test_order["is_test"] is True and test_order["customer_id"] is None
    assert checkouts == []  # a test checkout is no cart a shopper abandoned or completed
    cancelled, _, refunds, _ = mapping.order_rows(_order(shop, 5005), "shopify")
    assert cancelled["status"] == "cancelled" and refunds[0]["amount"] == D("25.00")


@pytest.mark.parametrize("financial, fulfillment, cancelled, expected", [
    ("PAID", "UNFULFILLED", None, "paid"),
    ("PAID", "FULFILLED", None, "fulfilled"),
    ("PARTIALLY_REFUNDED", "FULFILLED", None, "fulfilled"),
    ("PARTIALLY_REFUNDED", "PARTIALLY_FULFILLED", None, "paid"),
    ("REFUNDED", "FULFILLED", None, "refunded"),
    ("VOIDED", "UNFULFILLED", None, "cancelled"),
    ("PAID", "FULFILLED", "2025-01-02T00:00:00Z", "cancelled"),
    ("PENDING", "UNFULFILLED", None, "pending"),
    ("AUTHORIZED", "UNFULFILLED", None, "pending"),
    ("EXPIRED", "UNFULFILLED", None, "pending"),
    ("partially_refunded", "fulfilled", None, "fulfilled"),  # the CSV export's spelling
    ("SOMETHING_NEW", None, None, "pending"),
    (None, None, None, None),
])
def test_status_mapping(financial, fulfillment, cancelled, expected):
    assert canonical_status(financial, fulfillment, cancelled) == expected


def test_other_nodes(shop):
    assert mapping.customer_row(shop["customers"][0], "s") == {
        "customer_id": "7001", "source": "s", "created_at": "2025-01-05T08:00:00Z",
        "country": "US", "segment": None}
    assert mapping.customer_row(shop["customers"][2], "s")["country"] is None
    rows = mapping.product_rows(shop["products"][0], "s")
    assert [(r["variant_id"], r["title"], r["price"], r["unit_cost"]) for r in rows] == [
        ("9001", "Linen shirt - S", D("40.00"), D("15.00")),
        ("9002", "Linen shirt - M", D("40.00"), D("15.00"))]
    assert mapping.product_rows(shop["products"][1], "s")[0]["title"] == "Canvas tote"
    snapshots, products = mapping.inventory_rows(shop["inventoryItems"][0], "s")
    assert [(r["location_id"], r["on_hand"], r["snapshot_at"]) for r in snapshots] == [
        ("61", 17, "2025-02-05T14:00:00Z"), ("62", 4, "2025-01-10T09:00:00Z")]
    assert products[0]["unit_cost"] == D("15.00") and products[0]["category"] == "Apparel"
    row = mapping.checkout_row(shop["abandonedCheckouts"][0], "s")
    assert (row["checkout_id"], row["completed_at"], row["value"]) == ("3001", None,
                                                                       D("40.00"))


@pytest.mark.parametrize("damage, message", [
    (lambda o: o.pop("totalPriceSet"), "field 'totalPriceSet' is missing"),
    (lambda o: o["totalPriceSet"]["shopMoney"].update(amount="12,50"),
     "field 'totalPriceSet.shopMoney.amount': cannot read '12,50' as an amount"),
    (lambda o: o["lineItems"]["nodes"][0].update(quantity="2"),
     "field 'quantity': expected an integer"),
    (lambda o: o.update(id=5001), "field 'id': expected a Shopify global id"),
    (lambda o: o.update(updatedAt="yesterday"), "field 'updatedAt': cannot read"),
    (lambda o: o.update(lineItems="none"), "field 'lineItems': expected a list or a "
                                           "connection"),
    (lambda o: o["refunds"][0]["refundLineItems"]["pageInfo"].update(hasNextPage=True),
     "refund 'gid://shopify/Refund/9501' has more refunded lines than one page holds"),
    (lambda o: o["refunds"][0].pop("orderAdjustments"),
     "field 'refunds.orderAdjustments' is missing"),
    (lambda o: o["refunds"][0]["orderAdjustments"]["nodes"][0]["amountSet"]["shopMoney"]
     .update(amount="two"), "field 'amountSet.shopMoney.amount': cannot read 'two'"),
])
def test_malformed_nodes_are_one_clear_error(shop, damage, message):
    node = copy.deepcopy(_order(shop, 5001))
    damage(node)
    with pytest.raises(ShopifyDataError, match="^" + message.replace("(", r"\(")
                       .replace(")", r"\)")):
        mapping.order_rows(node, "shopify")


# -- bulk JSONL -----------------------------------------------------------------------------
def _bulk_file(tmp_path, shop, late: bool):
    from .shopify_fake import FakeShopify

    class _NoServer:
        def add(self, *a, **k):
            pass

    fake = FakeShopify(_NoServer(), shop, late_children=late)
    path = tmp_path / "bulk.jsonl"
    path.write_text("\n".join(fake.bulk_lines()) + "\n")
    return path


def _rows(groups):
    """Rows of bulk-rebuilt orders, their refunds' parts filled in from the fixtures as
    the ``nodes(ids:)`` answer would give them (bulk_refunds.py)."""
    groups = list(groups)
    by_id = {r["id"]: r for o in load_fixtures()["orders"] for r in o.get("refunds", [])}
    fill_refunds(groups, lambda ids, page: [by_id.get(i) for i in ids])
    return [mapping.order_rows(g, "s") for g in groups]


def test_a_bulk_refund_without_its_parts_is_one_clear_error(tmp_path, shop):
    """The bulk file has no refund parts (no connection inside a list): mapped without
    them, the order names the missing field rather than counting the refund as 0."""
    [group] = [g for g in read_groups(_bulk_file(tmp_path, shop, False))
               if g["id"].endswith("/5001")]
    assert "refundLineItems" not in group["refunds"][0]
    with pytest.raises(ShopifyDataError, match="field 'refunds.refundLineItems' is missing"):
        mapping.order_rows(group, "s")


@pytest.mark.parametrize("late", [False, True])
@pytest.mark.parametrize("parser", ["default", "stdlib"])
def test_bulk_rebuild_gives_the_paged_rows(tmp_path, shop, late, parser, monkeypatch):
    from kpi_engine_plugins.shopify import bulk_jsonl

    if parser == "stdlib":  # without orjson installed
        monkeypatch.setattr(bulk_jsonl, "_parse", bulk_jsonl._stdlib_parse)
    path = _bulk_file(tmp_path, shop, late)
    paged = [mapping.order_rows(o, "s") for o in shop["orders"]]
    assert _rows(read_groups(path, window=2)) == paged


def test_bulk_children_beyond_the_window_are_grouped_on_disk(tmp_path, shop):
    """With a window of one open parent, late children cannot join in memory: the file is
    grouped again on disk and every order comes out whole."""
    path = _bulk_file(tmp_path, shop, late=True)
    groups = list(read_groups(path, window=1))
    paged = [mapping.order_rows(o, "s") for o in shop["orders"]]
    # The orders yielded before the late child are yielded again, complete.
    assert _rows(groups[-len(paged):]) == paged


def test_bulk_orphans_and_bad_lines(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_text('{"id": "gid://shopify/Order/1"}\n'
                    '{"id": "gid://shopify/LineItem/2", "__parentId": "gid://shopify/Order/9"}\n')
    with pytest.raises(SyncError, match=r"b.jsonl:2: __parentId 'gid://shopify/Order/9' "
                                        "names no node of the file"):
        list(read_groups(path))
    path.write_text('{"id": "gid://shopify/Order/1"}\n{"id": "gid://sho\n')
    with pytest.raises(SyncError, match=r"b.jsonl:2: not valid JSON"):
        list(read_groups(path))


def test_bulk_rebuild_memory_does_not_grow_with_the_file(tmp_path):
    """Parents leave the window as newer ones arrive: 4x the orders, about the same peak."""
    line = json.dumps({"id": "gid://shopify/LineItem/{}", "quantity": 1, "sku": "x" * 200,
                       "__parentId": "gid://shopify/Order/{}"})

    def peak(orders: int) -> int:
        path = tmp_path / f"{orders}.jsonl"
        with path.open("w") as fh:
            for i in range(orders):
                fh.write(json.dumps({"id": f"gid://shopify/Order/{i}", "note": "y" * 300})
                         + "\n")
                for j in range(3):
                    fh.write(line.replace("{}", str(i * 3 + j), 1).replace("{}", str(i))
                             + "\n")
        tracemalloc.start()
        count = sum(1 for _ in read_groups(path, window=50))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == orders
        return top

    small, large = peak(500), peak(2_000)
    assert large < small * 1.5, (small, large)


# -- the orders CSV export ------------------------------------------------------------------
@pytest.mark.parametrize("spelling", ["Cancelled at", "Canceled at"])
def test_orders_export(tmp_path, spelling):
    text = (FIXTURES / "orders_export.csv").read_text().replace("Cancelled at", spelling)
    path = tmp_path / "orders_export.csv"
    path.write_text(text)
    [(orders, lines, order_origins, line_origins)] = list(
        read_orders_export(path, "shop_csv"))
    orders = strip_private(orders)
    assert [o["order_id"] for o in orders] == ["5001", "5002", "5004", "5005", "5006"]
    first = orders[0]
    # Both lines count, though the order's columns are on its first row only.
    assert first["subtotal"] == D("105.00") and first["discounts"] == D("10.50")
    assert first["created_at"] == "2025-01-15T05:00:00-05:00"
    assert first["status"] == "fulfilled" and first["refunded"] == D("27.36")
    assert orders[3]["status"] == "cancelled"
    assert (orders[4]["channel"], orders[4]["customer_id"]) == ("website", None)  # a guest
    assert orders[2]["customer_id"] == first["customer_id"]  # the same e-mail
    assert len(first["customer_id"]) == 16 and "@" not in first["customer_id"]
    assert [(x["line_id"], x["quantity"], x["unit_price"], x["discount"]) for x in lines] == [
        ("5001-1", 2, D("40.00"), D("8.00")), ("5001-2", 1, D("25.00"), D("2.50")),
        ("5002-1", 1, D("40.00"), D("0.00")), ("5004-1", 1, D("40.00"), D("0.00")),
        ("5004-2", 1, D("25.00"), D("0.00")), ("5005-1", 1, D("25.00"), D("0.00")),
        ("5006-1", 2, D("25.00"), D("5.00"))]
    assert order_origins[1].endswith(":4") and line_origins[1].endswith(":3")


def test_orders_export_errors(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Name,Total\n#1,2\n")
    with pytest.raises(SyncError, match="not a Shopify orders export: no column 'Created at'"):
        list(read_orders_export(path, "s"))
    text = (FIXTURES / "orders_export.csv").read_text().replace(",2,Linen shirt - S,",
                                                                ",two,Linen shirt - S,")
    path.write_text(text)
    with pytest.raises(SyncError, match=r"x.csv:2: column 'Lineitem quantity': cannot read "
                                        "'two' as an integer"):
        list(read_orders_export(path, "s"))
