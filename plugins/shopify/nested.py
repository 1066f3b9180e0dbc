"""Reading nested connections past their first page, Shopify's documented way: a
follow-up query on the owner (``order(id:)`` or ``node(id:)``) asking the connection for
``first`` more after its ``pageInfo.endCursor``, until ``hasNextPage`` is false.

The orders query asks each nested connection for one page (the query's cost counts
``first`` of every one). An order with more lines or shipping lines, or a refund with
more refunded lines, order adjustments or refunded shipping lines, is completed here
before it is mapped, so no row or amount is short. ``Order.refunds`` is a list, not a
connection: an order that fills it (``MAX_REFUNDS``) has its refunds listed again
without the cap, their parts read by id (bulk_refunds.py).
"""

from __future__ import annotations

from typing import Any

from kpi_engine.http import HttpClient, HttpResponse

from . import queries
from .graphql import graphql_data
from .values import ShopifyDataError, field, nodes

_ORDER_CONNECTIONS = {"lineItems": (queries.ORDER_LINES, queries.MAX_LINES),
                      "shippingLines": (queries.ORDER_SHIPPING_LINES, queries.MAX_LINES)}


def complete_order(http: HttpClient, order: Any, response: HttpResponse) -> None:
    """Read, in place, whatever of ``order``'s nested connections its page left out."""
    if not isinstance(order, dict):
        return
    for name, (query, first) in _ORDER_CONNECTIONS.items():
        read_rest(http, order, name, query, "order", first, response.page)
    refunds = order.get("refunds")
    if isinstance(refunds, list) and len(refunds) >= queries.MAX_REFUNDS:
        _all_refunds(http, order, response.page)
    for refund in refunds if isinstance(refunds, list) else ():
        complete_refund(http, refund, response.page)


def complete_refund(http: HttpClient, refund: Any, page: int,
                    stream: str = "orders") -> None:
    """Read the rest of each of a refund's part connections that has a next page."""
    if not isinstance(refund, dict):
        return
    for name in queries.REFUND_PARTS:
        read_rest(http, refund, name, queries.refund_part_query(name), "node",
                  queries.REFUND_PART_SIZES[name], page, stream)


def read_rest(http: HttpClient, owner: dict, name: str, query: str, root: str,
              first: int, page: int, stream: str = "orders") -> None:
    """Append the connection ``owner[name]``'s further pages to its ``nodes``; its
    ``pageInfo`` then says there is no next page."""
    connection = owner.get(name)
    if not isinstance(connection, dict):
        return
    info = connection.get("pageInfo") or {}
    seen: set[str] = set()
    while info.get("hasNextPage") is True:
        after = info.get("endCursor")
        if not isinstance(after, str) or not after or after in seen:
            raise ShopifyDataError(f"field '{name}.pageInfo.endCursor': expected a new "
                                   f"cursor for the next page, got {after!r:.40}")
        seen.add(after)
        data = graphql_data(http.post(
            queries.GRAPHQL_PATH, stream=stream, page=page,
            json={"query": query,
                  "variables": {"id": field(owner, "id"), "first": first, "after": after}}))
        more = field(data, f"{root}.{name}")
        connection.setdefault("nodes", []).extend(nodes(data[root], name))
        info = more.get("pageInfo") or {} if isinstance(more, dict) else {}
    if "pageInfo" in connection:
        connection["pageInfo"] = {**info, "hasNextPage": False}


def _all_refunds(http: HttpClient, order: dict, page: int) -> None:
    """Every refund of an order whose ``refunds(first:)`` list was full: the ones read
    already keep their parts; the others get theirs by id."""
    from .bulk_refunds import complete_refunds

    data = graphql_data(http.post(queries.GRAPHQL_PATH, stream="orders", page=page,
                                  json={"query": queries.ORDER_REFUNDS,
                                        "variables": {"id": field(order, "id")}}))
    listed = field(data, "order.refunds")
    if not isinstance(listed, list):
        raise ShopifyDataError("field 'order.refunds': expected a list")
    known = {r.get("id"): r for r in order["refunds"] if isinstance(r, dict)}
    order["refunds"] = [known.get(r.get("id"), r) if isinstance(r, dict) else r
                        for r in listed]
    complete_refunds(http, [order])
