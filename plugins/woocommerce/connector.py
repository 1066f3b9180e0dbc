"""The ``woocommerce`` connector: orders, refunds, customers and products from REST API v3.

Every list is read ``per_page`` records at a time by page number (``X-WP-TotalPages``
says when to stop), oldest id first. Orders and products are read incrementally with
``modified_after`` (``dates_are_gmt=true``), refunds with ``after`` (a refund is never
edited, only created); customers have no such filter, so every page is read and only the
customers changed since the last sync are written. The shared HTTP machinery
(``kpi_engine.http``) retries 429s, 5xx and dropped connections with backoff.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kpi_engine.connectors import Page, SyncContext
from kpi_engine.http import HttpClient, HttpConnector, HttpResponse, PageNumberPaginator, page
from kpi_engine.http.cursors import UpdatedCursor, parse_timestamp
from kpi_engine.sync.json_fields import FieldError, Record, records

from .mapping import Options, customer_row, order_rows, product_row, refund_row
from .settings import WooCommerceSettings

API = "wp-json/wc/v3/"


class WooCommerceConnector(HttpConnector):
    name = "woocommerce"
    description = "WooCommerce REST API v3: orders, refunds, customers, products"
    settings_model = WooCommerceSettings
    tables = ("orders", "order_lines", "refunds", "customers", "products")
    settings: WooCommerceSettings

    def auth(self) -> tuple[str, str]:
        # HTTP Basic with the consumer key and secret, as WooCommerce documents for HTTPS.
        return (self.settings.consumer_key.get_secret_value(),
                self.settings.consumer_secret.get_secret_value())

    def read_http(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        s = self.settings
        options = Options(source=s.source, status_map=dict(s.status_map),
                          item_cost_keys=tuple(s.item_cost_meta_keys),
                          product_cost_keys=tuple(s.product_cost_meta_keys))
        # "any" leaves out orders in the bin: a second pass reads those, so an order moved
        # to the bin after an earlier sync stops counting.
        yield from self._orders(http, context, options, "orders", "any")
        yield from self._orders(http, context, options, "orders_trash", "trash")
        yield from self._refunds(http, context, options)
        yield from self._customers(http, context, options)
        yield from self._products(http, context, options)

    # -- streams ----------------------------------------------------------------------------
    def _orders(self, http: HttpClient, context: SyncContext, options: Options,
                stream: str, status: str) -> Iterator[Page]:
        cursor = self.updated_cursor(context, stream)
        params = {"status": status, **self._since("modified_after", cursor)}
        for response in self._pages(http, "orders", params, stream):
            orders, lines = [], []
            for record in _records(response):
                cursor.observe(_mapped(response, record.text, "date_modified_gmt", False))
                row, order_lines = _mapped(response, order_rows, record, options)
                orders.append(row)
                lines.extend(order_lines)
            # Lines first: the orders page is the one whose commit completes the response.
            if lines:
                yield page("order_lines", lines, stream=stream + "_lines", response=response)
            if orders:
                yield page("orders", orders, stream=stream, response=response)
        yield from _finished("orders", stream, cursor)

    def _refunds(self, http: HttpClient, context: SyncContext, options: Options
                 ) -> Iterator[Page]:
        # Oldest first by creation date, so each page's newest refund is a safe cursor.
        cursor = self.updated_cursor(context, "refunds")
        params = {"orderby": "date", **self._since("after", cursor)}
        for response in self._pages(http, "refunds", params, "refunds"):
            rows = []
            for record in _records(response):
                cursor.observe(_mapped(response, record.text, "date_created_gmt", False))
                rows.append(_mapped(response, refund_row, record, options))
            yield page("refunds", rows, stream="refunds", cursor=cursor.page_cursor(),
                       response=response)
        yield from _finished("refunds", "refunds", cursor)

    def _customers(self, http: HttpClient, context: SyncContext, options: Options
                   ) -> Iterator[Page]:
        cursor = self.updated_cursor(context, "customers")
        since = cursor.since
        for response in self._pages(http, "customers", {"role": "all"}, "customers"):
            rows = []
            for record in _records(response):
                changed = parse_timestamp(
                    _mapped(response, record.text, "date_modified_gmt", False)
                    or _mapped(response, record.text, "date_created_gmt"))
                cursor.observe(changed)
                if since is None or changed is None or changed >= since:
                    rows.append(_mapped(response, customer_row, record, options))
            yield page("customers", rows, stream="customers", response=response)
        yield from _finished("customers", "customers", cursor)

    def _products(self, http: HttpClient, context: SyncContext, options: Options
                  ) -> Iterator[Page]:
        cursor = self.updated_cursor(context, "products")
        params = self._since("modified_after", cursor)
        for response in self._pages(http, "products", params, "products"):
            rows: list[dict[str, Any]] = []
            for record in _records(response):
                cursor.observe(_mapped(response, record.text, "date_modified_gmt", False))
                if _mapped(response, record.text, "type", False) == "variable":
                    # The parent is not sold itself: one row per variation instead.
                    product_id = _mapped(response, record.ident, "id")
                    rows.extend(self._variations(http, record, product_id, options))
                else:
                    rows.append(_mapped(response, product_row, record, options))
            yield page("products", rows, stream="products", response=response)
        yield from _finished("products", "products", cursor)

    def _variations(self, http: HttpClient, product: Record, product_id: str,
                    options: Options) -> Iterator[dict[str, Any]]:
        for response in self._pages(http, f"products/{product_id}/variations", {},
                                    "product_variations"):
            for variation in _records(response):
                yield _mapped(response, product_row, product, options, variation)

    # -- helpers ----------------------------------------------------------------------------
    def _pages(self, http: HttpClient, path: str, params: dict[str, Any], stream: str
               ) -> Iterator[HttpResponse]:
        paginator = PageNumberPaginator(
            API + path, {"orderby": "id", "order": "asc", **params},
            per_page=self.settings.per_page)
        yield from http.paginate(paginator, stream=stream)

    @staticmethod
    def _since(param: str, cursor: UpdatedCursor) -> dict[str, str]:
        since = cursor.since_iso()
        return {param: since, "dates_are_gmt": "true"} if since else {}


def _finished(table: str, stream: str, cursor: UpdatedCursor) -> Iterator[Page]:
    """The stream's cursor once all of it was read: the newest change seen (never after
    the sync's start). Streams listed by id save nothing before that, so a killed sync
    reads them again from the old cursor; nothing seen keeps the old cursor as it is."""
    if cursor.newest is not None:
        yield Page(table, [], stream=stream, cursor=cursor.done())


def _records(response: HttpResponse) -> Iterator[Record]:
    """The page's records; a body that is not a list of objects is one clear error."""
    try:
        yield from records(response.json(), "the body")
    except FieldError as exc:
        raise response.error(str(exc)) from None


def _mapped(response: HttpResponse, mapper: Any, *args: Any) -> Any:
    """``mapper(*args)``, its complaint about a field raised as this response's error."""
    try:
        return mapper(*args)
    except FieldError as exc:
        raise response.error(str(exc)) from None
