"""The HTTP sync machinery shared by every HTTP connector (see docs/writing-a-connector.md).

- ``HttpConnector`` / ``HttpSettings``: the base classes a connector subclasses;
- ``HttpClient``: requests with timeouts, retries, backoff, throttling hooks, checked
  responses (``HttpResponse.json()``/``.get()``) and streamed downloads (``stream_lines``);
- paginators: ``PageNumberPaginator``, ``LinkHeaderPaginator``, ``JsonCursorPaginator``,
  ``GraphQLPaginator``;
- ``UpdatedCursor``: incremental reading by update time with a lookback window;
- ``Redactor``: secrets masked in every message.
"""

from .client import HttpClient, HttpError, Request
from .connector import HttpConnector, page
from .cursors import UpdatedCursor, iso, parse_timestamp
from .paginators import (
    GraphQLPaginator,
    JsonCursorPaginator,
    LinkHeaderPaginator,
    PageNumberPaginator,
)
from .redact import Redactor
from .response import HttpResponse, ResponseError, get_path
from .retry import RetryPolicy, parse_retry_after
from .settings import HttpSettings

__all__ = [
    "GraphQLPaginator", "HttpClient", "HttpConnector", "HttpError", "HttpResponse",
    "HttpSettings", "JsonCursorPaginator", "LinkHeaderPaginator", "PageNumberPaginator",
    "Redactor", "Request", "ResponseError", "RetryPolicy", "UpdatedCursor", "get_path", "iso",
    "page", "parse_retry_after", "parse_timestamp",
]
