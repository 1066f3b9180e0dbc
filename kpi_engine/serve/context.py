"""What the server works with: the registry, the project's defaults, and a warehouse
it reaches one request at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr


class Warehouses:
    """A warehouse per request (connected, used, closed — the DuckDB file stays free for
    ``kpi sync`` in between), or one shared connection used by one request at a time
    (``kpi demo --serve``'s in-memory store)."""

    def __init__(self, connect: Callable[[], Any] | None = None, shared: Any = None):
        if (connect is None) == (shared is None):
            raise ValueError("give connect or shared")
        self._connect = connect
        self._shared = shared
        self._lock = threading.Lock()

    @contextmanager
    def use(self) -> Iterator[Any]:
        if self._shared is not None:
            with self._lock:  # a DuckDB connection serves one statement at a time
                yield self._shared
            return
        wh = self._connect()
        try:
            yield wh
        finally:
            wh.close()


@dataclass
class ServeContext:
    registry: Any
    project: Any
    warehouses: Warehouses
    timezone: str = "UTC"
    week_start: str = "monday"
    currency: str | None = None  # reporting currency (conversion)
    display_currency: str | None = None  # code money is shown in on the page
    token: SecretStr | None = None
    loopback: bool = True
    cache_ttl: float = 60.0
    default_period: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
