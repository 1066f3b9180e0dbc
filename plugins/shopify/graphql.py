"""Checking a GraphQL answer: errors inside a 200 become one clear line."""

from __future__ import annotations

from typing import Any

from kpi_engine.http import HttpResponse

MAX_MESSAGES = 3


def graphql_data(response: HttpResponse) -> Any:
    """The ``data`` of a GraphQL response, or a ResponseError naming the page and the
    API's own messages (an unknown field, a missing access scope, ...)."""
    body = response.json()
    if not isinstance(body, dict):
        raise response.error("expected a GraphQL response object")
    errors = body.get("errors")
    if errors:
        if isinstance(errors, list):
            messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e)
                        for e in errors[:MAX_MESSAGES]]
        else:
            messages = [str(errors)]
        raise response.error("the GraphQL API answered with errors: "
                             + "; ".join(m[:200] for m in messages))
    data = body.get("data")
    if not isinstance(data, dict):
        raise response.error("the GraphQL response has no 'data' object")
    return data
