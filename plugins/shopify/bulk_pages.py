"""The pages of a downloaded bulk file: mapped in DuckDB, or by the reference mapping.

The common case (bulk_sql.py): the whole file is read, checked and mapped in an embedded
DuckDB and the refunds' parts are read, all before the first page is handed over, so a
bad file or a failed refund request changes nothing in the warehouse. Orders, lines and
checkouts are written to Arrow files and the embedded database is closed; they then go
to the engine as Arrow pages of ``ARROW_PAGE_ROWS`` rows.

A file not in the documented shape is mapped order by order by the reference
(bulk.py's pages), after a first pass over the whole file with the same mapping that
raises its error (naming the line, or the order and its field) before any page is
written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from kpi_engine.connectors import Page
from kpi_engine.errors import SyncError
from kpi_engine.http import HttpClient

from . import mapping
from .bulk_jsonl import read_groups
from .bulk_refunds import complete_refunds
from .bulk_sql import Unusual, map_file
from .values import ShopifyDataError

# Four of DuckDB's row groups (122,880 rows each): the warehouse commits once a page, and
# DuckDB merges each commit's rows into the table's primary-key index; pages of 245,760
# rows cost the warehouse's part of a 200,000-order sync about 0.2 s more, 100,000-row
# pages 1.5 s more (docs/connectors/shopify.md). The warehouses that take rows get a
# page 50,000 rows at a time (warehouses/base.py ROW_SLICE).
ARROW_PAGE_ROWS = 491_520
# The embedded database hands its tables over in batches of this size, joined again into
# pages: a batch is held once in DuckDB's result and once in the Arrow file's writer,
# not a whole page (a quarter page against a whole one: peak memory of the mapping 348
# against 400 MB for 200,000 orders).
EXPORT_ROWS = 61_440
REFUND_PAGE_ROWS = 5_000
_REFUND_BATCH = 500  # orders whose refunds are completed together
LABEL = "shopify orders (bulk file)"

Reference = Callable[[Path, str, HttpClient], Iterator[Page]]


def file_pages(path: Path, source: str, http: HttpClient, folder: Path,
               progress: Callable[[str], None], reference: Reference,
               field_of: Callable[[dict], str]) -> Iterator[Page]:
    try:
        mapped = map_file(path, source, folder)
    except Unusual as exc:
        progress(f"shopify: the bulk file is not in the documented shape ({exc}); "
                 "mapping it order by order")
        check_file(path, source, field_of)
        yield from reference(path, source, http)
        return
    try:
        refunds = _refund_rows(mapped, source, http)
        files = mapped.export(folder, EXPORT_ROWS)
    finally:
        mapped.close()
    for table, file in files.items():
        yield from _arrow_pages(table, file)
    for start in range(0, len(refunds), REFUND_PAGE_ROWS):
        yield Page("refunds", refunds[start:start + REFUND_PAGE_ROWS], stream="orders")


def _arrow_pages(table: str, file: Path, rows: int = 0) -> Iterator[Page]:
    """The pages of one exported table, read a batch at a time (not memory-mapped).
    Consecutive batches are joined into pages of up to ``rows`` rows (default
    ``ARROW_PAGE_ROWS``): DuckDB's parallel export hands over batches of uneven sizes
    (200,000 orders came as 77,120 and 122,880 rows), and each page is a commit. The
    mapping has refused repeated order ids and line keys (bulk_sql's ``_PROBLEMS``), so
    each page says that its keys are unique."""
    import pyarrow as pa

    rows = rows or ARROW_PAGE_ROWS
    with pa.OSFile(str(file), "rb") as source:
        reader = pa.ipc.open_file(source)
        held: list = []
        count = 0
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            if held and count + batch.num_rows > rows:
                yield Page(table, [], stream="orders", arrow=pa.Table.from_batches(held),
                           keys_unique=True)
                held, count = [], 0
            held.append(batch)
            count += batch.num_rows
        if held:
            yield Page(table, [], stream="orders", arrow=pa.Table.from_batches(held),
                       keys_unique=True)


def _order_error(number: int, order_id: Any, exc: Exception) -> SyncError:
    return SyncError(f"shopify orders (bulk): order {order_id!r:.60} (number {number} of "
                     f"the file): {exc}")


def _refund_rows(mapped: Any, source: str, http: HttpClient) -> list[dict]:
    """The refunds rows, by the reference's refund_row, once their parts are read."""
    rows: list[dict] = []
    batch: list[tuple[str, dict]] = []

    def flush() -> None:
        complete_refunds(http, [order for _, order in batch])
        for order_id, order in batch:
            try:
                rows.extend(mapping.refund_row(r, order_id, source) for r in order["refunds"])
            except ShopifyDataError as exc:
                raise _order_error(mapped.order_number(order["id"]), order["id"], exc) \
                    from None
        batch.clear()

    for gid, order_id, refunds in mapped.orders_with_refunds():
        batch.append((order_id, {"id": gid, "refunds": orjson.loads(refunds)}))
        if len(batch) >= _REFUND_BATCH:
            flush()
    flush()
    return rows


def check_file(path: Path, source: str, field_of: Callable[[dict], str]) -> None:
    """Map every order of the file with the reference and drop the rows: raises the
    reference's error before any page is written. Refunds are checked without their
    parts (read from the API only when the pages are made)."""
    for number, group in enumerate(read_groups(path, label=LABEL, field_of=field_of), 1):
        refunds = group.get("refunds")
        if isinstance(refunds, list):
            group["refunds"] = [{"refundLineItems": {"nodes": []},
                                 "orderAdjustments": {"nodes": []}, **r}
                                if isinstance(r, dict) else r for r in refunds]
        try:
            mapping.order_rows(group, source)
        except ShopifyDataError as exc:
            raise _order_error(number, group.get("id"), exc) from None
