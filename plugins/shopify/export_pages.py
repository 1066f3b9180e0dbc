"""Pages of the orders CSV export (see csv_export.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kpi_engine.connectors import Page
from kpi_engine.errors import SyncError

from .csv_export import read_orders_export, strip_private


def export_pages(path: Path, source: str) -> Iterator[Page]:
    if not path.is_file():
        raise SyncError(f"shopify: orders_export '{path}' is not a file")
    for orders, lines, order_origins, line_origins in read_orders_export(path, source):
        yield Page("orders", strip_private(orders), stream="orders_export",
                   origins=order_origins)
        yield Page("order_lines", lines, stream="orders_export", origins=line_origins)
