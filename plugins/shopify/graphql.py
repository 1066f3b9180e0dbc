"""Checking a GraphQL answer: errors inside a 200 become one clear line."""

from __future__ import annotations

from typing import Any

from kpi_engine.http import HttpResponse
from kpi_engine.http.graphql import check_graphql


def graphql_data(response: HttpResponse) -> Any:
    """The ``data`` of a GraphQL response, or a ResponseError naming the page and the
    API's own messages (an unknown field, a missing access scope, ...)."""
    check_graphql(response)
    body = response.json()
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise response.error("the GraphQL response has no 'data' object")
    return data
