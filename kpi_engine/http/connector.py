"""``HttpConnector``: the base class of connectors that read a web API.

A subclass sets ``name``, ``settings_model`` (a subclass of ``HttpSettings``) and
``tables``, and implements ``read_http(http, context)``: a generator of ``Page``s that
uses ``http`` (an ``HttpClient`` with this connector's auth, timeouts and retries) and
paginators. The base class opens one client per sync, masks every secret of the settings
in errors, and offers hooks for authentication and API throttling.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from ..connectors import Connector, Page, SyncContext
from ..errors import KpiError, SyncError
from .client import HttpClient
from .cursors import UpdatedCursor
from .redact import Redactor
from .response import HttpResponse
from .settings import HttpSettings


class HttpConnector(Connector):
    settings_model: ClassVar[type[HttpSettings]] = HttpSettings
    settings: HttpSettings
    user_agent: ClassVar[str] = "kpi-engine"

    # -- to implement -----------------------------------------------------------------------
    def read_http(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        """Yield pages of canonical rows, stream after stream."""
        raise NotImplementedError

    # -- hooks to override ------------------------------------------------------------------
    def headers(self) -> Mapping[str, str]:
        """Headers sent with every request, e.g. ``{"X-Shopify-Access-Token": ...}``."""
        return {}

    def auth(self) -> httpx.Auth | tuple[str, str] | None:
        """httpx authentication, e.g. ``(key, secret)`` for HTTP Basic."""
        return None

    def retry_after(self, response: HttpResponse) -> float | None:
        """Seconds to wait before sending the same request again although it answered 2xx
        (a GraphQL ``THROTTLED`` error), or None to accept the response."""
        return None

    def pause_after(self, response: HttpResponse) -> float:
        """Seconds to pause before the next request (a cost bucket running low)."""
        return 0.0

    # -- the engine calls this --------------------------------------------------------------
    def read(self, context: SyncContext) -> Iterator[Page]:
        with self.client(log=context.progress) as http:
            try:
                yield from self.read_http(http, context)
            except KpiError:
                raise
            except Exception as exc:  # noqa: BLE001 - a connector bug, reported in one line
                # The engine would print the exception's text; it may hold a secret.
                raise SyncError(http.redactor.text(
                    f"connector {self.name!r} failed: {type(exc).__name__}: {exc}")) from None

    def client(self, log: Callable[[str], None] | None = None) -> HttpClient:
        """A client for one sync, set up from the settings and the hooks above; ``log``
        hears of each retry."""
        s = self.settings
        redactor = self.redactor()
        _guard_http_logs(redactor)
        deadline = time.monotonic() + s.sync_time_limit_seconds \
            if s.sync_time_limit_seconds else None
        return HttpClient(self.name, s.base_url, headers=self.headers(), auth=self.auth(),
                          timeout=s.timeout_seconds, policy=s.retry_policy(),
                          redactor=redactor, retry_hook=self.retry_after,
                          pause_hook=self.pause_after, deadline=deadline,
                          user_agent=self.user_agent, log=log)

    def redactor(self) -> Redactor:
        return Redactor.for_settings(self.settings)

    def updated_cursor(self, context: SyncContext, stream: str, *, ordered: bool = True
                       ) -> UpdatedCursor:
        """The ``updated_at`` cursor of ``stream`` with this connector's lookback and
        start date (see cursors.py)."""
        return UpdatedCursor(context, stream,
                             lookback=timedelta(minutes=self.settings.lookback_minutes),
                             start_date=self.settings.start_date, ordered=ordered)


class _MaskSecrets(logging.Filter):
    """httpx and httpcore log each request's URL at INFO/DEBUG: mask secrets there too."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad log record is not ours to fix
            return True
        masked = self.redactor.text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def _guard_http_logs(redactor: Redactor) -> None:
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, _MaskSecrets)]:
            logger.removeFilter(old)
        logger.addFilter(_MaskSecrets(redactor))


def page(table: str, rows: list[dict[str, Any]], *, stream: str | None = None,
         cursor: str | None = None, response: HttpResponse | None = None) -> Page:
    """A ``Page`` whose rows are located as ``stream page N record I`` in errors."""
    origins = None
    if response is not None:
        where = f"{response.info.connector} {response.stream} page {response.page}"
        origins = [f"{where} record {i}" for i in range(1, len(rows) + 1)]
    return Page(table, rows, stream=stream, cursor=cursor, origins=origins)
