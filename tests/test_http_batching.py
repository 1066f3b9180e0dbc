"""PageBatcher: fewer, larger engine pages, the cursor always after the rows it covers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from kpi_engine import hookimpl
from kpi_engine.connectors import Page, SyncContext
from kpi_engine.extensions import reset_extensions
from kpi_engine.http import HttpConnector, HttpSettings, JsonCursorPaginator, PageBatcher
from kpi_engine.plugins import get_plugin_manager
from kpi_engine.testing import ReplayServer
from kpi_engine.testing.conformance import ConnectorCase, tables_of
from kpi_engine.warehouses.connect import connect

from .example_shop_api import TOKEN, serve


def _order(i: int) -> dict:
    return {"order_id": f"o{i}"}


def _line(i: int) -> dict:
    return {"order_id": f"o{i}", "line_id": "1"}


def test_batches_flush_when_full_with_the_cursor_page_last():
    batch = PageBatcher("orders", ("orders", "order_lines"), rows_per_page=50)
    pages: list[Page] = []
    for k in range(3):  # three responses of 20 orders with one line each
        ids = range(20 * k, 20 * k + 20)
        pages += batch.add("order_lines", [_line(i) for i in ids])
        pages += batch.add("orders", [_order(i) for i in ids], cursor=f"t{k}",
                           origins=[f"orders page {k + 1} record {i}" for i in ids])
    assert [(p.table, len(p.rows), p.cursor) for p in pages] == [
        ("order_lines", 40, None), ("orders", 40, "t1")]  # 80 rows buffered >= 50
    assert pages[1].origins[0] == "orders page 1 record 0" and pages[0].origins is None
    rest = list(batch.flush())
    assert [(p.table, len(p.rows), p.cursor) for p in rest] == [
        ("order_lines", 20, None), ("orders", 20, "t2")]
    assert list(batch.flush()) == []


def test_batches_start_at_one_response_and_double_up_to_rows_per_page():
    batch = PageBatcher("orders", ("orders",), rows_per_page=100, first_rows=1)
    sizes = []
    for k in range(20):  # responses of 10 orders
        for page in batch.add("orders", [_order(10 * k + i) for i in range(10)],
                              cursor=f"t{k}"):
            sizes.append((len(page.rows), page.cursor))
    assert sizes == [(10, "t0"), (20, "t2"), (40, "t6"), (80, "t14")]
    assert [len(p.rows) for p in batch.flush()] == [50]  # the rest, below 100


def test_a_cursor_without_rows_is_still_saved():
    batch = PageBatcher("customers", ("customers",))
    batch.set_cursor("2025-01-01T00:00:00Z")
    (page,) = batch.flush()
    assert (page.rows, page.stream, page.cursor) == ([], "customers", "2025-01-01T00:00:00Z")
    with pytest.raises(ValueError, match="not one of"):
        list(batch.add("refunds", []))


class BatchedSettings(HttpSettings):
    base_url: str = "https://api.example-shop.test"
    api_token: SecretStr


class BatchedShop(HttpConnector):
    """The Example Shop's orders through a batcher: 20-record API pages, 50-row writes."""

    name = "batched_shop"
    settings_model = BatchedSettings
    tables = ("orders", "order_lines")

    def read_http(self, http, context: SyncContext) -> Iterator[Page]:
        cursor = self.updated_cursor(context, "orders")
        batch = PageBatcher("orders", ("orders", "order_lines"), rows_per_page=50)
        pages = JsonCursorPaginator("/v1/orders", {"limit": 20}, next_cursor_path="next_cursor")
        for response in http.paginate(pages, stream="orders"):
            orders = response.get("orders", list)
            for o in orders:
                cursor.observe(o["updated_at"])
            yield from batch.add("order_lines", [
                {"order_id": o["id"], "line_id": ln["id"], "quantity": ln["quantity"]}
                for o in orders for ln in o["lines"]])
            yield from batch.add("orders", [{"order_id": o["id"], "total": o["total"]}
                                            for o in orders], cursor=cursor.page_cursor())
        yield from batch.flush()


class _Plugin:
    @hookimpl
    def kpi_register_connectors(self, register):
        register(BatchedShop)


def test_a_batched_connector_loads_everything_in_fewer_pages(tmp_path):
    from kpi_engine.sync.engine import run_sync

    pm = get_plugin_manager()
    plugin = _Plugin()
    pm.register(plugin, name="test-batching")
    reset_extensions()
    try:
        with ReplayServer() as server:
            serve(server, 5)  # 5 API pages of 20 orders, one line each
            url = f"duckdb:///{tmp_path}/b.duckdb"
            wh = connect(url, create=True)
            try:
                report = run_sync("batched_shop", wh, {"base_url": server.url,
                                                       "api_token": TOKEN})
            finally:
                wh.close()
            tables = tables_of(ConnectorCase("batched_shop"), url)
    finally:
        pm.unregister(plugin)
        reset_extensions()
    assert report.pages == 6 and report.rows == {"order_lines": 100, "orders": 100}
    assert len(tables["orders"]) == 100 and len(tables["order_lines"]) == 100
    assert report.cursors == {"orders": "2025-03-05T12:30:00Z"}
