"""The sync engine's pause of the cyclic garbage collector (kpi_engine/sync/gc_pause.py)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from kpi_engine import hookimpl
from kpi_engine.connectors import Connector, ConnectorSettings, Page, SyncContext
from kpi_engine.extensions import reset_extensions
from kpi_engine.plugins import get_plugin_manager
from kpi_engine.sync import gc_pause
from kpi_engine.sync.engine import run_sync
from kpi_engine.warehouses.connect import connect


def _cycle() -> None:
    a: list = []
    a.append(a)


def test_paused_while_syncing_and_restored_after():
    assert gc.isenabled()
    with gc_pause.gc_paused():
        assert not gc.isenabled()
        with gc_pause.gc_paused():  # nested: still paused
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_stays_off_when_it_was_off():
    gc.disable()
    try:
        with gc_pause.gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_restored_after_an_error():
    try:
        with gc_pause.gc_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def test_cyclic_garbage_is_collected_on_the_row_budget(monkeypatch):
    monkeypatch.setattr(gc_pause, "ROWS_PER_COLLECTION", 1_000)
    runs: list[str] = []

    def seen(phase, info):
        if phase == "stop" and info["generation"] == 2:
            runs.append("full")

    gc.callbacks.append(seen)
    try:
        with gc_pause.gc_paused():
            for _ in range(5):
                _cycle()
            gc_pause.rows_done(999)
            assert runs == []  # within the budget: nothing collected
            gc_pause.rows_done(1)
            assert runs == ["full"]
    finally:
        gc.callbacks.remove(seen)


def test_two_threads_share_one_pause():
    inside = threading.Event()
    release = threading.Event()

    def sync():
        with gc_pause.gc_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=sync)
    thread.start()
    inside.wait(10)
    with gc_pause.gc_paused():
        pass
    assert not gc.isenabled()  # the other sync is still running
    release.set()
    thread.join(10)
    assert gc.isenabled()


class _ColumnPages(Connector):
    """Pages given in columns (Arrow), then one page of row dicts."""

    name = "test_column_pages"
    settings_model = ConnectorSettings

    def read(self, context: SyncContext) -> Iterator[Page]:
        import pyarrow as pa

        for start in (0, 50):
            ids = [f"o{i}" for i in range(start, start + 50)]
            yield Page("orders", [], arrow=pa.table({
                "order_id": ids, "created_at": pa.array([datetime(2024, 3, 1)] * 50),
                "total": pa.array([Decimal("2.5")] * 50, pa.decimal128(18, 4))}))
        yield Page("refunds", [{"refund_id": "r1", "order_id": "o1", "amount": "1.00",
                                "created_at": "2024-03-02T00:00:00Z"}])


class _Plugin:
    @hookimpl
    def kpi_register_connectors(self, register):
        register(_ColumnPages)


def test_rows_given_in_columns_do_not_count_towards_a_collection(monkeypatch, tmp_path):
    """An Arrow page makes no Python object per row: its rows spend none of the budget
    (a collection then scans the whole heap for nothing); row pages still do."""
    monkeypatch.setattr(gc_pause, "ROWS_PER_COLLECTION", 100)
    pm = get_plugin_manager()
    plugin = _Plugin()
    pm.register(plugin, name="test-column-pages")
    reset_extensions()
    full: list[str] = []

    def seen(phase, info):
        if phase == "stop" and info["generation"] == 2:
            full.append(phase)

    gc.callbacks.append(seen)
    wh = connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        report = run_sync("test_column_pages", wh, {})
        assert report.rows == {"orders": 100, "refunds": 1}
        assert full == []  # 100 rows in columns, 1 in a row page: within the budget
        gc_pause.ROWS_PER_COLLECTION = 1
        run_sync("test_column_pages", wh, {})
        assert full == ["stop"]  # the row page alone spends a budget of one row
    finally:
        wh.close()
        gc.callbacks.remove(seen)
        pm.unregister(plugin)
        reset_extensions()
