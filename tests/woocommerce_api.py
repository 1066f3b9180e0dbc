"""A WooCommerce store served in the REST API v3 format by kpi_engine.testing's
ReplayServer: page-number pagination with X-WP-Total/X-WP-TotalPages and Link headers,
the status, modified_after, after and dates_are_gmt filters, HTTP Basic auth, and
WordPress's own error bodies. The records are tests/fixtures/woocommerce/*.json (written
for these tests in the format of WooCommerce's API reference)."""

from __future__ import annotations

import base64
import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpi_engine.testing import RecordedRequest, ReplayServer, Reply
from kpi_engine.testing.conformance import ConnectorCase

FIXTURES = Path(__file__).parent / "fixtures" / "woocommerce"
API = "/wp-json/wc/v3"
KEY, SECRET = "ck_4f1c0b9e2d7a6e3f", "cs_9a8b7c6d5e4f3a2b"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class WooStore:
    orders: list[dict] = field(default_factory=list)  # trash ones included
    refunds: list[dict] = field(default_factory=list)
    customers: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    variations: dict[int, list[dict]] = field(default_factory=dict)

    @classmethod
    def from_fixtures(cls) -> WooStore:
        return cls(fixture("orders.json") + fixture("orders_trash.json"),
                   fixture("refunds.json"), fixture("customers.json"),
                   fixture("products.json"), {102: fixture("products_102_variations.json")})

    def serve(self, server: ReplayServer) -> None:
        server.add("GET", f"{API}/orders", self._lister(lambda: self.orders, _order_filter))
        server.add("GET", f"{API}/refunds", self._lister(lambda: self.refunds,
                                                         _created_filter))
        server.add("GET", f"{API}/customers", self._lister(lambda: self.customers, None))
        server.add("GET", f"{API}/products", self._lister(lambda: self.products,
                                                          _modified_filter))
        for pid, items in self.variations.items():
            server.add("GET", f"{API}/products/{pid}/variations",
                       self._lister(lambda items=items: items, None))

    def _lister(self, records, keep):
        def answer(request: RecordedRequest) -> Reply:
            if request.headers.get("authorization") != _basic(KEY, SECRET):
                return Reply.json({"code": "woocommerce_rest_cannot_view",
                                   "message": "Sorry, you cannot list resources.",
                                   "data": {"status": 401}}, 401)
            q = request.query
            per_page = int(q.get("per_page", "10"))
            if not 1 <= per_page <= 100:
                return Reply.json({"code": "rest_invalid_param",
                                   "message": "Invalid parameter(s): per_page",
                                   "data": {"status": 400}}, 400)
            chosen = [r for r in records() if keep is None or keep(r, q)]
            order_key = "date_created_gmt" if q.get("orderby") == "date" else "id"
            chosen.sort(key=lambda r: r[order_key], reverse=q.get("order") == "desc")
            pages = max(1, math.ceil(len(chosen) / per_page))
            number = int(q.get("page", "1"))
            body = chosen[(number - 1) * per_page:number * per_page]
            headers = {"X-WP-Total": str(len(chosen)), "X-WP-TotalPages": str(pages)}
            if number < pages:
                headers["Link"] = f'<{request.path}?page={number + 1}>; rel="next"'
            return Reply.json(body, headers=headers)
        return answer


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _gmt(value: str) -> str:
    return value.removesuffix("Z")[:19]


def _modified_filter(record: dict, q: dict) -> bool:
    since = q.get("modified_after")
    return since is None or record["date_modified_gmt"] > _gmt(since)


def _created_filter(record: dict, q: dict) -> bool:
    since = q.get("after")
    return since is None or record["date_created_gmt"] > _gmt(since)


def _order_filter(record: dict, q: dict) -> bool:
    status = q.get("status", "any")
    if status == "any" and record["status"] == "trash":
        return False
    if status not in ("any", record["status"]):
        return False
    return _modified_filter(record, q)


# -- a store of any size, for the conformance suite ------------------------------------------

PER_PAGE = 2


def generated_store(pages: int) -> WooStore:
    """``pages`` pages (of PER_PAGE) of every stream, built from the fixture records with
    new ids; the same store for the same number."""
    n = pages * PER_PAGE
    base = fixture("orders.json")
    orders, refunds = [], []
    for i in range(n):
        order = copy.deepcopy(base[i % len(base)])
        order["id"] = 5000 + i
        for j, item in enumerate(order["line_items"]):
            item["id"] = 90000 + i * 10 + j
        orders.append(order)
    for i in range(n):
        refund = copy.deepcopy(fixture("refunds.json")[0])
        refund["id"], refund["parent_id"] = 7000 + i, 5000 + i
        refund["date_created_gmt"] = f"2025-03-01T{i // 60 % 24:02d}:{i % 60:02d}:00"
        refunds.append(refund)
    customers = []
    for i in range(n):
        customer = copy.deepcopy(fixture("customers.json")[i % 4])
        customer["id"] = 100 + i
        customers.append(customer)
    simple = fixture("products.json")[0]
    products = []
    for i in range(n):
        product = copy.deepcopy(simple)
        product["id"] = 3000 + i
        products.append(product)
    return WooStore(orders, refunds, customers, products, {})


@dataclass
class WooCase(ConnectorCase):
    def serve(self, server: ReplayServer, pages: int) -> None:
        generated_store(pages).serve(server)


CASE = WooCase("woocommerce", secrets={"consumer_key": KEY, "consumer_secret": SECRET},
               settings={"per_page": PER_PAGE}, few_pages=2, many_pages=10, kill_at_request=3)
