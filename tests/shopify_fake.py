"""A Shopify GraphQL Admin API on the loopback replay server, for the connector's tests.

It serves the nodes of tests/fixtures/shopify/*.json (written in the API's documented
shapes) the way the API does: connections paged by ``first``/``after`` with ``pageInfo``,
sorted by ``UPDATED_AT`` where the query asks, filtered by ``updated_at:>='...'``, each
answer with ``extensions.cost`` (the throttle bucket); a ``THROTTLED`` answer on demand;
and the bulk operation flow (run, poll, JSONL download with ``__parentId`` children).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import re
from pathlib import Path
from typing import Any

from kpi_engine.testing import ReplayServer, Reply

FIXTURES = Path(__file__).parent / "fixtures" / "shopify"
GRAPHQL = "/admin/api/2025-01/graphql.json"
BULK_FILE = "/bulk/orders.jsonl"
_REFUND_PARTS = ("refundLineItems", "orderAdjustments", "refundShippingLines")
ROOTS = {"orders": "orders.json", "customers": "customers.json", "products": "products.json",
         "inventoryItems": "inventory_items.json",
         "abandonedCheckouts": "abandoned_checkouts.json"}
_ROOT = re.compile(r"\{\s*(\w+)")
_SINCE = re.compile(r"updated_at:>='([^']+)'")
_OPERATION = re.compile(r"^\s*query\s+(\w+)")
# A nested connection's page size in a query: ``lineItems(first: 50)``.
_NESTED = re.compile(r"(\w+)\(first: (\d+)\)")


def load_fixtures() -> dict[str, list[dict]]:
    return {root: json.loads((FIXTURES / name).read_text()) for root, name in ROOTS.items()}


def _cursor(index: int) -> str:
    return base64.b64encode(json.dumps({"last_id": index}).encode()).decode()


def _index(cursor: str | None) -> int:
    return json.loads(base64.b64decode(cursor))["last_id"] if cursor else 0


class FakeShopify:
    """``FakeShopify(server)`` serves the fixtures; change ``data`` to change the shop."""

    def __init__(self, server: ReplayServer, data: dict[str, list[dict]] | None = None,
                 *, late_children: bool = False):
        self.server = server
        self.data = data if data is not None else load_fixtures()
        self.throttle_next = 0  # answer this many GraphQL requests THROTTLED
        self.late_children = late_children
        self.bulk_search: str | None = None
        self.polls = 0
        self.ranges = True  # the bulk file's server answers Range requests (as storage does)
        server.add("POST", GRAPHQL, self.graphql)
        server.add("GET", BULK_FILE, self.bulk_file)

    # -- GraphQL ---------------------------------------------------------------------------
    def graphql(self, request: Any) -> Any:
        body = request.json()
        query, variables = body["query"], body.get("variables") or {}
        if self.throttle_next > 0:
            self.throttle_next -= 1
            return Reply.json({"errors": [{"message": "Throttled",
                                           "extensions": {"code": "THROTTLED"}}],
                               "extensions": self._cost(752, 742.0)})
        operation = _OPERATION.search(query)
        if operation and operation.group(1) in ("OrderLines", "OrderShippingLines"):
            return self._order_connection(query, variables)
        if operation and operation.group(1) == "RefundPart":
            return self._refund_part(query, variables)
        if operation and operation.group(1) == "OrderRefunds":
            return self._order_refunds(variables)
        root = _ROOT.search(query)
        name = root.group(1) if root else ""
        if name == "bulkOperationRunQuery":
            return self._bulk_run(variables["query"])
        if name == "node":
            return self._bulk_poll(variables["id"])
        if name == "nodes":
            return self._refunds(variables["ids"], query)
        return self._page(name, query, variables)

    def _cost(self, requested: int, available: float = 1990.0) -> dict:
        return {"cost": {"requestedQueryCost": requested, "actualQueryCost": requested // 2,
                         "throttleStatus": {"maximumAvailable": 2000.0,
                                            "currentlyAvailable": available,
                                            "restoreRate": 100.0}}}

    def _page(self, root: str, query: str, variables: dict) -> Any:
        nodes = list(self.data[root])
        if "sortKey: UPDATED_AT" in query:
            nodes.sort(key=lambda n: (n["updatedAt"], n["id"]))
        since = _SINCE.search(variables.get("query") or "")
        if since:
            nodes = [n for n in nodes if n["updatedAt"] >= since.group(1)]
        start = _index(variables.get("after"))
        first = int(variables["first"])
        chunk = copy.deepcopy(nodes[start:start + first])
        end = start + len(chunk)
        if root == "orders":
            for node in chunk:
                cap_nested(node, dict(_NESTED.findall(query)))
        return Reply.json({
            "data": {root: {"pageInfo": {"hasNextPage": end < len(nodes),
                                         "endCursor": _cursor(end) if chunk else None},
                            "nodes": chunk}},
            "extensions": self._cost(first * 12)})

    def _order_connection(self, query: str, variables: dict) -> Any:
        """``order(id:) { lineItems(first:, after:) }`` (or shippingLines)."""
        name = re.search(r"order\(id: \$id\) \{\s*(\w+)", query).group(1)
        order = next(o for o in self.data["orders"] if o["id"] == variables["id"])
        return Reply.json({"data": {"order": {name: _slice(
            order[name]["nodes"], variables)}}, "extensions": self._cost(60)})

    def _refund_part(self, query: str, variables: dict) -> Any:
        """``node(id:) { ... on Refund { refundLineItems(first:, after:) } }`` etc."""
        name = re.search(r"on Refund \{\s*(\w+)", query).group(1)
        refund = self._refund(variables["id"])
        return Reply.json({"data": {"node": {name: _slice(
            refund[name]["nodes"], variables)}}, "extensions": self._cost(60)})

    def _order_refunds(self, variables: dict) -> Any:
        """``order(id:) { refunds { id createdAt totalRefundedSet } }``: all of them."""
        order = next(o for o in self.data["orders"] if o["id"] == variables["id"])
        listed = [{k: r[k] for k in ("id", "createdAt", "totalRefundedSet")}
                  for r in order.get("refunds") or []]
        return Reply.json({"data": {"order": {"refunds": listed}},
                           "extensions": self._cost(len(listed) + 1)})

    def _refund(self, refund_id: str) -> dict:
        return next(r for o in self.data["orders"] for r in o.get("refunds") or []
                    if r["id"] == refund_id)

    def _refunds(self, ids: list[str], query: str) -> Any:
        """``nodes(ids:)`` for refunds, with their parts (read after a bulk download)."""
        by_id = {r["id"]: r for o in self.data["orders"] for r in o.get("refunds") or []}
        found = [copy.deepcopy(by_id.get(i)) for i in ids]
        for refund in found:  # the parts' page sizes of the query, as for orders
            if refund is not None:
                cap_nested(refund, dict(_NESTED.findall(query)))
        return Reply.json({"data": {"nodes": found},
                           "extensions": self._cost(10 * len(ids))})

    # -- bulk operations -------------------------------------------------------------------
    def _bulk_run(self, bulk_query: str) -> Any:
        match = re.search(r"orders\(query: (\"(?:[^\"\\]|\\.)*\")\)", bulk_query)
        self.bulk_search = json.loads(match.group(1)) if match else None
        self.polls = 0
        return Reply.json({"data": {"bulkOperationRunQuery": {
            "bulkOperation": {"id": "gid://shopify/BulkOperation/720918", "status": "CREATED"},
            "userErrors": []}}, "extensions": self._cost(10)})

    def _bulk_poll(self, op_id: str) -> Any:
        self.polls += 1
        done = self.polls >= 2
        return Reply.json({"data": {"node": {
            "id": op_id, "status": "COMPLETED" if done else "RUNNING", "errorCode": None,
            "objectCount": str(len(self.data["orders"])),
            "fileSize": str(len(self.bulk_bytes())) if done else None,
            "url": f"{self.server.url}{BULK_FILE}?sig=abc" if done else None,
            "partialDataUrl": None}}, "extensions": self._cost(1)})

    def bulk_lines(self) -> list[str]:
        """The JSONL of the bulk orders query: each order, then its lines and shipping
        lines with ``__parentId`` (with ``late_children``, each order's children come
        after the next order)."""
        out: list[str] = []
        pending: list[str] = []
        since = _SINCE.search(self.bulk_search or "")
        for order in self.data["orders"]:
            if since and order["updatedAt"] < since.group(1):
                continue
            parent = {k: v for k, v in order.items() if k not in ("lineItems",
                                                                  "shippingLines")}
            # A bulk query selects no connection inside the refunds list.
            parent["refunds"] = [{k: v for k, v in r.items() if k not in _REFUND_PARTS}
                                 for r in order.get("refunds") or []]
            out.append(json.dumps(parent))
            children = [json.dumps({**c, "__parentId": order["id"]})
                        for key in ("lineItems", "shippingLines")
                        for c in order[key]["nodes"]]
            if self.late_children:
                out.extend(pending)
                pending = children
            else:
                out.extend(children)
        out.extend(pending)
        return out

    def bulk_bytes(self) -> bytes:
        return ("\n".join(self.bulk_lines()) + "\n").encode()

    def bulk_file(self, request: Any) -> Any:
        return Reply(200, self.bulk_bytes(), {"Content-Type": "application/jsonl"},
                     ranges=self.ranges)


def _slice(items: list, variables: dict) -> dict:
    """One page of a connection after ``variables['after']``."""
    start = _index(variables.get("after"))
    chunk = items[start:start + int(variables["first"])]
    end = start + len(chunk)
    return {"pageInfo": {"hasNextPage": end < len(items), "endCursor": _cursor(end)},
            "nodes": chunk}


def _cap(connection: Any, limit: int) -> Any:
    """A connection cut to its first ``limit`` nodes, with the pageInfo of that page."""
    items = connection.get("nodes", []) if isinstance(connection, dict) else []
    return {**connection, **_slice(items, {"first": limit})} if isinstance(
        connection, dict) else connection


def cap_nested(node: dict, sizes: dict[str, str]) -> None:
    """Cut ``node``'s nested connections (and its refunds list) to the page sizes the
    query asked for, as the API does; a connection left out gets ``hasNextPage``."""
    for name in ("lineItems", "shippingLines"):
        if name in sizes and name in node:
            node[name] = _cap(node[name], int(sizes[name]))
    refunds = node.get("refunds")
    if isinstance(refunds, list):
        if "refunds" in sizes:
            node["refunds"] = refunds = refunds[:int(sizes["refunds"])]
        for refund in refunds:
            cap_nested(refund, sizes)
    for name in _REFUND_PARTS:
        if name in sizes and name in node:
            node[name] = _cap(node[name], int(sizes[name]))


def synthetic_orders(count: int, first_id: int = 100_000) -> list[dict]:
    """``count`` orders shaped like the fixture's order 5004 (two lines, shipping), with
    ids and update times of their own, oldest first."""
    template = next(o for o in load_fixtures()["orders"] if o["id"].endswith("/5004"))
    out = []
    for i in range(count):
        order = copy.deepcopy(template)
        n = first_id + i
        order["id"] = f"gid://shopify/Order/{n}"
        order["name"] = f"#{n}"
        minute = f"{i // 60 % 60:02d}:{i % 60:02d}"
        order["updatedAt"] = f"2025-03-{1 + i // 3600 % 28:02d}T{i // 3600 // 28 % 24:02d}:" \
                             f"{minute}Z"
        for j, line in enumerate(order["lineItems"]["nodes"]):
            line["id"] = f"gid://shopify/LineItem/{n * 10 + j}"
        for line in order["shippingLines"]["nodes"]:
            line["id"] = f"gid://shopify/ShippingLine/{n}"
        out.append(order)
    return out


def serve_orders_only(server: ReplayServer, orders: list[dict]) -> FakeShopify:
    """A shop with only these orders (the other streams answer empty pages)."""
    data = {root: [] for root in ROOTS}
    data["orders"] = orders
    return FakeShopify(server, data)


@contextlib.contextmanager
def shop_stand_in():
    """For a doc's `kpi sync shopify --set shop=your-store`: the ``--set`` options and
    environment that point it at the fixtures' shop on 127.0.0.1."""
    with ReplayServer() as server:
        FakeShopify(server)
        yield (["--set", f"base_url={server.url}", "--set", "bulk_poll_seconds=0.01"],
               {"KPI_SHOPIFY_ACCESS_TOKEN": "shpat_docs_example"})
