"""WooCommerce REST API v3 records -> canonical rows (pure functions, no I/O).

Money arrives as decimal strings ("29.35") and stays ``Decimal``. Timestamps are read from
the ``*_gmt`` fields (UTC without an offset), never from the store-local ones.
docs/connectors/woocommerce.md gives the reasoning behind each column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from kpi_engine.sync.json_fields import FieldError, Record

from .statuses import CanonicalStatus, canonical_status

UNIT = Decimal("0.0001")  # canonical decimals keep 4 places

# WooCommerce's own order attribution (8.5+) stores the visit's UTM tags in order meta.
ATTRIBUTION = {
    "utm_source": "_wc_order_attribution_utm_source",
    "utm_medium": "_wc_order_attribution_utm_medium",
    "utm_campaign": "_wc_order_attribution_utm_campaign",
}
ENTRY_PAGE = "_wc_order_attribution_session_entry"

# created_via -> canonical channel; other values (a plugin's name) are kept as they are.
CHANNELS = {"checkout": "website", "store-api": "website", "rest-api": "api",
            "admin": "admin"}


@dataclass(frozen=True)
class Options:
    """What the mapping needs from the settings."""

    source: str = "woocommerce"
    status_map: dict[str, CanonicalStatus] = field(default_factory=dict)
    item_cost_keys: tuple[str, ...] = ("_wc_cog_item_cost", "_alg_wc_cog_item_cost")
    product_cost_keys: tuple[str, ...] = ("_wc_cog_cost", "_alg_wc_cog_cost")


def meta(record: Record) -> dict[str, Any]:
    """A record's ``meta_data`` list as key -> value (the last one wins)."""
    out: dict[str, Any] = {}
    for item in record.children("meta_data", required=False):
        key = item.text("key")
        if key is not None:
            out[key] = item.data.get("value")
    return out


def _first_amount(record: Record, values: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        amount = record.to_decimal(f"meta_data[{key}]", values.get(key))
        if amount is not None:
            return amount
    return None


def _per_unit(total: Decimal, quantity: int) -> Decimal | None:
    return (total / quantity).quantize(UNIT) if quantity else None


def order_rows(order: Record, options: Options) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One order and its lines."""
    order_id = order.ident("id")
    if order_id is None:
        raise FieldError(f"{order.where}: field 'id' is empty")
    lines = [line_row(item, order_id, options) for item in order.children("line_items")]
    # The items before discounts: the lines' own subtotals, exact (unit_price is rounded).
    item_subtotal = sum((item.money("subtotal") or Decimal(0)
                         for item in order.children("line_items")), Decimal(0))
    # Fees are charges beside the items (gift wrap, payment surcharge); negative fees are
    # how many shops give a discount. Positive ones join the subtotal, negative ones the
    # discounts, so that subtotal - discounts + shipping + tax is the order's total.
    fees = [fee.money("total") or Decimal(0) for fee in order.children("fee_lines",
                                                                        required=False)]
    charges = sum((f for f in fees if f > 0), Decimal(0))
    fee_discounts = sum((-f for f in fees if f < 0), Decimal(0))
    refunds = [r.money("total") or Decimal(0) for r in order.children("refunds",
                                                                       required=False)]
    values = meta(order)
    status = order.text("status")
    if status is None:
        raise FieldError(f"{order.where}: field 'status' is empty")
    row = {
        "order_id": order_id,
        "source": options.source,
        "channel": _channel(order.text("created_via", required=False)),
        "customer_id": order.ident("customer_id", required=False),
        "created_at": order.text("date_created_gmt"),
        "currency": order.text("currency"),
        "subtotal": item_subtotal + charges,
        "discounts": (order.money("discount_total") or Decimal(0)) + fee_discounts,
        "shipping": order.money("shipping_total"),
        "tax": order.money("total_tax"),
        "total": order.money("total"),
        # Newer WooCommerce versions send an empty list even for refunded orders: the
        # refunds table (from /refunds) is the record of refunds; this is a convenience.
        "refunded": -sum(refunds, Decimal(0)) if refunds else None,
        "status": canonical_status(status, options.status_map),
        "is_test": False,  # WooCommerce has no test orders (sandbox gateways aside)
        "landing_page": _path(values.get(ENTRY_PAGE)),
        "updated_at": order.text("date_modified_gmt"),
    }
    for column, key in ATTRIBUTION.items():
        value = values.get(key)
        row[column] = value if isinstance(value, str) and value else None
    return row, lines


def line_row(item: Record, order_id: str, options: Options) -> dict[str, Any]:
    quantity = item.integer("quantity")
    subtotal = item.money("subtotal") or Decimal(0)  # before discounts, without tax
    total = item.money("total") or Decimal(0)  # after discounts, without tax
    product_id = item.ident("product_id", required=False)
    variation_id = item.ident("variation_id", required=False)
    return {
        "order_id": order_id,
        "line_id": item.ident("id"),
        "source": options.source,
        "product_id": product_id,
        # A simple product is its own single variant (products rows do the same).
        "variant_id": variation_id or product_id,
        "sku": item.text("sku", required=False),
        "quantity": quantity,
        "unit_price": _per_unit(subtotal, quantity or 0),
        "discount": subtotal - total,
        "unit_cost": _first_amount(item, meta(item), options.item_cost_keys),
    }


def refund_row(refund: Record, options: Options) -> dict[str, Any]:
    """A refund from ``/refunds`` (with ``parent_id``) or ``/orders/<id>/refunds``."""
    amount = refund.money("amount")
    return {
        "refund_id": refund.ident("id"),
        "source": options.source,
        "order_id": refund.ident("parent_id", required=False),
        "created_at": refund.text("date_created_gmt"),
        "amount": abs(amount) if amount is not None else None,
    }


def customer_row(customer: Record, options: Options) -> dict[str, Any]:
    billing = customer.child("billing", required=False)
    return {
        "customer_id": customer.ident("id"),
        "source": options.source,
        "created_at": customer.text("date_created_gmt"),
        "country": billing.text("country", required=False) if billing else None,
        "segment": None,  # WooCommerce does not say; a team's own rule can fill it
    }


def product_row(product: Record, options: Options,
                variation: Record | None = None) -> dict[str, Any]:
    """A simple product (its own variant) or one variation of a variable product."""
    categories = list(product.children("categories", required=False))
    variant = variation or product
    title = product.text("name", required=False)
    if variation is not None:
        options_text = ", ".join(
            a.text("option", required=False) or ""
            for a in variation.children("attributes", required=False))
        title = f"{title} - {options_text}" if title and options_text else title
    return {
        "product_id": product.ident("id"),
        "variant_id": variant.ident("id"),
        "source": options.source,
        "sku": variant.text("sku", required=False),
        "title": title,
        "category": categories[0].text("name", required=False) if categories else None,
        "price": variant.money("price", required=False),
        "unit_cost": _first_amount(variant, meta(variant), options.product_cost_keys),
    }


def _channel(created_via: str | None) -> str | None:
    if created_via is None:
        return None
    return CHANNELS.get(created_via, created_via)


def _path(url: Any) -> str | None:
    """The path of a landing page URL ('/blog/post'), or None."""
    if not isinstance(url, str) or not url:
        return None
    return urlsplit(url).path or "/"
