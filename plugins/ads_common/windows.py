"""Which days an ad-platform sync asks for, and in which windows.

Ad platforms keep changing the last weeks' figures: conversions are credited to the day of
the click (or view) for as long as the attribution window lasts. Each sync therefore asks
again from ``attribution_days`` before the last day it loaded; merging by key makes that
harmless. Windows go oldest first and each one's last day is the cursor saved with it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kpi_engine.connectors import SyncContext
from kpi_engine.errors import SyncError


def first_day(context: SyncContext, stream: str, *, attribution_days: int,
              start_date: date | None, initial_days: int) -> date:
    saved = context.cursors.get(stream)
    if saved:
        try:
            return date.fromisoformat(saved[:10]) - timedelta(days=attribution_days)
        except ValueError:
            raise SyncError(f"saved cursor {saved[:40]!r} of stream {stream!r} is not a "
                            "day; run with --full-refresh") from None
    if start_date is not None:
        return start_date
    return today(context) - timedelta(days=initial_days)


def today(context: SyncContext) -> date:
    started: datetime = context.started_at
    return started.date()


def windows(first: date, last: date, days: int) -> list[tuple[date, date]]:
    """[first, last] cut into windows of ``days`` days, oldest first."""
    out = []
    start = first
    while start <= last:
        end = min(start + timedelta(days=days - 1), last)
        out.append((start, end))
        start = end + timedelta(days=1)
    return out
