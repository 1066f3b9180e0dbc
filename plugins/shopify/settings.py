"""Settings of the ``shopify`` connector."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from kpi_engine.http import HttpSettings

STREAMS = ("orders", "customers", "products", "inventory", "abandoned_checkouts")
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
# Never contacted: the orders CSV export needs no API address.
_NO_API = "https://no-api.invalid"


class ShopifySettings(HttpSettings):
    """A shop and an Admin API access token, or an orders CSV export."""

    shop: str | None = Field(
        None, description="The shop's myshopify.com name: 'your-store' (or "
                          "'your-store.myshopify.com'); gives base_url.")
    access_token: SecretStr | None = Field(
        None, description="Admin API access token of a custom app (read_orders, "
                          "read_customers, read_products, read_inventory); best set as "
                          "KPI_SHOPIFY_ACCESS_TOKEN.")
    base_url: str = Field(_NO_API, description="The shop's address, https://SHOP."
                          "myshopify.com by default; override for a proxy or tests.")
    source: str = Field("shopify", min_length=1, max_length=100,
                        description="The 'source' of every row (several shops can share a "
                                    "warehouse).")
    streams: list[Literal["orders", "customers", "products", "inventory",
                          "abandoned_checkouts"]] = Field(
        list(STREAMS), description="Which streams to read.")
    bulk: Literal["auto", "always", "never"] = Field(
        "auto", description="Read orders with a bulk operation: 'auto' on a first or full "
                            "sync, 'always', or 'never' (paged queries only).")
    orders_page_size: int = Field(10, ge=1, le=50,
                                  description="Orders per GraphQL page (each order costs "
                                              "about 70 points of the 1,000 a query may).")
    page_size: int = Field(100, ge=1, le=250, description="Records per page of the "
                                                          "other streams.")
    bulk_poll_seconds: float = Field(2.0, gt=0, le=60,
                                     description="Seconds between bulk operation polls.")
    bulk_timeout_seconds: float = Field(6 * 3600, gt=0,
                                        description="Give up on a bulk operation after this.")
    orders_export: Path | None = Field(
        None, description="An orders CSV export of the Shopify admin to load instead of "
                          "the API (no token needed).")

    @field_validator("streams", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        # `--set streams=orders,customers` on the command line.
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="before")
    @classmethod
    def _address(cls, values: Any) -> Any:
        if not isinstance(values, dict) or values.get("base_url"):
            return values
        shop = values.get("shop")
        if shop:
            name = str(shop).strip().lower().removeprefix("https://").rstrip("/")
            name = name.removesuffix(".myshopify.com")
            if not _SHOP.match(name):
                raise ValueError("shop: expected the shop's myshopify.com name, such as "
                                 "'your-store'")
            return {**values, "base_url": f"https://{name}.myshopify.com"}
        if not values.get("orders_export"):
            raise ValueError("set 'shop' (and the access token) or 'orders_export'")
        return values
