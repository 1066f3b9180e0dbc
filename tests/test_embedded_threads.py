"""Threads of an embedded DuckDB under a memory limit (kpi_engine/embedded_threads.py).

DuckDB starts a thread per core, each reading the JSON with buffers of its own: on a
machine with many cores the Shopify bulk mapping ran out of its memory limit and fell
back to the order-by-order Python mapping. Threads are now capped by the limit, and an
out-of-memory scan is tried again on one thread before the file is left to the reference.
The many-core machine is this one with ``os.cpu_count`` answering 32: DuckDB starts as
many threads as it is told, whatever the cores."""

from __future__ import annotations

import os
import re

import pytest

from kpi_engine.embedded_threads import limit_mb, threads_within
from kpi_engine_plugins.shopify import bulk_sql
from kpi_engine_plugins.shopify.bulk_sql import Unusual, map_file

from .shopify_fake import load_fixtures
from .test_shopify_bulk_sql import _bulk_lines

COPIES = 3_000  # of the fixtures' six orders: about 40 MB of JSON Lines
_IDS = re.compile(r"(gid://shopify/(?:Order|LineItem|ShippingLine)/)")


def test_limits_read_as_duckdb_writes_them():
    assert limit_mb("200MB") == 200
    assert limit_mb("1.5GB") == 1500
    assert limit_mb("512MiB") == pytest.approx(536.87, abs=0.01)
    assert limit_mb(" 64 kb ") == pytest.approx(0.064)
    with pytest.raises(ValueError, match="not a memory size: '200'"):
        limit_mb("200")


@pytest.mark.parametrize(("limit", "cores", "threads"), [
    ("200MB", 2, 2), ("200MB", 32, 2), ("512MB", 32, 7), ("512MB", 4, 4),
    ("100MB", 32, 1), ("10MB", 1, 1), ("1GB", 64, 14)])
def test_threads_are_capped_by_the_limit_and_the_cores(limit, cores, threads):
    assert threads_within(limit, cores) == threads


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """The fixtures' shop copied COPIES times with ids of their own."""
    text = "\n".join(_bulk_lines(load_fixtures())) + "\n"
    path = tmp_path_factory.mktemp("bulk") / "orders.jsonl"
    with path.open("w") as out:
        for copy in range(1, COPIES + 1):
            out.write(_IDS.sub(rf"\g<1>{copy}0", text))
    assert path.stat().st_size > 35e6
    return path


def _mapped(path, folder):
    mapped = map_file(path, "s", folder)
    try:
        threads = mapped.con.execute("SELECT current_setting('threads')").fetchone()[0]
        counts = mapped.con.execute(
            "SELECT count(*), count(DISTINCT order_id), sum(subtotal) FROM orders").fetchone()
        lines = mapped.con.execute("SELECT count(*) FROM raw WHERE kind = 'line'").fetchone()
    finally:
        mapped.close()
    return threads, counts, lines[0]


def _expected():
    shop = load_fixtures()
    lines = sum(len(o["lineItems"]["nodes"]) for o in shop["orders"])
    return len(shop["orders"]) * COPIES, lines * COPIES


@pytest.mark.slow
def test_a_machine_with_many_cores_maps_a_large_file_in_sql(big_file, tmp_path,
                                                            monkeypatch):
    monkeypatch.setattr(bulk_sql, "MEMORY_LIMIT", "100MB")
    monkeypatch.setattr(os, "cpu_count", lambda: 32)
    threads, (orders, distinct, subtotal), lines = _mapped(big_file, tmp_path)
    assert threads == 1  # 100 MB holds one reading thread
    assert (orders, lines) == _expected() and distinct == orders and subtotal > 0


@pytest.mark.slow
def test_a_scan_out_of_memory_is_tried_again_on_one_thread(big_file, tmp_path,
                                                           monkeypatch):
    """32 threads under 100 MB run out of memory (the failure before the cap); the scan
    is then done again on one thread, in a database of its own. The embedded databases
    are in memory: neither leaves a file behind, nor any of its temporary files."""
    monkeypatch.setattr(bulk_sql, "MEMORY_LIMIT", "100MB")
    monkeypatch.setattr(bulk_sql, "threads_within", lambda limit: 32)
    threads, (orders, _, _), lines = _mapped(big_file, tmp_path)
    assert threads == 1
    assert (orders, lines) == _expected()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.slow
def test_a_limit_too_small_even_for_one_thread_leaves_the_file_to_the_reference(
        big_file, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk_sql, "MEMORY_LIMIT", "40MB")
    with pytest.raises(Unusual, match=r"^the embedded database ran out of its 40MB \("):
        map_file(big_file, "s", tmp_path)
