"""Settings of the ``woocommerce`` connector."""

from __future__ import annotations

from pydantic import Field, SecretStr

from kpi_engine.http import HttpSettings

from .statuses import CanonicalStatus


class WooCommerceSettings(HttpSettings):
    """A WooCommerce store read through its REST API v3 (WooCommerce → Settings →
    Advanced → REST API gives a read-only consumer key and secret)."""

    base_url: str = Field(description="The store's address, e.g. https://shop.example.com "
                                      "(the API is under /wp-json/wc/v3).")
    consumer_key: SecretStr = Field(description="REST API consumer key (ck_...).")
    consumer_secret: SecretStr = Field(description="REST API consumer secret (cs_...).")
    source: str = Field("woocommerce", min_length=1, max_length=100,
                        description="The `source` value of every row (one per store).")
    per_page: int = Field(100, ge=1, le=100, description="Records per request (at most 100).")
    status_map: dict[str, CanonicalStatus] = Field(
        default_factory=dict,
        description="Custom order status slug -> pending, paid, fulfilled, cancelled or "
                    "refunded; also overrides a built-in status (unlisted custom ones: paid).")
    item_cost_meta_keys: list[str] = Field(
        default_factory=lambda: ["_wc_cog_item_cost", "_alg_wc_cog_item_cost"],
        description="Order item meta keys holding the unit cost when sold, first found wins.")
    product_cost_meta_keys: list[str] = Field(
        default_factory=lambda: ["_wc_cog_cost", "_alg_wc_cog_cost"],
        description="Product/variation meta keys holding the current unit cost.")
