"""The HTTP sync machinery shared by every HTTP connector (see docs/writing-a-connector.md).

- ``HttpConnector`` / ``HttpSettings``: the base classes a connector subclasses;
- ``HttpClient``: requests with timeouts, retries, backoff, throttling hooks, checked
  responses (``HttpResponse.json()``/``.get()``) and streamed downloads (``stream_lines``);
- paginators: ``PageNumberPaginator``, ``LinkHeaderPaginator``, ``JsonCursorPaginator``,
  ``GraphQLPaginator``;
- ``UpdatedCursor``: incremental reading by update time with a lookback window;
- ``throttled_wait``/``bucket_pause``/``check_graphql``: GraphQL errors and cost-based
  throttling (ready ``retry_after``/``pause_after`` hooks);
- ``PageBatcher``: rows of many small API pages written as fewer, larger pages;
- ``Redactor``: secrets masked in every message.
"""

from .batching import PageBatcher
from .client import HttpClient, HttpError, Request
from .connector import HttpConnector, page
from .cursors import UpdatedCursor, iso, parse_timestamp
from .graphql import bucket_pause, check_graphql, graphql_errors, throttled_wait
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
    "GraphQLPaginator", "PageBatcher", "HttpClient", "HttpConnector", "HttpError", "HttpResponse",
    "HttpSettings", "JsonCursorPaginator", "LinkHeaderPaginator", "PageNumberPaginator",
    "Redactor", "Request", "ResponseError", "RetryPolicy", "UpdatedCursor", "get_path", "iso",
    "page", "parse_retry_after", "parse_timestamp", "bucket_pause", "check_graphql",
    "graphql_errors", "throttled_wait",
]
