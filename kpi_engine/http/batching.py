"""Fewer, larger pages: rows of several API responses handed to the engine together.

Each page the engine writes costs a transaction and a merge (tens of milliseconds on
DuckDB), so an API that answers 100 records at a time loads far slower than its network
allows. ``PageBatcher`` collects rows per table until ``rows_per_page`` are buffered, then
yields one page per table, the stream's cursor on the last of them: a sync killed between
two of those pages resumes from the cursor before them, so no row is skipped. Memory stays
bounded by ``rows_per_page``.

With ``first_rows``, batches start small and double up to ``rows_per_page``: the first
response is committed at once (a short sync, or one killed early, keeps its work) and a
long one soon writes full batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..connectors import Page


class PageBatcher:
    """``for r in responses: yield from batch.add("orders", rows, cursor=...)``, then
    ``yield from batch.flush()``. ``tables`` fixes the order pages are yielded in; the
    cursor rides on the page of ``stream`` (its first table by default), yielded last."""

    def __init__(self, stream: str, tables: tuple[str, ...], *, rows_per_page: int = 5000,
                 cursor_table: str | None = None, first_rows: int | None = None):
        if not tables:
            raise ValueError("PageBatcher needs at least one table")
        self.stream = stream
        self.cursor_table = cursor_table or tables[0]
        self.order = [t for t in tables if t != self.cursor_table] + [self.cursor_table]
        self.rows_per_page = rows_per_page
        self._limit = max(1, min(first_rows, rows_per_page)) if first_rows else rows_per_page
        self._rows: dict[str, list[dict[str, Any]]] = {t: [] for t in self.order}
        self._origins: dict[str, list[str] | None] = {t: [] for t in self.order}
        self._cursor: str | None = None
        self._buffered = 0

    def add(self, table: str, rows: list[dict[str, Any]], *, cursor: str | None = None,
            origins: list[str] | None = None) -> Iterator[Page]:
        """Buffer ``rows`` of ``table`` (and the stream's cursor once they are all
        written). Add each response's rows of the cursor table last: then, when
        ``rows_per_page`` rows are buffered, the buffered pages are yielded."""
        if table not in self._rows:
            raise ValueError(f"table {table!r} is not one of {self.order}")
        self._rows[table].extend(rows)
        kept = self._origins[table]
        if kept is not None and origins is not None and len(origins) == len(rows):
            kept.extend(origins)
        elif rows:
            self._origins[table] = None  # unlocated rows: the engine numbers them
        self._buffered += len(rows)
        if cursor is not None:
            self._cursor = cursor
        # Full batches are written after the cursor table's rows (a response's last
        # add), so one response's rows of all tables go out together.
        if table == self.cursor_table and self._buffered >= self._limit:
            self._limit = min(max(self._limit, self._buffered) * 2, self.rows_per_page)
            yield from self.flush()

    def set_cursor(self, cursor: str | None) -> None:
        """The cursor to save with the next flush (rows added so far are before it)."""
        if cursor is not None:
            self._cursor = cursor

    def flush(self) -> Iterator[Page]:
        """Everything buffered, one page per table with rows, the cursor page last."""
        for table in self.order:
            rows, origins = self._rows[table], self._origins[table]
            carries = table == self.cursor_table and self._cursor is not None
            if rows or carries:
                self._rows[table], self._origins[table] = [], []
                if origins is not None and len(origins) != len(rows):
                    origins = None
                yield Page(table, rows, stream=self.stream if carries else None,
                           cursor=self._cursor if carries else None, origins=origins)
                del rows, origins
        self._cursor = None
        self._buffered = 0
