"""The ``shopify`` connector: the GraphQL Admin API, paged or in bulk, or the orders
CSV export. See docs/connectors/shopify.md."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kpi_engine.connectors import Page, SyncContext
from kpi_engine.errors import SyncError
from kpi_engine.http import (
    GraphQLPaginator,
    HttpClient,
    HttpConnector,
    HttpResponse,
    PageBatcher,
)
from kpi_engine.http.graphql import bucket_pause, throttled_wait

from . import mapping, queries
from .graphql import graphql_data
from .nested import complete_order
from .settings import ShopifySettings
from .values import ShopifyDataError, field

ORDER_TABLES = ("orders", "order_lines", "refunds", "checkouts")


class _Paginator(GraphQLPaginator):
    """GraphQL pages whose ``errors`` are reported before pageInfo is looked for."""

    def next(self, request: Any, response: HttpResponse) -> Any:
        graphql_data(response)
        return super().next(request, response)


class ShopifyConnector(HttpConnector):
    name = "shopify"
    description = ("Shopify: orders, lines, refunds, customers, products with costs, stock "
                   "per location and abandoned checkouts (GraphQL Admin API "
                   f"{queries.API_VERSION}, paged or bulk), or an orders CSV export")
    settings_model = ShopifySettings
    tables = ("orders", "order_lines", "refunds", "customers", "products",
              "inventory_snapshots", "checkouts")
    settings: ShopifySettings
    # A --full-refresh that reads every order deletes the orders gone from the shop (a
    # deleted order) with their lines, refunds and checkout rows (sync engine).
    full_refresh_deletes = {"orders": ("order_lines", "refunds", "checkouts")}

    # -- HttpConnector hooks ----------------------------------------------------------------
    def headers(self) -> Mapping[str, str]:
        token = self.settings.access_token
        return {"X-Shopify-Access-Token": token.get_secret_value()} if token else {}

    # Shopify's cost-based throttling, with the engine's GraphQL helpers: a THROTTLED
    # answer is sent again once the bucket can pay for it, and the next query waits while
    # the bucket is low (extensions.cost.throttleStatus).
    def retry_after(self, response: HttpResponse) -> float | None:
        return throttled_wait(response)

    def pause_after(self, response: HttpResponse) -> float:
        return bucket_pause(response)

    # -- reading ----------------------------------------------------------------------------
    def read(self, context: SyncContext) -> Iterator[Page]:
        if self.settings.orders_export is not None:
            from .export_pages import export_pages

            yield from export_pages(self.settings.orders_export, self.settings.source)
            return
        if self.settings.access_token is None:
            raise SyncError("connector 'shopify': setting 'access_token' is required (set "
                            "KPI_SHOPIFY_ACCESS_TOKEN), or give 'orders_export'")
        yield from super().read(context)

    def read_http(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        streams = self.settings.streams
        if "orders" in streams:
            if self._use_bulk(context):
                from .bulk import bulk_order_pages

                yield from bulk_order_pages(self, http, context)
            else:
                yield from self._orders(http, context)
        if "customers" in streams:
            yield from self._simple(http, context, "customers", queries.CUSTOMERS,
                                    lambda n, s: {"customers": [mapping.customer_row(n, s)]})
        if "products" in streams:
            yield from self._simple(http, context, "products", queries.PRODUCTS,
                                    lambda n, s: {"products": mapping.product_rows(n, s)})
        if "inventory" in streams:
            yield from self._simple(http, context, "inventory", queries.INVENTORY,
                                    _inventory_tables, ordered=False,
                                    connection="data.inventoryItems")
        if "abandoned_checkouts" in streams:
            yield from self._simple(http, context, "abandoned_checkouts",
                                    queries.ABANDONED_CHECKOUTS,
                                    lambda n, s: {"checkouts": [mapping.checkout_row(n, s)]},
                                    ordered=False, connection="data.abandonedCheckouts")

    def _use_bulk(self, context: SyncContext) -> bool:
        mode = self.settings.bulk
        if mode == "auto":
            return context.full_refresh or not context.cursors.get("orders")
        return mode == "always"

    def search(self, cursor: Any) -> str | None:
        since = cursor.since_iso()
        return f"updated_at:>='{since}'" if since else None

    # -- orders, paged ---------------------------------------------------------------------
    def _orders(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        cursor = self.updated_cursor(context, "orders")
        paginator = _Paginator(queries.GRAPHQL_PATH, queries.ORDERS,
                               {"first": self.settings.orders_page_size,
                                "query": self.search(cursor)}, "data.orders")
        batch = _batcher("orders", ORDER_TABLES, "orders")
        try:
            for response in http.paginate(paginator, stream="orders"):
                graphql_data(response)
                tables: dict[str, list[dict]] = {t: [] for t in ORDER_TABLES}
                for i, node in enumerate(paginator.nodes(response), 1):
                    try:
                        complete_order(http, node, response)
                        order, lines, refunds, checkouts = mapping.order_rows(
                            node, self.settings.source)
                    except ShopifyDataError as exc:
                        raise response.error(f"order {i} of the page: {exc}") from None
                    tables["orders"].append(order)
                    tables["order_lines"].extend(lines)
                    tables["refunds"].extend(refunds)
                    tables["checkouts"].extend(checkouts)
                    cursor.observe(order["updated_at"])
                yield from _add(batch, tables, "orders", cursor.page_cursor(), response)
        except Exception:
            # The responses read in full before the failure are written (with their
            # cursor); nothing of the failed one is.
            yield from batch.flush()
            raise
        batch.set_cursor(cursor.done())
        yield from batch.flush()
        yield from self.orders_complete(context, cursor)

    def orders_complete(self, context: SyncContext, cursor: Any) -> Iterator[Page]:
        """On a full refresh that read every order (no start_date filter): the page that
        lets the engine delete the orders it did not see."""
        if context.full_refresh and cursor.since is None:
            yield Page("orders", [], stream="orders", complete_for=(self.settings.source,))

    # -- the other streams -------------------------------------------------------------------
    def _simple(self, http: HttpClient, context: SyncContext, stream: str, query: str,
                to_rows: Any, *, ordered: bool = True,
                connection: str | None = None) -> Iterator[Page]:
        cursor = self.updated_cursor(context, stream, ordered=ordered)
        paginator = _Paginator(queries.GRAPHQL_PATH, query,
                                     {"first": self.settings.page_size,
                                      "query": self.search(cursor)},
                                     connection or f"data.{stream}")
        first = _first_table(stream)
        names = (first, "products") if stream == "inventory" else (first,)
        batch = _batcher(stream, names, first)
        try:
            for response in http.paginate(paginator, stream=stream):
                graphql_data(response)
                tables: dict[str, list[dict]] = {}
                for i, node in enumerate(paginator.nodes(response), 1):
                    try:
                        for table, rows in to_rows(node, self.settings.source).items():
                            tables.setdefault(table, []).extend(rows)
                        cursor.observe(field(node, "updatedAt", required=False))
                    except ShopifyDataError as exc:
                        raise response.error(f"record {i} of the page: {exc}") from None
                yield from _add(batch, tables, stream, cursor.page_cursor(), response)
        except Exception:
            yield from batch.flush()
            raise
        batch.set_cursor(cursor.done())
        yield from batch.flush()


def _inventory_tables(node: Any, source: str) -> dict[str, list[dict]]:
    snapshots, products = mapping.inventory_rows(node, source)
    return {"inventory_snapshots": snapshots, "products": products}


def _first_table(stream: str) -> str:
    return {"customers": "customers", "products": "products",
            "inventory": "inventory_snapshots", "abandoned_checkouts": "checkouts"}[stream]


# Rows written together: each engine page costs a transaction and a merge (tens of
# milliseconds on DuckDB), more than mapping a 50-order response. Batches start at one
# response and double up to this many rows (PageBatcher).
ROWS_PER_WRITE = 10_000


def _batcher(stream: str, tables: tuple[str, ...], cursor_table: str) -> PageBatcher:
    return PageBatcher(stream, tables, rows_per_page=ROWS_PER_WRITE,
                       cursor_table=cursor_table, first_rows=1)


def _add(batch: PageBatcher, tables: dict[str, list[dict]], stream: str,
         cursor: str | None, response: HttpResponse) -> Iterator[Page]:
    """Buffer one response's rows, located as ``shopify STREAM page N TABLE row I`` for
    errors; its cursor goes with the cursor table's rows, added last."""
    where = f"shopify {stream} page {response.page}"
    for table in batch.order:
        rows = tables.get(table) or []
        origins = [f"{where} {table} row {i}" for i in range(1, len(rows) + 1)]
        last = table == batch.cursor_table
        yield from batch.add(table, rows, origins=origins, cursor=cursor if last else None)
