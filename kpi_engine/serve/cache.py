"""Results cached per request for a while: a dashboard polling the same query every few
seconds costs the warehouse one statement per ``ttl``. Bounded in entries (least recently
used goes first), so any number of distinct requests uses bounded memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 512


class TTLCache:
    def __init__(self, ttl: float, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            item = self._items.get(key)
            if item is None or self.ttl <= 0:
                return False, None
            stored, value = item
            if self._clock() - stored >= self.ttl:
                del self._items[key]
                return False, None
            self._items.move_to_end(key)
            return True, value

    def put(self, key: Hashable, value: Any) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._items[key] = (self._clock(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
