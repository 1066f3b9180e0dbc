"""The Example Shop API (docs/writing-a-connector.md) served by a ReplayServer: N pages of
orders (oldest-updated first) and customers, in the API's documented format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kpi_engine.testing import ReplayServer, Reply
from kpi_engine.testing.conformance import ConnectorCase

PER_PAGE = 20
TOKEN = "shpat-example-0123456789abcdef"
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def order(n: int) -> dict:
    stamp = START + timedelta(hours=n)
    price = f"{10 + n % 7}.50"
    quantity = 1 + n % 3
    subtotal = f"{(10 + n % 7 + 0.5) * quantity:.2f}"
    return {"id": f"{1000 + n}", "customer_id": f"c{n % 11}",
            "created_at": stamp.isoformat().replace("+00:00", "Z"),
            "updated_at": (stamp + timedelta(minutes=30)).isoformat().replace("+00:00", "Z"),
            "status": "paid" if n % 5 else "refunded", "currency": "EUR",
            "subtotal": subtotal, "shipping": "4.90", "tax": "0.00",
            "total": f"{float(subtotal) + 4.9:.2f}", "test": n == 3,
            "lines": [{"id": f"{1000 + n}-1", "sku": f"SKU-{n % 4}", "quantity": quantity,
                       "price": price}]}


def customer(n: int) -> dict:
    return {"id": f"c{n}", "created_at": f"2025-0{1 + n % 3}-1{n % 10}T08:00:00Z",
            "country": ["DE", "FR", "NL"][n % 3]}


def serve(server: ReplayServer, pages: int, per_page: int = PER_PAGE) -> None:
    """``pages`` pages of each stream; page k answers ``cursor=p<k>``."""
    for stream, make in (("orders", order), ("customers", customer)):
        for k in range(1, pages + 1):
            records = [make((k - 1) * per_page + i) for i in range(per_page)]
            body = {stream: records, "next_cursor": f"p{k + 1}" if k < pages else None}
            query = {"cursor": f"p{k}"} if k > 1 else {}
            server.add("GET", f"/v1/{stream}", Reply.json(body), query=query)


class ExampleShopCase(ConnectorCase):
    def serve(self, server: ReplayServer, pages: int) -> None:
        serve(server, pages)


CASE = ExampleShopCase("example_shop", secrets={"api_token": TOKEN},
                       settings={"page_size": PER_PAGE})
