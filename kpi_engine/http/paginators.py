"""How to get from one page of an API to the next.

A paginator has two methods: ``first()`` is the first request, ``next(request, response)``
the request for the page after ``response``, or None when it was the last. The client's
``paginate`` drives it; the connector turns each response into a ``Page``. The styles
here cover the common APIs; for another one write a class with those two methods.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .client import Request
from .graphql import check_graphql
from .response import HttpResponse, Path


@dataclass
class PageNumberPaginator:
    """``?page=1&per_page=100``, then 2, 3, ... (WooCommerce, WordPress).

    Stops after the page given by the ``total_pages_header`` (``X-WP-TotalPages``); without
    that header, after a page with fewer than ``per_page`` records (the records are the
    body, or the list at ``records_path``).
    """

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    page_param: str = "page"
    size_param: str | None = "per_page"
    per_page: int = 100
    first_page: int = 1
    total_pages_header: str | None = "X-WP-TotalPages"
    records_path: Path | None = None

    def first(self) -> Request:
        return Request("GET", self.path, self._params(self.first_page))

    def next(self, request: Request, response: HttpResponse) -> Request | None:
        current = int(request.params[self.page_param])  # type: ignore[index]
        total = response.headers.get(self.total_pages_header) \
            if self.total_pages_header else None
        if total is not None and total.strip().isdigit():
            if current >= int(total) + self.first_page - 1:
                return None
        else:
            records = response.get(self.records_path, list) if self.records_path \
                else response.json()
            if not isinstance(records, list):
                raise response.error(f"expected a list of records, got "
                                     f"{type(records).__name__}")
            if len(records) < self.per_page or not records:
                return None
        return Request("GET", self.path, self._params(current + 1))

    def _params(self, page: int) -> dict[str, Any]:
        params = {**self.params, self.page_param: page}
        if self.size_param:
            params[self.size_param] = self.per_page
        return params


@dataclass
class LinkHeaderPaginator:
    """Follow the ``Link: <...>; rel="next"`` header (Shopify REST, GitHub, many others).
    The next URL carries its own query, so ``params`` apply to the first request only."""

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    rel: str = "next"

    def first(self) -> Request:
        return Request("GET", self.path, dict(self.params))

    def next(self, request: Request, response: HttpResponse) -> Request | None:
        link = response.links.get(self.rel)
        if not link or not link.get("url"):
            return None
        return Request("GET", link["url"])


@dataclass
class JsonCursorPaginator:
    """A cursor inside the JSON body, sent back as a query parameter.

    Gorgias: ``next_cursor_path="meta.next_cursor"``, ``cursor_param="cursor"``; stops
    when the cursor is null. Zendesk incremental export: ``next_cursor_path="after_cursor"``,
    ``cursor_param="cursor"``, ``end_path="end_of_stream"`` (stops when it is true).
    ``next_url_path`` instead follows a full next-page URL from the body (``links.next``).
    ``start_cursor`` resumes from a saved cursor.
    """

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    cursor_param: str = "cursor"
    next_cursor_path: Path | None = "meta.next_cursor"
    end_path: Path | None = None
    next_url_path: Path | None = None
    start_cursor: str | None = None

    def first(self) -> Request:
        params = dict(self.params)
        if self.start_cursor:
            params[self.cursor_param] = self.start_cursor
        return Request("GET", self.path, params)

    def next(self, request: Request, response: HttpResponse) -> Request | None:
        if self.end_path is not None and response.get(self.end_path, bool, required=False,
                                                      default=False):
            return None
        if self.next_url_path is not None:
            url = response.get(self.next_url_path, str, required=False)
            return Request("GET", url) if url else None
        cursor = response.get(self.next_cursor_path, (str, int), required=False) \
            if self.next_cursor_path is not None else None
        if cursor in (None, ""):
            return None
        if self.end_path is None and str(cursor) == str((request.params or {}).get(
                self.cursor_param)):
            return None  # the same cursor again: the API has nothing further
        return Request("GET", self.path, {**self.params, self.cursor_param: cursor})

    @staticmethod
    def cursor_of(response: HttpResponse, path: Path) -> str | None:
        value = response.get(path, (str, int), required=False)
        return None if value is None else str(value)


@dataclass
class GraphQLPaginator:
    """A GraphQL connection with ``pageInfo { hasNextPage endCursor }`` (Shopify Admin).

    POSTs ``{"query": query, "variables": {..., after_variable: cursor}}`` to ``path``;
    ``connection_path`` is where the connection sits in the body (``"data.orders"``).
    A body with GraphQL ``errors`` is one error (throttling is retried before, by the
    connector's ``retry_after``, e.g. ``graphql.throttled_wait``).
    """

    path: str
    query: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    connection_path: Path = "data"
    after_variable: str = "after"
    start_cursor: str | None = None

    def first(self) -> Request:
        return self._request(self.start_cursor)

    def next(self, request: Request, response: HttpResponse) -> Request | None:
        check_graphql(response)
        info = response.get(_join(self.connection_path, "pageInfo"), dict)
        if not info.get("hasNextPage"):
            return None
        cursor = response.get(_join(self.connection_path, "pageInfo", "endCursor"), str)
        return self._request(cursor)

    def end_cursor(self, response: HttpResponse) -> str | None:
        return response.get(_join(self.connection_path, "pageInfo", "endCursor"), str,
                            required=False)

    def nodes(self, response: HttpResponse) -> list[Any]:
        """The connection's records: ``nodes``, or each of ``edges``' ``node``."""
        check_graphql(response)
        connection = response.get(self.connection_path, dict)
        if "nodes" in connection:
            return response.get(_join(self.connection_path, "nodes"), list)
        edges = response.get(_join(self.connection_path, "edges"), list)
        out = []
        for i, edge in enumerate(edges):
            if not isinstance(edge, dict) or not isinstance(edge.get("node"), dict):
                raise response.error(f"edge {i} of {_shown(self.connection_path)} has no "
                                     "node object")
            out.append(edge["node"])
        return out

    def _request(self, cursor: str | None) -> Request:
        variables = copy.deepcopy(dict(self.variables))
        variables[self.after_variable] = cursor
        return Request("POST", self.path, json={"query": self.query, "variables": variables})


def _join(path: Path, *more: str) -> tuple[str | int, ...]:
    head = tuple(path.split(".")) if isinstance(path, str) else tuple(path)
    return head + more


def _shown(path: Path) -> str:
    return path if isinstance(path, str) else ".".join(str(p) for p in path)
