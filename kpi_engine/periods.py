"""Periods written by people: ``2026`` (year), ``2026-Q1`` (quarter), ``2026-03`` (month),
``2026-W10`` (ISO week, Monday first) and ``2026-03-05`` (day), as [start, end) dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .compiler.timeline import add_months
from .errors import KpiError

PERIOD_FORMS = "YYYY, YYYY-Qn, YYYY-MM, YYYY-Www or YYYY-MM-DD"
_PATTERNS = [
    ("year", re.compile(r"(\d{4})")),
    ("quarter", re.compile(r"(\d{4})-[Qq]([1-4])")),
    ("month", re.compile(r"(\d{4})-(\d{2})")),
    ("week", re.compile(r"(\d{4})-[Ww](\d{2})")),
    ("day", re.compile(r"(\d{4})-(\d{2})-(\d{2})")),
]


class PeriodError(KpiError):
    """A period that is not written in one of the accepted forms."""


@dataclass(frozen=True)
class Period:
    text: str
    grain: str  # year, quarter, month, week or day
    start: date  # inclusive
    end: date  # exclusive

    def __str__(self) -> str:
        return self.text


def parse_period(text: str, what: str = "period") -> Period:
    """``text`` as a Period; PeriodError (naming ``what``) otherwise."""
    raw = text.strip() if isinstance(text, str) else str(text)
    shown = raw if len(raw) <= 40 else raw[:40] + "..."
    for grain, pattern in _PATTERNS:
        m = pattern.fullmatch(raw)
        if not m:
            continue
        try:
            start, end = _bounds(grain, *(int(g) for g in m.groups()))
        except ValueError:
            break
        if start.year < 2 or end.year > 9998:
            break
        return Period(raw, grain, start, end)
    raise PeriodError(f"{what} {shown!r} is not a period: use {PERIOD_FORMS} (e.g. 2026-Q1)")


def _bounds(grain: str, year: int, part: int = 1, day: int = 1) -> tuple[date, date]:
    if grain == "year":
        return date(year, 1, 1), date(year + 1, 1, 1)
    if grain == "quarter":
        start = date(year, 3 * part - 2, 1)
        return start, add_months(start, 3)
    if grain == "month":
        start = date(year, part, 1)
        return start, add_months(start, 1)
    if grain == "week":
        start = datetime.strptime(f"{year}-W{part:02d}-1", "%G-W%V-%u").date()
        if start.isocalendar()[:2] != (year, part):  # week 53 of a 52-week year
            raise ValueError(part)
        return start, start + timedelta(days=7)
    start = date(year, part, day)
    return start, start + timedelta(days=1)
