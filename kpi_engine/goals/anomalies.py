"""Anomalies: a value outside the range of the last N comparable periods.

The checked period is the last complete one before the as-of day (yesterday, for days).
Comparable periods are, for days, the same weekday of the N weeks before (a Monday is
compared with Mondays: weekly rhythm is no anomaly); for weeks and months, the N periods
before. The value is an anomaly when it is below the smallest or above the largest of
them. At least three comparable values are needed; otherwise nothing is said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .periods import Period, containing, previous

MIN_COMPARABLE = 3


@dataclass(frozen=True)
class Anomaly:
    grain: str
    period: str  # first day of the checked period
    value: float
    low: float  # smallest comparable value
    high: float  # largest comparable value
    side: str  # "above" or "below" the range
    bad: bool | None  # against the KPI's direction (None: neutral KPI)
    comparable: tuple[tuple[str, float], ...] = field(default=())

    def to_dict(self) -> dict:
        return {"grain": self.grain, "period": self.period, "value": self.value,
                "low": self.low, "high": self.high, "side": self.side, "bad": self.bad,
                "comparable": [{"period": p, "value": v} for p, v in self.comparable]}


def checked_period(as_of: date, grain: str, week_start: str = "monday") -> Period:
    """The last complete period of ``grain`` ending on or before ``as_of``."""
    period = containing(as_of - timedelta(days=1), grain, week_start)
    return period if period.end <= as_of else previous(period)


def comparable_periods(checked: Period, count: int) -> list[Period]:
    if checked.grain == "day":
        return [Period(checked.start - timedelta(weeks=k), checked.end - timedelta(weeks=k),
                       "day") for k in range(1, count + 1)]
    return [previous(checked, k) for k in range(1, count + 1)]


def detect(values: dict[str, float | None], checked: Period, count: int,
           direction: str) -> Anomaly | None:
    """``values``: period start (ISO) -> value, covering ``checked`` and the periods
    before it."""
    value = values.get(checked.start.isoformat())
    if value is None:
        return None
    history = []
    for p in comparable_periods(checked, count):
        v = values.get(p.start.isoformat())
        if v is not None:
            history.append((p.start.isoformat(), float(v)))
    if len(history) < MIN_COMPARABLE:
        return None
    low, high = min(v for _, v in history), max(v for _, v in history)
    value = float(value)
    if low <= value <= high:
        return None
    side = "above" if value > high else "below"
    bad = None if direction == "neutral" else (
        (side == "below") == (direction == "higher_is_better"))
    return Anomaly(checked.grain, checked.start.isoformat(), value, low, high, side, bad,
                   tuple(history))


def series_range(checked: Period, count: int) -> tuple[date, date]:
    """since/until covering the checked period and its comparable periods."""
    first = comparable_periods(checked, count)[-1]
    return first.start, checked.end
