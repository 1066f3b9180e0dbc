"""Atomic (all-or-nothing) loads on every engine with transactions: pages are merged one
at a time inside one transaction, so memory holds one page whatever the load's size, and
a bad row on the last page still leaves every table, cursor and table list as it was."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from kpi_engine import hookimpl
from kpi_engine.connectors import Connector, ConnectorSettings, Page, SyncContext
from kpi_engine.errors import SyncError
from kpi_engine.extensions import reset_extensions
from kpi_engine.plugins import get_plugin_manager
from kpi_engine.sync.engine import run_sync

ENGINES = ["duckdb", "sqlite", "postgresql", "mariadb"]


def order(i: int, total: str = "10.00") -> dict[str, Any]:
    return {"order_id": f"o{i}", "created_at": "2024-03-01T10:00:00Z", "total": total,
            "status": "paid"}


class StreamSettings(ConnectorSettings):
    pages: int = 3
    rows: int = 100
    bad_last: bool = False


class Stream(Connector):
    """A page of refunds, then pages of generated orders, each watched by a weak reference
    so a test can see which pages are still alive."""

    name = "test_stream"
    settings_model = StreamSettings
    atomic = True
    alive_at_read: ClassVar[list[int]] = []  # pages still alive when each page is built
    settings: StreamSettings

    def read(self, context: SyncContext) -> Iterator[Page]:
        yield Page("refunds", [{"refund_id": "r1", "order_id": "o1", "amount": "1.00",
                                "created_at": "2024-03-02T00:00:00Z"}])
        refs: list[weakref.ref] = []
        n = self.settings.rows
        for p in range(self.settings.pages):
            gc.collect()
            type(self).alive_at_read.append(sum(r() is not None for r in refs))
            rows = [order(p * n + i, "20.00") for i in range(n)]
            if self.settings.bad_last and p == self.settings.pages - 1:
                rows[-1]["total"] = "twelve"
            page = Page("orders", rows, cursor=f"2024-03-0{p + 1}")
            refs.append(weakref.ref(page))
            yield page
            del page, rows


class _Plugin:
    @hookimpl
    def kpi_register_connectors(self, register):
        register(Stream)


@pytest.fixture(autouse=True)
def stream_connector():
    pm = get_plugin_manager()
    plugin = _Plugin()
    pm.register(plugin, name="test-atomic-load")
    reset_extensions()
    Stream.alive_at_read.clear()
    yield
    pm.unregister(plugin)
    reset_extensions()


def orders_of(wh) -> list[tuple[str, float]]:
    rows = wh.query(f"SELECT order_id, total FROM {wh.qualify('orders')} "
                    "ORDER BY order_id").rows
    return [(k, float(v)) for k, v in rows]


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_a_bad_row_on_the_last_page_leaves_everything_as_it_was(warehouse_factory, engine):
    wh = warehouse_factory(engine)
    run_sync("test_stream", wh, {"pages": 1, "rows": 5})  # o0..o4 at 20.00, refunds r1
    wh.drop_table("refunds")  # so the failed run would have to create it
    before = orders_of(wh)
    cursor = wh.get_state("test_stream", "orders")
    with pytest.raises(SyncError, match=r"1 problem in the data; nothing was loaded"):
        run_sync("test_stream", wh, {"pages": 3, "rows": 40, "bad_last": True})
    assert orders_of(wh) == before and len(before) == 5
    assert wh.get_state("test_stream", "orders") == cursor == "2024-03-01"
    assert not wh.table_exists("refunds")  # made during the failed run, gone again


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_pages_are_merged_one_at_a_time_and_counted(warehouse_factory, engine):
    wh = warehouse_factory(engine)
    report = run_sync("test_stream", wh, {"pages": 4, "rows": 50})
    # When each page is built, no earlier page is still held by the engine or warehouse.
    assert Stream.alive_at_read == [0, 0, 0, 0]
    assert report.rows == {"orders": 200, "refunds": 1}
    counts = report.merged["orders"]
    assert (counts.inserted, counts.updated, counts.unchanged) == (200, 0, 0)
    again = run_sync("test_stream", wh, {"pages": 4, "rows": 60})
    counts = again.merged["orders"]
    assert (counts.inserted, counts.updated, counts.unchanged) == (40, 0, 200)
    assert "orders 240 (40 inserted, 0 updated, 200 unchanged)" in again.summary()
    assert wh.get_state("test_stream", "orders") == "2024-03-04"
    assert len(orders_of(wh)) == 240
