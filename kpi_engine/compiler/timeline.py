"""Calendar arithmetic in Python: range bounds in UTC, period starts for the spine."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .dialects import WEEKDAYS

MAX_SPINE_PERIODS = 1000
_UTC = ZoneInfo("UTC")


def local_midnight_utc(day: date, tz: str) -> datetime:
    """The UTC instant (naive) at which ``day`` starts in timezone ``tz``."""
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    return local.astimezone(_UTC).replace(tzinfo=None)


def add_months(d: datetime, months: int) -> datetime:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    import calendar

    day = min(d.day, calendar.monthrange(year, month)[1])
    return d.replace(year=year, month=month, day=day)


def shift(d: datetime, amount: int, unit: str) -> datetime:
    if unit == "hour":
        return d + timedelta(hours=amount)
    if unit == "day":
        return d + timedelta(days=amount)
    if unit == "week":
        return d + timedelta(weeks=amount)
    if unit == "month":
        return add_months(d, amount)
    if unit == "quarter":
        return add_months(d, 3 * amount)
    if unit == "year":
        return add_months(d, 12 * amount)
    raise ValueError(unit)


def truncate(d: datetime, grain: str, week_start: str = "monday") -> datetime:
    if grain == "hour":
        return d.replace(minute=0, second=0, microsecond=0)
    d = d.replace(hour=0, minute=0, second=0, microsecond=0)
    if grain == "day":
        return d
    if grain == "week":
        back = (d.weekday() - WEEKDAYS.index(week_start)) % 7
        return d - timedelta(days=back)
    if grain == "month":
        return d.replace(day=1)
    if grain == "quarter":
        return d.replace(day=1, month=(d.month - 1) // 3 * 3 + 1)
    if grain == "year":
        return d.replace(day=1, month=1)
    raise ValueError(grain)


def period_starts(since: date, until: date, grain: str, week_start: str) -> list[datetime] | None:
    """Every period start (local) overlapping [since, until), or None if too many."""
    start = truncate(datetime(since.year, since.month, since.day), grain, week_start)
    end = datetime(until.year, until.month, until.day)
    out = []
    current = start
    while current < end:
        out.append(current)
        if len(out) > MAX_SPINE_PERIODS:
            return None
        current = shift(current, 1, grain)
    return out


GRAIN_ORDER = {"hour": 0, "day": 1, "week": 2, "month": 3, "quarter": 4, "year": 5}
