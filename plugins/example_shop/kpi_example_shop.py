"""kpi-engine connector for the Example Shop REST API (docs/writing-a-connector.md).

The API: ``GET /v1/orders`` and ``GET /v1/customers`` with ``Authorization: Bearer
<token>``; ``limit`` records per page; the body's ``next_cursor`` (null on the last page)
is sent back as ``cursor``. Orders come oldest-updated first and accept
``updated_since``; customers come in no particular order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field, SecretStr

from kpi_engine import hookimpl
from kpi_engine.connectors import Page, SyncContext
from kpi_engine.http import HttpClient, HttpConnector, HttpSettings, JsonCursorPaginator, page


class ExampleShopSettings(HttpSettings):
    base_url: str = "https://api.example-shop.test"
    api_token: SecretStr  # from KPI_EXAMPLE_SHOP_API_TOKEN or kpi.yaml ${VAR}
    page_size: int = Field(100, ge=1, le=250)


class ExampleShopConnector(HttpConnector):
    name = "example_shop"
    description = "Example Shop REST API: orders, order lines, customers"
    settings_model = ExampleShopSettings
    tables = ("orders", "order_lines", "customers")
    settings: ExampleShopSettings

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.api_token.get_secret_value()}"}

    def read_http(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        yield from self.read_orders(http, context)
        yield from self.read_customers(http, context)

    def read_orders(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        cursor = self.updated_cursor(context, "orders")  # oldest-updated first
        params: dict[str, Any] = {"limit": self.settings.page_size}
        if cursor.since:
            params["updated_since"] = cursor.since_iso()
        pages = JsonCursorPaginator("/v1/orders", params, next_cursor_path="next_cursor")
        for response in http.paginate(pages, stream="orders"):
            orders = response.get("orders", list)
            lines = [line_row(o, line) for o in orders for line in o.get("lines") or []]
            for order in orders:
                cursor.observe(order.get("updated_at"))
            # Lines first, without a cursor: the orders page after them saves the cursor,
            # so a sync killed in between reads this page again.
            yield page("order_lines", lines, stream="order_lines", response=response)
            yield page("orders", [order_row(o) for o in orders], stream="orders",
                       cursor=cursor.page_cursor(), response=response)

    def read_customers(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        cursor = self.updated_cursor(context, "customers", ordered=False)
        params: dict[str, Any] = {"limit": self.settings.page_size}
        if cursor.since:
            params["updated_since"] = cursor.since_iso()
        pages = JsonCursorPaginator("/v1/customers", params, next_cursor_path="next_cursor")
        for response in http.paginate(pages, stream="customers"):
            rows = [customer_row(c) for c in response.get("customers", list)]
            yield page("customers", rows, stream="customers", response=response)
        yield Page("customers", [], stream="customers", cursor=cursor.done())


def order_row(order: dict[str, Any]) -> dict[str, Any]:
    return {"order_id": order.get("id"), "customer_id": order.get("customer_id"),
            "created_at": order.get("created_at"), "updated_at": order.get("updated_at"),
            "currency": order.get("currency"), "subtotal": order.get("subtotal"),
            "shipping": order.get("shipping"), "tax": order.get("tax"),
            "total": order.get("total"), "status": order.get("status"),
            "is_test": order.get("test", False)}


def line_row(order: dict[str, Any], line: dict[str, Any]) -> dict[str, Any]:
    return {"order_id": order.get("id"), "line_id": line.get("id"), "sku": line.get("sku"),
            "quantity": line.get("quantity"), "unit_price": line.get("price")}


def customer_row(customer: dict[str, Any]) -> dict[str, Any]:
    return {"customer_id": customer.get("id"), "created_at": customer.get("created_at"),
            "country": customer.get("country")}


@hookimpl
def kpi_register_connectors(register):
    register(ExampleShopConnector)
