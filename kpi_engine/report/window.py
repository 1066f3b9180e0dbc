"""Which periods a report shows: the chosen period, the eleven before it (sparklines) and
the same period a year earlier (comparison), evaluated as one range at one grain."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from ..errors import KpiError

SPARK_PERIODS = 12
_STEPS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
_FORMS = "YYYY-MM (a month), YYYY-Qn (a quarter) or YYYY (a year)"


class ReportPeriodError(KpiError):
    """A --period the report cannot show."""


@dataclass(frozen=True)
class Window:
    period: date  # start of the reported period
    grain: str  # month, quarter or year
    starts: tuple[date, ...]  # every period start evaluated, oldest first, ``period`` last

    @property
    def since(self) -> date:
        return self.starts[0]

    @property
    def until(self) -> date:
        return _shift(self.period, 1, self.grain)

    @property
    def previous(self) -> date:
        return self.starts[-2]

    @property
    def last_year(self) -> date:
        return self.starts[-1 - _STEPS_PER_YEAR[self.grain]]

    @property
    def sparkline(self) -> tuple[date, ...]:
        return self.starts[-SPARK_PERIODS:]


def _shift(day: date, steps: int, grain: str) -> date:
    from ..compiler.timeline import shift

    return shift(datetime.combine(day, datetime.min.time()), steps, grain).date()


def parse_report_period(text: str | None, today: date | None = None) -> Window:
    """``text`` as a Window; None: the last full month before ``today``."""
    if text is None:
        today = today or date.today()
        start, grain = _shift(date(today.year, today.month, 1), -1, "month"), "month"
    else:
        raw = text.strip()
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        start, grain = _parse(raw, shown)
        if not 1900 <= start.year <= 9990:
            raise ReportPeriodError(f"--period {shown!r} is outside the years 1900-9990")
    back = max(SPARK_PERIODS - 1, _STEPS_PER_YEAR[grain])
    starts = tuple(_shift(start, -k, grain) for k in range(back, -1, -1))
    return Window(start, grain, starts)


def _parse(raw: str, shown: str) -> tuple[date, str]:
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", raw):
            return date(int(m[1]), int(m[2]), 1), "month"
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", raw):
            return date(int(m[1]), 3 * int(m[2]) - 2, 1), "quarter"
        if m := re.fullmatch(r"(\d{4})", raw):
            return date(int(m[1]), 1, 1), "year"
    except ValueError:
        pass
    raise ReportPeriodError(f"--period {shown!r} is not a period: use {_FORMS}")
