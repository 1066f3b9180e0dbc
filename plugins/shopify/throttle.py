"""Shopify's cost-based GraphQL throttling, read from each response.

Every answer carries ``extensions.cost``: what the query was expected to cost
(``requestedQueryCost``) and the bucket (``throttleStatus``: ``maximumAvailable``,
``currentlyAvailable``, ``restoreRate`` points per second). A query the bucket cannot pay
for is answered 200 with an error whose ``extensions.code`` is ``THROTTLED``. We wait for
the bucket to refill rather than hammer it: after a THROTTLED answer until the query's
cost is available again, and before the next request whenever the bucket holds less than
the last query cost.
"""

from __future__ import annotations

from typing import Any

MIN_WAIT = 0.05  # seconds; a refill shorter than this is not worth a sleep call
DEFAULT_WAIT = 1.0  # a THROTTLED answer without cost figures


def _cost(body: Any) -> tuple[float, float, float] | None:
    """(requested cost, currently available, restore rate) or None."""
    try:
        cost = body["extensions"]["cost"]
        status = cost["throttleStatus"]
        requested = float(cost.get("requestedQueryCost") or 0)
        available = float(status["currentlyAvailable"])
        rate = float(status["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    if rate <= 0 or requested != requested or available != available:  # NaN
        return None
    return requested, available, rate


def is_throttled(body: Any) -> bool:
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        isinstance(e, dict) and isinstance(e.get("extensions"), dict)
        and e["extensions"].get("code") == "THROTTLED" for e in errors)


def wait_after_throttled(body: Any) -> float | None:
    """Seconds until a THROTTLED query can be paid for; None when not throttled."""
    if not is_throttled(body):
        return None
    cost = _cost(body)
    if cost is None:
        return DEFAULT_WAIT
    requested, available, rate = cost
    return max(DEFAULT_WAIT if requested <= available else (requested - available) / rate,
               MIN_WAIT)


def pause_before_next(body: Any) -> float:
    """Seconds to let the bucket refill before the next query of the same cost."""
    cost = _cost(body) if isinstance(body, dict) else None
    if cost is None:
        return 0.0
    requested, available, rate = cost
    if available >= requested:
        return 0.0
    wait = (requested - available) / rate
    return wait if wait >= MIN_WAIT else 0.0
