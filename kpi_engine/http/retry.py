"""When to try an HTTP request again, and how long to wait first.

Capped exponential backoff with full jitter (a random wait between zero and the capped
exponential step), so many clients throttled together do not retry in step. A server's
``Retry-After`` (seconds or an HTTP date) is a floor: we never come back sooner than asked.
A sync has a budget of retries shared by all its requests, and each request a time limit,
so a server that keeps failing ends the sync with one clear error instead of a hang.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 3600.0  # a Retry-After beyond an hour is treated as an hour


@dataclass(frozen=True)
class RetryPolicy:
    retries_per_request: int = 8
    retry_budget: int = 100  # retries in one sync, all requests together
    time_limit: float = 900.0  # seconds one request may spend on retries, waits included
    initial_delay: float = 1.0
    max_delay: float = 60.0

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1 for the first retry)."""
        step = min(self.max_delay, self.initial_delay * (2 ** (attempt - 1)))
        wait = random.uniform(0, step)  # noqa: S311 - jitter, not cryptography
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: ``"120"`` or an HTTP date;
    None when absent or unreadable. Never negative, at most ``MAX_RETRY_AFTER``."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        current = datetime.now(UTC).timestamp() if now is None else now
        seconds = when.timestamp() - current
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class RetryBudget:
    """Retries left in one sync."""

    def __init__(self, total: int):
        self.total = total
        self.used = 0

    def take(self) -> bool:
        if self.used >= self.total:
            return False
        self.used += 1
        return True


def monotonic() -> float:
    return time.monotonic()
