"""One Shopify ``Refund`` -> a canonical refunds row: what the sales reports call returns.

Shopify's sales reports count as returns the refunded line items (after their discounts)
and the refund's order adjustments (refund discrepancies: money refunded more or less
than the items' calculated value); refunded shipping is reported under shipping and
refunded tax under taxes. ``refunds.amount`` follows that, so net sales (gross sales -
discounts - refunds) match Shopify's net sales:

    amount = sum(refundLineItems.subtotalSet) - sum(orderAdjustments.amountSet)

An order adjustment is recorded as the calculated refund minus the amount actually
refunded (Shopify's refund resource shows an extra 8.00 of shipping refunded as an
adjustment of -8.00), hence the minus. Refunded shipping (``refundShippingLines``) and
all refunded tax are left out; the canonical schema has no column for them, and the
order's ``refunded`` column keeps everything that went back (``totalRefundedSet``).
Shop money throughout (docs/connectors/shopify.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .values import ShopifyDataError, field, gid_tail, nodes, shop_money, stamp

# The connections a refund must carry for its amount to be worked out.
DETAIL_FIELDS = ("refundLineItems", "orderAdjustments")


def refund_amount(refund: Any) -> Decimal:
    """Refunded line subtotals minus order adjustments, in shop money (see above)."""
    for name in DETAIL_FIELDS:
        if not isinstance(refund, dict) or name not in refund:
            raise ShopifyDataError(f"field 'refunds.{name}' is missing (needed for the "
                                   "refund's amount)")
    more = field(refund, "refundLineItems.pageInfo.hasNextPage", required=False)
    if more is True:  # never silently short: the amount would be too small
        raise ShopifyDataError(f"refund {field(refund, 'id')!r:.60} has more refunded lines "
                               "than one page holds (refundLineItems.pageInfo.hasNextPage)")
    lines = sum((shop_money(item, "subtotalSet")
                 for item in nodes(refund, "refundLineItems")), Decimal(0))
    adjustments = sum((shop_money(adj, "amountSet")
                       for adj in nodes(refund, "orderAdjustments")), Decimal(0))
    return lines - adjustments


def refund_row(refund: Any, order_id: str | None, source: str) -> dict[str, Any]:
    """One Refund -> a refunds row, dated when it was made (not the order's date)."""
    return {
        "refund_id": gid_tail(field(refund, "id"), "refunds.id"),
        "source": source,
        "order_id": order_id,
        "created_at": stamp(field(refund, "createdAt"), "refunds.createdAt"),
        "amount": refund_amount(refund),
    }
