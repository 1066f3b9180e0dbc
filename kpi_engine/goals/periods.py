"""Goal periods: a month (2026-03), a quarter (2026-Q1) or a year (2026), and the
table form (first day + grain). End days are exclusive, like ``--until``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..compiler.timeline import add_months
from ..vocabulary import WEEKDAYS

TARGET_GRAINS = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # exclusive
    grain: str

    @property
    def label(self) -> str:
        if self.grain == "year":
            return str(self.start.year)
        if self.grain == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.grain == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.grain == "week":
            return f"week of {self.start.isoformat()}"
        return self.start.isoformat()

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def shifted_years(self, years: int) -> Period:
        """The same period ``years`` later (earlier when negative)."""
        if self.grain in ("day", "week"):
            start = _add_years(self.start, years)
            return Period(start, start + (self.end - self.start), self.grain)
        return Period(_add_years(self.start, years), _add_years(self.end, years), self.grain)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_period(text: object) -> Period:
    """``2026``, ``2026-Q1``, ``2026-03`` (also ``2026-W10``, ``2026-03-05``), read by the
    engine's one period parser; ValueError naming the accepted forms."""
    from ..periods import PeriodError
    from ..periods import parse_period as parse_text

    try:
        found = parse_text(str(text).strip(), "period")
    except PeriodError as exc:
        raise ValueError(exc.message) from None
    return Period(found.start, found.end, found.grain)


def period_of(start: date, grain: str) -> Period:
    """A period given as its first day and grain (the ``targets`` table's form); the
    first day must start such a period."""
    if grain not in TARGET_GRAINS:
        raise ValueError(f"period_grain {grain!r} is not one of {', '.join(TARGET_GRAINS)}")
    if grain == "day":
        return Period(start, start + timedelta(days=1), grain)
    if grain == "week":
        return Period(start, start + timedelta(days=7), grain)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    if start.day != 1 or (grain == "quarter" and start.month % 3 != 1) or (
            grain == "year" and start.month != 1):
        raise ValueError(f"period_start {start} does not start a {grain}")
    return Period(start, add_months(start, months), grain)


def containing(day: date, grain: str, week_start: str = "monday") -> Period:
    """The period of ``grain`` that ``day`` falls in."""
    if grain == "day":
        return period_of(day, "day")
    if grain == "week":
        back = (day.weekday() - WEEKDAYS.index(week_start)) % 7
        return period_of(day - timedelta(days=back), "week")
    if grain == "month":
        return period_of(day.replace(day=1), "month")
    if grain == "quarter":
        return period_of(day.replace(day=1, month=(day.month - 1) // 3 * 3 + 1), "quarter")
    return period_of(day.replace(day=1, month=1), "year")


def previous(period: Period, count: int = 1) -> Period:
    """The period ``count`` periods of the same grain before."""
    if period.grain in ("day", "week"):
        step = timedelta(days=period.days * count)
        return Period(period.start - step, period.end - step, period.grain)
    months = {"month": 1, "quarter": 3, "year": 12}[period.grain] * count
    return Period(add_months(period.start, -months), add_months(period.end, -months),
                  period.grain)
