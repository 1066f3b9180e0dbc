"""Shopify's financial and fulfillment statuses -> the canonical order status.

Canonical statuses: pending, paid, fulfilled, cancelled, refunded. The KPIs count every
order that is neither cancelled nor a test order, so the one decision that moves numbers
is what counts as cancelled: a cancelled order (``cancelledAt`` set) and a voided one
(its authorization voided: no money was ever taken). The table is in
docs/connectors/shopify.md.
"""

from __future__ import annotations

# displayFinancialStatus (OrderDisplayFinancialStatus) -> canonical, before fulfillment.
FINANCIAL = {
    "PENDING": "pending",
    "AUTHORIZED": "pending",
    "PARTIALLY_PAID": "pending",
    "EXPIRED": "pending",  # the authorization lapsed; the merchant may still collect
    "PAID": "paid",
    "PARTIALLY_REFUNDED": "paid",  # the refund itself is in the refunds table
    "REFUNDED": "refunded",
    "VOIDED": "cancelled",
}
# Spellings of the orders CSV export ("Financial Status": paid, partially_refunded, ...).
FINANCIAL.update({k.lower(): v for k, v in list(FINANCIAL.items())})

FULFILLED = {"FULFILLED", "fulfilled"}


def canonical_status(financial: str | None, fulfillment: str | None,
                     cancelled_at: str | None) -> str | None:
    """The canonical status of one order; None when Shopify gives no financial status."""
    if cancelled_at:
        return "cancelled"
    status = FINANCIAL.get(financial or "")
    if status is None:
        return None if not financial else "pending"  # a status newer than this mapping
    if status in ("paid", "pending") and fulfillment in FULFILLED:
        return "fulfilled"
    return status
