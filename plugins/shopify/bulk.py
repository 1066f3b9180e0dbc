"""Orders through a bulk operation: the fast way to read a whole shop.

``bulkOperationRunQuery`` starts the query on Shopify's side; we poll the operation
(``node(id:)``) until it is COMPLETED, download its JSONL to a temporary file (streamed,
never held in memory, resumed with Range where it broke off: bulk_download.py) and map it
in an embedded DuckDB (bulk_sql.py, bulk_pages.py); a file not in the documented shape is
rebuilt order by order (bulk_jsonl.py) and mapped by the reference mapping instead, a few
thousand orders a page. The download URL is a signed storage address: it is fetched
without the shop's access token. The orders cursor is saved with the last page only, since
a bulk file is in no particular update order; a killed bulk sync starts over, and the
merge by primary key makes that harmless.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpi_engine.connectors import Page, SyncContext
from kpi_engine.errors import SyncError
from kpi_engine.http import HttpClient

from . import mapping, queries
from .bulk_download import download
from .bulk_jsonl import read_groups
from .bulk_pages import file_pages
from .bulk_refunds import complete_refunds
from .graphql import graphql_data
from .values import ShopifyDataError, field

if TYPE_CHECKING:
    from .connector import ShopifyConnector

ORDERS_PER_PAGE = 5_000
_REFUND_BATCH = 500  # orders whose refunds are completed together
_CHILD_FIELDS = {"LineItem": "lineItems", "ShippingLine": "shippingLines"}
_DONE = {"COMPLETED"}
_FAILED = {"FAILED", "CANCELED", "CANCELLED", "EXPIRED"}


def _child_field(child: dict[str, Any]) -> str:
    kind = str(child.get("id", "")).split("/")
    name = _CHILD_FIELDS.get(kind[3] if len(kind) > 4 else "")
    if name is None:
        raise SyncError(f"shopify bulk file: a nested node of unexpected type "
                        f"{child.get('id')!r:.80}")
    return name


def bulk_order_pages(connector: ShopifyConnector, http: HttpClient,
                     context: SyncContext) -> Iterator[Page]:
    cursor = connector.updated_cursor(context, "orders", ordered=False)
    url, size = run_bulk_operation(connector, http,
                                   queries.bulk_orders_query(connector.search(cursor)))
    source = connector.settings.source
    if url is not None:
        with tempfile.TemporaryDirectory(prefix="kpi-shopify-") as tmp:
            path = Path(tmp) / "orders.jsonl"
            download(connector, url, path, expected_size=size, log=context.progress)
            context.progress("shopify: bulk file downloaded, "
                             f"{path.stat().st_size / 1e6:,.1f} MB")
            yield from file_pages(path, source, http, Path(tmp), context.progress,
                                  reference=_pages_of, field_of=_child_field)
    yield Page("orders", [], stream="orders", cursor=cursor.done())
    yield from connector.orders_complete(context, cursor)


def _pages_of(path: Path, source: str, http: HttpClient) -> Iterator[Page]:
    tables: dict[str, list[dict]] = {"orders": [], "order_lines": [], "refunds": [],
                                     "checkouts": []}
    batch: list[tuple[int, dict]] = []
    for number, group in enumerate(read_groups(path, label="bulk orders.jsonl",
                                               field_of=_child_field), 1):
        batch.append((number, group))
        if len(batch) >= _REFUND_BATCH:
            _map_batch(batch, source, http, tables)
        if len(tables["orders"]) >= ORDERS_PER_PAGE:
            yield from _flush(tables)
    _map_batch(batch, source, http, tables)
    yield from _flush(tables)


def _map_batch(batch: list[tuple[int, dict]], source: str, http: HttpClient,
               tables: dict[str, list[dict]]) -> None:
    """Map a few hundred orders, once their refunds' parts are read (bulk_refunds.py)."""
    complete_refunds(http, [group for _, group in batch])
    for number, group in batch:
        try:
            order, lines, refunds, checkouts = mapping.order_rows(group, source)
        except ShopifyDataError as exc:
            raise SyncError(f"shopify orders (bulk): order {group.get('id')!r:.60} "
                            f"(number {number} of the file): {exc}") from None
        tables["orders"].append(order)
        tables["order_lines"].extend(lines)
        tables["refunds"].extend(refunds)
        tables["checkouts"].extend(checkouts)
    batch.clear()


def _flush(tables: dict[str, list[dict]]) -> Iterator[Page]:
    for table, rows in tables.items():
        if rows:
            yield Page(table, rows, stream="orders")
            tables[table] = []


def run_bulk_query(connector: ShopifyConnector, http: HttpClient, query: str) -> str | None:
    """Start the bulk query, wait for it, and return the result's URL (None: no rows)."""
    return run_bulk_operation(connector, http, query)[0]


def run_bulk_operation(connector: ShopifyConnector, http: HttpClient, query: str
                       ) -> tuple[str | None, int | None]:
    """As ``run_bulk_query``: the result's URL and its size in bytes (``fileSize``; None
    where the operation reports none)."""
    started = graphql_data(http.post(queries.GRAPHQL_PATH, stream="orders (bulk)",
                                     json={"query": queries.BULK_RUN,
                                           "variables": {"query": query}}))
    payload = field(started, "bulkOperationRunQuery")
    errors = payload.get("userErrors") or []
    if errors:
        messages = "; ".join(str(e.get("message", e))[:200] for e in errors[:3]
                             if isinstance(e, dict))
        raise SyncError(f"shopify: the bulk operation was refused: {messages}"
                        " (another bulk query of this app may be running)")
    operation_id = field(payload, "bulkOperation.id")
    settings = connector.settings
    deadline = time.monotonic() + settings.bulk_timeout_seconds
    polls = 0
    while True:
        polls += 1
        data = graphql_data(http.post(queries.GRAPHQL_PATH, stream="orders (bulk)", page=polls,
                                      json={"query": queries.BULK_POLL,
                                            "variables": {"id": operation_id}}))
        node = field(data, "node")
        status = field(node, "status")
        if status in _DONE:
            return node.get("url"), _file_size(node.get("fileSize"))
        if status in _FAILED:
            raise SyncError(f"shopify: the bulk operation ended {status}"
                            f" ({node.get('errorCode') or 'no error code'})")
        if time.monotonic() > deadline:
            raise SyncError(f"shopify: the bulk operation did not finish within "
                            f"{settings.bulk_timeout_seconds:g}s (status {status})")
        time.sleep(settings.bulk_poll_seconds)


def _file_size(value: object) -> int | None:
    """``fileSize`` is an UnsignedInt64, sent as a string."""
    try:
        size = int(str(value))
    except ValueError:
        return None
    return size if size >= 0 else None
