"""One HTTP response, checked before any of its rows can reach the warehouse.

A vendor API sometimes answers 200 with an HTML error page, or the connection drops
mid-body and leaves truncated JSON, or the JSON lacks the field a connector reads. Each is
reported as one ``ResponseError`` line naming the connector, stream, page and (redacted)
URL, raised while the connector reads the page, so the engine never writes it: the
warehouse stays as it was before that page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..errors import SyncError
from ..sync.json_fields import Path, lookup
from .redact import MAX_SHOWN, Redactor


class ResponseError(SyncError):
    """A response that is not what the API documents (not JSON, truncated, wrong shape)."""


@dataclass
class RequestInfo:
    """Who asked for a response: names for error messages."""

    connector: str
    stream: str
    page: int  # 1-based, within the stream
    url: str  # already redacted

    def where(self) -> str:
        return f"connector {self.connector!r}, stream {self.stream!r}, page {self.page} " \
               f"({self.url})"


class HttpResponse:
    """A finished response: ``status``, ``headers`` (case-insensitive), ``text``,
    ``json()`` validated once, and ``get(path, type)`` to read a field or fail clearly."""

    def __init__(self, status: int, headers: Any, content: bytes, info: RequestInfo,
                 redactor: Redactor, links: dict[str, dict[str, str]] | None = None):
        self.status = status
        self.headers = headers
        self.content = content
        self.info = info
        self.redactor = redactor
        self.links = links or {}
        self._parsed: Any = _UNSET

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def page(self) -> int:
        return self.info.page

    @property
    def stream(self) -> str:
        return self.info.stream

    def error(self, problem: str) -> ResponseError:
        """One clear error about this response (secrets masked)."""
        return ResponseError(self.redactor.text(f"{self.info.where()}: {problem}"))

    def json(self) -> Any:
        """The body as JSON, or a ResponseError: an HTML page, an empty or truncated body."""
        if self._parsed is _UNSET:
            self._parsed = self._parse()
        return self._parsed

    def try_json(self) -> Any:
        """The body as JSON, or None when it is not JSON (for throttle hooks)."""
        try:
            return self.json()
        except ResponseError:
            return None

    def _parse(self) -> Any:
        body = self.content.lstrip()
        if not body:
            raise self.error("the response body is empty, expected JSON")
        kind = self.headers.get("content-type", "")
        if body[:1] == b"<" or "html" in kind.lower():
            title = _html_title(self.text)
            raise self.error(f"expected JSON, got an HTML page (HTTP {self.status}"
                             f"{', ' + repr(title) if title else ''}): the API or a proxy "
                             "in front of it returned an error page")
        try:
            return json.loads(body)
        except UnicodeDecodeError:
            raise self.error("the response is not UTF-8 JSON") from None
        except json.JSONDecodeError as exc:
            # Cut short: the parser ran into the end, or into a string never closed.
            truncated = exc.pos >= len(body.rstrip()) - 1 or exc.msg.startswith(
                "Unterminated")
            what = "truncated JSON (the body ends early)" if truncated else "invalid JSON"
            raise self.error(f"{what}: {exc.msg} at character {exc.pos} of "
                             f"{len(body)}") from None

    def get(self, path: Path, expected: type | tuple[type, ...] | None = None, *,
            required: bool = True, default: Any = None) -> Any:
        """The value at ``path`` in the JSON body (``"meta.next_cursor"`` or
        ``("data", "orders", "edges")``), checked against ``expected``; a missing value is
        a ResponseError unless ``required=False`` (then ``default``)."""
        return lookup(self.json(), path, expected, required=required, default=default,
                      fail=self.error)


_UNSET = object()

# Kept under its first name: connector authors import it from kpi_engine.http.
get_path = lookup


def _html_title(text: str) -> str:
    lower = text.lower()
    start = lower.find("<title>")
    end = lower.find("</title>")
    if 0 <= start < end:
        return " ".join(text[start + 7:end].split())[:80]
    return " ".join(text.split())[:60] if len(text) < MAX_SHOWN else ""
