"""GraphQL helpers: errors inside a 200 response, and cost-based throttling.

Cost-based APIs (Shopify's Admin GraphQL API) answer 200 with
``errors[].extensions.code == "THROTTLED"`` when the query costs more than the bucket holds,
and report the bucket in ``extensions.cost.throttleStatus`` (``maximumAvailable``,
``currentlyAvailable``, ``restoreRate`` per second). ``throttled_wait`` is a ready
``HttpConnector.retry_after`` and ``bucket_pause`` a ready ``pause_after``: wait for the
bucket to refill instead of hammering the API.
"""

from __future__ import annotations

from typing import Any

from .response import HttpResponse

MAX_WAIT = 60.0


def graphql_errors(response: HttpResponse) -> list[dict[str, Any]]:
    """The ``errors`` list of a GraphQL body (empty when there are none)."""
    body = response.try_json()
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list):
        return [e for e in errors if isinstance(e, dict)] or [{"message": str(errors)}]
    if errors:  # some APIs put a single message there
        return [{"message": str(errors)}]
    return []


def check_graphql(response: HttpResponse) -> None:
    """One clear error when the body carries GraphQL errors (after throttling retries)."""
    errors = graphql_errors(response)
    if errors:
        shown = "; ".join(_describe(e) for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise response.error(f"GraphQL errors: {shown}{more}")


def throttled_wait(response: HttpResponse, *, default: float = 2.0) -> float | None:
    """Seconds until the bucket holds the query's cost again when the response is a
    THROTTLED error; None for any other response."""
    codes = {str((e.get("extensions") or {}).get("code", "")).upper()
             for e in graphql_errors(response)}
    if "THROTTLED" not in codes:
        return None
    cost = _cost(response)
    status = cost.get("throttleStatus") or {}
    need = _number(cost.get("requestedQueryCost"))
    have = _number(status.get("currentlyAvailable"))
    rate = _number(status.get("restoreRate"))
    if need is None or have is None or not rate:
        return default
    return min(max((need - have) / rate, 0.5), MAX_WAIT)


def bucket_pause(response: HttpResponse, *, reserve: float = 0.25) -> float:
    """Seconds to pause so that the bucket keeps ``reserve`` (a share of its maximum)
    before the next query: 0 while it holds more."""
    cost = _cost(response)
    status = cost.get("throttleStatus") or {}
    maximum = _number(status.get("maximumAvailable"))
    have = _number(status.get("currentlyAvailable"))
    rate = _number(status.get("restoreRate"))
    if maximum is None or have is None or not rate:
        return 0.0
    floor = maximum * reserve
    return min(max((floor - have) / rate, 0.0), MAX_WAIT)


def _cost(response: HttpResponse) -> dict[str, Any]:
    body = response.try_json()
    if not isinstance(body, dict):
        return {}
    cost = (body.get("extensions") or {}).get("cost")
    return cost if isinstance(cost, dict) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _describe(error: dict[str, Any]) -> str:
    message = str(error.get("message", "unknown error"))[:200]
    code = (error.get("extensions") or {}).get("code") if isinstance(
        error.get("extensions"), dict) else None
    path = error.get("path")
    where = f" at {'.'.join(str(p) for p in path)}" if isinstance(path, list) else ""
    return f"{message}{where}" + (f" ({code})" if code else "")
