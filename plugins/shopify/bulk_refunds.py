"""The parts of the refunds of bulk-read orders, read by id through the paged API.

A bulk query cannot select a connection inside a list field, and ``Order.refunds`` is a
list: the bulk file gives each refund's id, date and total but not its refunded line
items, order adjustments or refunded shipping lines, which ``refunds.amount`` is made
of (refund_mapping.py). So, for each batch of orders, the refunds are read again with
``nodes(ids:)``, ``REFUNDS_PER_REQUEST`` at a time, and their parts put into the order
nodes before they are mapped. Most orders have no refund, so this adds few requests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kpi_engine.http import HttpClient

from . import queries
from .graphql import graphql_data
from .refund_mapping import DETAIL_FIELDS
from .values import ShopifyDataError

_PARTS = (*DETAIL_FIELDS, "refundShippingLines")


def complete_refunds(http: HttpClient, orders: list[dict[str, Any]]) -> None:
    """Fill in, in place, the parts of every refund of ``orders`` that lacks them; a
    part with more than one page is read on (nested.py)."""
    from .nested import complete_refund

    filled = fill_refunds(orders, lambda ids, page: _read_refunds(http, ids, page))
    for refund in filled:
        complete_refund(http, refund, 1, "orders (bulk refunds)")


def fill_refunds(orders: list[dict[str, Any]],
                 read: Callable[[list[str], int], list[Any]]) -> list[dict[str, Any]]:
    """As ``complete_refunds``, with ``read(ids, request_number)`` giving the Refund
    nodes of those ids (the paged API's ``nodes(ids:)`` answer); returns the refunds it
    filled in."""
    wanted: dict[str, dict[str, Any]] = {}
    for order in orders:
        refunds = order.get("refunds")
        for refund in refunds if isinstance(refunds, list) else ():
            if isinstance(refund, dict) and isinstance(refund.get("id"), str) \
                    and not all(part in refund for part in DETAIL_FIELDS):
                wanted[refund["id"]] = refund
    ids = list(wanted)
    for start in range(0, len(ids), queries.REFUNDS_PER_REQUEST):
        found = read(ids[start:start + queries.REFUNDS_PER_REQUEST],
                     start // queries.REFUNDS_PER_REQUEST + 1)
        for node in found:
            # A refund gone since the bulk file was made comes back null: it keeps no
            # parts, and mapping it names the missing field.
            if isinstance(node, dict) and node.get("id") in wanted:
                target = wanted[node["id"]]
                for part in _PARTS:
                    if part in node:
                        target[part] = node[part]
    return list(wanted.values())


def _read_refunds(http: HttpClient, ids: list[str], page: int) -> list[Any]:
    data = graphql_data(http.post(queries.GRAPHQL_PATH, stream="orders (bulk refunds)",
                                  page=page, json={"query": queries.REFUND_DETAILS,
                                                   "variables": {"ids": ids}}))
    found = data.get("nodes")
    if not isinstance(found, list):
        raise ShopifyDataError("refund details: field 'nodes' is not a list")
    return found
