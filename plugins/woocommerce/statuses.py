"""WooCommerce order statuses -> the canonical order status.

The canonical statuses are pending, paid, fulfilled, cancelled and refunded; the catalog
counts every order that is not cancelled (docs/connectors/woocommerce.md explains each
choice). Custom statuses (added by plugins: "shipped", "awaiting-pickup", ...) are mapped
with the ``status_map`` setting; one not listed there counts as ``paid``, since such
statuses are nearly always steps between payment and delivery.
"""

from __future__ import annotations

from typing import Literal

CanonicalStatus = Literal["pending", "paid", "fulfilled", "cancelled", "refunded"]

BUILT_IN: dict[str, CanonicalStatus] = {
    "pending": "pending",          # created, awaiting payment
    "on-hold": "pending",          # awaiting payment confirmation (bank transfer, cheque)
    "processing": "paid",          # paid, not yet completed (shipped)
    "completed": "fulfilled",      # fulfilled and complete
    "refunded": "refunded",        # refunded in full: counted, the refund subtracts later
    "cancelled": "cancelled",      # cancelled by the shop or the customer
    "failed": "cancelled",         # payment failed or was declined: no sale
    "trash": "cancelled",          # deleted by the shop (moved to the bin)
    "checkout-draft": "cancelled",  # block checkout's draft: a cart, not an order yet
}

UNLISTED_CUSTOM: CanonicalStatus = "paid"


def canonical_status(status: str, custom: dict[str, CanonicalStatus]) -> CanonicalStatus:
    """The canonical status of a WooCommerce status slug (with or without ``wc-``)."""
    slug = status.removeprefix("wc-")
    if slug in custom:
        return custom[slug]
    return BUILT_IN.get(slug, UNLISTED_CUSTOM)
