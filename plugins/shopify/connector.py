"""The ``shopify`` connector: the GraphQL Admin API, paged or in bulk, or the orders
CSV export. See docs/connectors/shopify.md."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kpi_engine.connectors import Page, SyncContext
from kpi_engine.errors import SyncError
from kpi_engine.http import GraphQLPaginator, HttpClient, HttpConnector, HttpResponse
from kpi_engine.http.graphql import bucket_pause, throttled_wait

from . import mapping, queries
from .graphql import graphql_data
from .settings import ShopifySettings
from .values import ShopifyDataError, field, nodes

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
        for response in http.paginate(paginator, stream="orders"):
            graphql_data(response)
            tables: dict[str, list[dict]] = {t: [] for t in ORDER_TABLES}
            for i, node in enumerate(paginator.nodes(response), 1):
                try:
                    self._complete_lines(http, node, response)
                    order, lines, refunds, checkouts = mapping.order_rows(
                        node, self.settings.source)
                except ShopifyDataError as exc:
                    raise response.error(f"order {i} of the page: {exc}") from None
                tables["orders"].append(order)
                tables["order_lines"].extend(lines)
                tables["refunds"].extend(refunds)
                tables["checkouts"].extend(checkouts)
                cursor.observe(order["updated_at"])
            yield from _pages(tables, "orders", cursor.page_cursor(), response)
        yield Page("orders", [], stream="orders", cursor=cursor.done())

    def _complete_lines(self, http: HttpClient, order: Any, response: HttpResponse) -> None:
        """Read the rest of an order's lines when it has more than one page holds."""
        connection = order.get("lineItems") if isinstance(order, dict) else None
        if not isinstance(connection, dict):
            return
        info = connection.get("pageInfo") or {}
        after = info.get("endCursor")
        while info.get("hasNextPage"):
            more = http.post(queries.GRAPHQL_PATH, stream="orders", page=response.page,
                             json={"query": queries.ORDER_LINES,
                                   "variables": {"id": field(order, "id"),
                                                 "first": queries.MAX_LINES, "after": after}})
            data = graphql_data(more)
            extra = field(data, "order.lineItems")
            connection.setdefault("nodes", []).extend(nodes(data["order"], "lineItems"))
            info = extra.get("pageInfo") or {}
            after = info.get("endCursor")

    # -- the other streams -------------------------------------------------------------------
    def _simple(self, http: HttpClient, context: SyncContext, stream: str, query: str,
                to_rows: Any, *, ordered: bool = True,
                connection: str | None = None) -> Iterator[Page]:
        cursor = self.updated_cursor(context, stream, ordered=ordered)
        paginator = _Paginator(queries.GRAPHQL_PATH, query,
                                     {"first": self.settings.page_size,
                                      "query": self.search(cursor)},
                                     connection or f"data.{stream}")
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
            yield from _pages(tables, stream, cursor.page_cursor(), response)
        yield Page(_first_table(stream), [], stream=stream, cursor=cursor.done())


def _inventory_tables(node: Any, source: str) -> dict[str, list[dict]]:
    snapshots, products = mapping.inventory_rows(node, source)
    return {"inventory_snapshots": snapshots, "products": products}


def _first_table(stream: str) -> str:
    return {"customers": "customers", "products": "products",
            "inventory": "inventory_snapshots", "abandoned_checkouts": "checkouts"}[stream]


def _pages(tables: dict[str, list[dict]], stream: str, cursor: str | None,
           response: HttpResponse | None) -> Iterator[Page]:
    """One Page per table of a response; the stream's cursor rides on the last one, so it
    is saved only once every table of the response is written."""
    filled = [(t, rows) for t, rows in tables.items() if rows]
    where = f"shopify {stream} page {response.page}" if response is not None else ""
    for index, (table, rows) in enumerate(filled):
        last = index == len(filled) - 1
        origins = [f"{where} {table} row {i}" for i in range(1, len(rows) + 1)] \
            if where else None
        yield Page(table, rows, stream=stream, cursor=cursor if last else None,
                   origins=origins)
