"""The mapping of one Order node for the common case, without the per-field checks.

``mapping.order_rows`` runs ``fast_order_rows`` first and, on any exception, the checked
mapping (``mapping.checked_order_rows``) instead, which either names the bad field or,
where this path was merely stricter, returns the rows itself. So this path may refuse
anything unusual (a str subclass, an edges connection, a float amount), but whatever it
returns must equal what the checked mapping returns: tests/test_shopify_fast_mapping.py
compares the two on every fixture and on damaged copies of them.

Why: a bulk sync maps hundreds of thousands of orders, and the checked readers
(``values.field`` walking dotted paths, one call per field) cost about twice the rest of
the mapping. Here fields are plain dict lookups and amounts are parsed once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from . import mapping
from .status import canonical_status

_ZERO = Decimal(0)
_GID = "gid://shopify/"
_MAX_AMOUNT_CHARS = 40  # as values.amount
_MAX_STAMP_CHARS = 40  # as values.stamp
_from_iso = datetime.fromisoformat


class _Unusual(Exception):
    """A value the checked mapping must look at."""


def _amount(text: Any) -> Decimal:
    if type(text) is not str or len(text) > _MAX_AMOUNT_CHARS:
        raise _Unusual
    value = Decimal(text)  # InvalidOperation: the checked path reports it
    if not value.is_finite():
        raise _Unusual
    return value


def _money(node: dict, name: str) -> Decimal:
    return _amount(node[name]["shopMoney"]["amount"])


def _money_or_none(node: dict, name: str) -> Decimal | None:
    bag = node.get(name)
    return None if bag is None else _amount(bag["shopMoney"]["amount"])


def _gid(value: Any) -> str:
    if type(value) is not str or not value.startswith(_GID):
        raise _Unusual
    return value.rsplit("/", 1)[1].split("?", 1)[0]


def _stamp(value: Any) -> str:
    if type(value) is not str or len(value) > _MAX_STAMP_CHARS:
        raise _Unusual
    _from_iso(value.replace("Z", "+00:00"))  # ValueError: the checked path reports it
    return value


def _stamp_or_none(value: Any) -> str | None:
    return None if value is None else _stamp(value)


def _nodes(node: dict, name: str) -> list:
    value = node.get(name)
    if value is None:
        return []
    if type(value) is list:
        return value
    items = value["nodes"]  # an edges connection: the checked path reads it
    if type(items) is not list:
        raise _Unusual
    return items


def _quantity(item: dict) -> int:
    quantity = item["quantity"]
    if type(quantity) is not int:
        raise _Unusual
    return quantity


def _line(item: dict, order_id: str, source: str) -> tuple[dict[str, Any], Decimal]:
    """(the order_lines row, the line's gross sales) of one LineItem node."""
    variant = item.get("variant")
    product = item.get("product") or (variant.get("product") if variant else None)
    discount = _ZERO
    for allocation in _nodes(item, "discountAllocations"):
        discount = discount + _amount(allocation["allocatedAmountSet"]["shopMoney"]["amount"])
    cost = None
    if variant:
        inventory = variant.get("inventoryItem")
        if inventory is not None:
            unit_cost = inventory.get("unitCost")
            if unit_cost is not None:
                cost = unit_cost.get("amount")
    quantity = _quantity(item)
    unit_price = _money(item, "originalUnitPriceSet")
    total = item.get("originalTotalSet")
    gross = _amount(total["shopMoney"]["amount"]) if total is not None \
        else unit_price * quantity
    row = {
        "order_id": order_id,
        "line_id": _gid(item["id"]),
        "source": source,
        "product_id": _gid(product["id"]) if product else None,
        "variant_id": _gid(variant["id"]) if variant else None,
        "sku": item.get("sku"),
        "quantity": quantity,
        "unit_price": unit_price,
        "discount": discount,
        "unit_cost": _amount(cost) if cost is not None else None,
    }
    return row, gross


def fast_order_rows(order: dict, source: str) -> tuple[dict, list[dict], list[dict], list[dict]]:
    """As ``mapping.checked_order_rows``, for a node of the documented shape; raises on
    anything else (see the module docstring)."""
    order_id = _gid(order["id"])
    test = bool(order.get("test"))
    lines = []
    subtotal = discounts = _ZERO
    for item in _nodes(order, "lineItems"):
        row, gross = _line(item, order_id, source)
        lines.append(row)
        subtotal = subtotal + gross
    for row in lines:  # summed in the checked mapping's order: equal Decimals
        discounts = discounts + row["discount"]
    shipping = _ZERO
    for line in _nodes(order, "shippingLines"):
        shipping = shipping + _money(line, "discountedPriceSet")
    created = _stamp_or_none(order.get("processedAt"))
    if not created:
        created = order["createdAt"]
        if created is None:
            raise _Unusual
        created = _stamp(created)
    customer = order.get("customer")
    journey = order.get("customerJourneySummary")
    visit = None
    if journey is not None:
        if type(journey) is not dict:
            raise _Unusual
        visit = journey.get("firstVisit")
    visit = visit or {}
    utm = visit.get("utmParameters") or {}
    if type(visit) is not dict or type(utm) is not dict:
        raise _Unusual
    channel_name = order.get("sourceName")
    currency = order["currencyCode"]
    if currency is None:
        raise _Unusual
    updated = order["updatedAt"]
    if updated is None:
        raise _Unusual
    row = {
        "order_id": order_id,
        "source": source,
        "channel": mapping.CHANNELS.get(channel_name, channel_name),
        "customer_id": None if test or not customer else _gid(customer["id"]),
        "created_at": created,
        "currency": currency,
        "presentment_currency": order.get("presentmentCurrencyCode"),
        "subtotal": subtotal,
        "discounts": discounts,
        "shipping": shipping,
        "tax": _money_or_none(order, "totalTaxSet"),
        "total": _money(order, "totalPriceSet"),
        "refunded": _money_or_none(order, "totalRefundedSet"),
        "status": canonical_status(order.get("displayFinancialStatus"),
                                   order.get("displayFulfillmentStatus"),
                                   _stamp_or_none(order.get("cancelledAt"))),
        "is_test": test,
        "utm_source": utm.get("source"),
        "utm_medium": utm.get("medium"),
        "utm_campaign": utm.get("campaign"),
        "landing_page": mapping.landing_path(visit.get("landingPage")),
        "updated_at": _stamp(updated),
    }
    refunds = [mapping.refund_row(r, order_id, source) for r in _nodes(order, "refunds")]
    checkouts = []
    if row["channel"] == "website" and not test:
        checkouts.append({"checkout_id": f"order-{order_id}", "source": source,
                          "created_at": created, "completed_at": created,
                          "customer_id": row["customer_id"], "value": subtotal - discounts,
                          "order_id": order_id})
    return row, lines, refunds, checkouts
