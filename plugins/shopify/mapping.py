"""Shopify GraphQL nodes -> canonical rows, as pure functions.

Each function takes one node as the GraphQL Admin API returns it (API version in
``queries.API_VERSION``; connections as ``{"nodes": [...]}``, which the bulk JSONL
rebuild produces too) and returns canonical row dicts. Money is the shop currency's
(``shopMoney``); the buyer's presentment currency is kept in ``presentment_currency``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from . import fast_mapping  # a module (not a name): the two import each other
from .refund_mapping import refund_row  # fast_mapping uses it from here too
from .status import canonical_status
from .values import ShopifyDataError, amount, field, gid_tail, nodes, shop_money, stamp

Row = dict[str, Any]

# Shopify's sourceName -> canonical channel (others are kept as Shopify writes them).
CHANNELS = {"web": "website", "pos": "pos", "shopify_draft_order": "draft_order",
            "iphone": "mobile_app", "android": "mobile_app"}


def order_rows(order: Any, source: str) -> tuple[Row, list[Row], list[Row], list[Row]]:
    """(orders row, order_lines rows, refunds rows, checkouts rows) of one Order node.

    The common shape goes through fast_mapping (plain lookups); anything it refuses is
    mapped again by ``checked_order_rows``, which names a bad field in its error."""
    try:
        return fast_mapping.fast_order_rows(order, source)
    except Exception:  # noqa: BLE001 - the checked mapping decides what is wrong
        return checked_order_rows(order, source)


def checked_order_rows(order: Any, source: str) -> tuple[Row, list[Row], list[Row], list[Row]]:
    """``order_rows`` with every field read through the checked readers of values.py."""
    order_id = gid_tail(field(order, "id"))
    test = bool(field(order, "test", required=False))
    lines = [line_row(item, order_id, source) for item in nodes(order, "lineItems")]
    # Gross sales as Shopify's sales reports define them: price x quantity before
    # discounts; discounts are the lines' allocations (order-level discounts included).
    subtotal = sum((_line_gross(item) for item in nodes(order, "lineItems")), Decimal(0))
    discounts = sum((line["discount"] for line in lines), Decimal(0))
    shipping = sum((shop_money(s, "discountedPriceSet") for s in nodes(order, "shippingLines")),
                   Decimal(0))
    created = stamp(field(order, "processedAt", required=False), "processedAt") \
        or stamp(field(order, "createdAt"), "createdAt")
    customer = field(order, "customer", required=False)
    visit = field(order, "customerJourneySummary.firstVisit", required=False) or {}
    utm = visit.get("utmParameters") or {}
    channel_name = field(order, "sourceName", required=False)
    row = {
        "order_id": order_id,
        "source": source,
        "channel": CHANNELS.get(channel_name, channel_name),
        "customer_id": None if test or not customer else gid_tail(field(customer, "id"),
                                                                    "customer.id"),
        "created_at": created,
        "currency": field(order, "currencyCode"),
        "presentment_currency": field(order, "presentmentCurrencyCode", required=False),
        "subtotal": subtotal,
        "discounts": discounts,
        "shipping": shipping,
        "tax": shop_money(order, "totalTaxSet", required=False),
        "total": shop_money(order, "totalPriceSet"),
        "refunded": shop_money(order, "totalRefundedSet", required=False),
        "status": canonical_status(field(order, "displayFinancialStatus", required=False),
                                   field(order, "displayFulfillmentStatus", required=False),
                                   stamp(field(order, "cancelledAt", required=False),
                                         "cancelledAt")),
        "is_test": test,
        "utm_source": utm.get("source"),
        "utm_medium": utm.get("medium"),
        "utm_campaign": utm.get("campaign"),
        "landing_page": landing_path(visit.get("landingPage")),
        "updated_at": stamp(field(order, "updatedAt"), "updatedAt"),
    }
    refunds = [refund_row(r, order_id, source) for r in nodes(order, "refunds")]
    checkouts = []
    if row["channel"] == "website" and not test:
        # Every online-store order went through a checkout that was completed; with the
        # abandoned checkouts this gives carts created vs completed (cart abandonment).
        checkouts.append({"checkout_id": f"order-{order_id}", "source": source,
                          "created_at": created, "completed_at": created,
                          "customer_id": row["customer_id"], "value": subtotal - discounts,
                          "order_id": order_id})
    return row, lines, refunds, checkouts


def _line_gross(item: Any) -> Decimal:
    total = shop_money(item, "originalTotalSet", required=False)
    if total is not None:
        return total
    unit = shop_money(item, "originalUnitPriceSet")
    return unit * _quantity(item)


def _quantity(item: Any) -> int:
    quantity = field(item, "quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ShopifyDataError(f"field 'quantity': expected an integer, got {quantity!r:.40}")
    return quantity


def line_row(item: Any, order_id: str | None, source: str) -> Row:
    """One LineItem node -> an order_lines row."""
    variant = field(item, "variant", required=False)
    product = field(item, "product", required=False) or (
        field(variant, "product", required=False) if variant else None)
    discount = sum((amount(field(a, "allocatedAmountSet.shopMoney.amount"),
                           "discountAllocations.allocatedAmountSet.shopMoney.amount")
                    for a in nodes(item, "discountAllocations")), Decimal(0))
    cost = field(variant, "inventoryItem.unitCost.amount", required=False) if variant else None
    return {
        "order_id": order_id,
        "line_id": gid_tail(field(item, "id"), "lineItems.id"),
        "source": source,
        "product_id": gid_tail(field(product, "id"), "product.id") if product else None,
        "variant_id": gid_tail(field(variant, "id"), "variant.id") if variant else None,
        "sku": field(item, "sku", required=False),
        "quantity": _quantity(item),
        "unit_price": shop_money(item, "originalUnitPriceSet"),
        "discount": discount,
        # The variant's cost when the order is synced (Shopify keeps no cost per line).
        "unit_cost": amount(cost, "variant.inventoryItem.unitCost.amount")
        if cost is not None else None,
    }


def customer_row(customer: Any, source: str) -> Row:
    return {
        "customer_id": gid_tail(field(customer, "id")),
        "source": source,
        "created_at": stamp(field(customer, "createdAt"), "createdAt"),
        "country": field(customer, "defaultAddress.countryCodeV2", required=False),
        "segment": None,
    }


def product_rows(product: Any, source: str) -> list[Row]:
    """One Product with its variants -> one products row per variant."""
    return [variant_row(v, product, source) for v in nodes(product, "variants")]


def variant_row(variant: Any, product: Any, source: str) -> Row:
    title = field(product, "title", required=False)
    variant_title = field(variant, "title", required=False)
    if variant_title and variant_title != "Default Title":
        title = f"{title} - {variant_title}" if title else variant_title
    cost = field(variant, "inventoryItem.unitCost.amount", required=False)
    return {
        "product_id": gid_tail(field(product, "id"), "product.id"),
        "variant_id": gid_tail(field(variant, "id"), "variants.id"),
        "source": source,
        "sku": field(variant, "sku", required=False),
        "title": title,
        "category": field(product, "productType", required=False) or None,
        "price": amount(field(variant, "price"), "variants.price"),
        "unit_cost": amount(cost, "inventoryItem.unitCost.amount") if cost is not None
        else None,
    }


def inventory_rows(item: Any, source: str) -> tuple[list[Row], list[Row]]:
    """One InventoryItem with its levels -> (inventory_snapshots rows, products rows).

    A level's ``updatedAt`` is its snapshot time, so syncing an unchanged level again
    writes the same row, and a change adds the new count at the moment it happened.
    The variant's row is returned too: a cost change touches the inventory item, not
    the product, and would otherwise wait for a full refresh.
    """
    variant = field(item, "variant", required=False)
    if not variant:
        return [], []
    product = field(variant, "product")
    variant_id = gid_tail(field(variant, "id"), "variant.id")
    product_id = gid_tail(field(product, "id"), "variant.product.id")
    snapshots = []
    for level in nodes(item, "inventoryLevels"):
        on_hand = next((q.get("quantity") for q in nodes(level, "quantities")
                        if isinstance(q, dict) and q.get("name") == "on_hand"), None)
        snapshots.append({
            "snapshot_at": stamp(field(level, "updatedAt"), "inventoryLevels.updatedAt"),
            "source": source,
            "product_id": product_id,
            "variant_id": variant_id,
            "location_id": gid_tail(field(level, "location.id"), "location.id"),
            "on_hand": on_hand,
        })
    with_cost = {**variant, "inventoryItem": {"unitCost": field(item, "unitCost",
                                                                required=False)}}
    return snapshots, [variant_row(with_cost, product, source)]


def checkout_row(checkout: Any, source: str) -> Row:
    """One AbandonedCheckout -> a checkouts row (value: its items before discounts)."""
    customer = field(checkout, "customer", required=False)
    return {
        "checkout_id": gid_tail(field(checkout, "id")),
        "source": source,
        "created_at": stamp(field(checkout, "createdAt"), "createdAt"),
        "completed_at": stamp(field(checkout, "completedAt", required=False), "completedAt"),
        "customer_id": gid_tail(field(customer, "id"), "customer.id") if customer else None,
        "value": shop_money(checkout, "totalLineItemsPriceSet", required=False),
        "order_id": None,
    }


def landing_path(url: Any) -> str | None:
    """The path of a landing page URL, without its host and query."""
    if not isinstance(url, str) or not url:
        return None
    return urlsplit(url).path or "/"
