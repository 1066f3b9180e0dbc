"""The cyclic garbage collector paused while a sync moves rows, collecting on a budget.

A sync builds and drops millions of small containers (parsed JSON objects, row dicts,
tuples) and keeps a page or a bulk file's window of them alive. CPython's automatic
collector counts allocations, so it runs full collections over those live objects again
and again: about a quarter of a bulk sync's CPU time, for nothing, as these objects hold
no reference cycles (reference counting frees them). So while a sync runs, automatic
collection is off and a full collection runs after every ``ROWS_PER_COLLECTION`` rows:
cyclic garbage, if any is made, is still freed, and memory stays bounded.

Nested and concurrent syncs (threads) share one pause: the collector is switched back
on when the last one ends, and only if it was on when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

ROWS_PER_COLLECTION = 250_000

_lock = threading.Lock()
_active = 0
_was_enabled = False
_rows_since = 0


@contextmanager
def gc_paused() -> Iterator[None]:
    global _active, _was_enabled, _rows_since
    with _lock:
        if _active == 0:
            _was_enabled = gc.isenabled()
            _rows_since = 0
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _was_enabled:
                gc.enable()


def rows_done(count: int) -> None:
    """Count rows handled; a full collection once the budget is spent (while paused)."""
    global _rows_since
    with _lock:
        if not _active:
            return
        _rows_since += count
        if _rows_since < ROWS_PER_COLLECTION:
            return
        _rows_since = 0
    gc.collect()
