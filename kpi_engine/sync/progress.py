"""What the engine tells a progress display after each page it loaded (or checked)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PageDone:
    table: str
    stream: str
    rows: int  # in this page
    table_rows: int  # of this table so far in this run
    page: int  # pages of this run so far, all streams
    written: bool = True  # False: only checked (an atomic load that already failed)


OnPage = Callable[[PageDone], None]
