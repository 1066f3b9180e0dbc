"""``--compare previous|last_year|PERIOD``: which earlier period each requested period is
compared with, and whether a change is good or bad for the metric's direction.

The prior value, change and relative change are computed in the warehouse, in the same
statement as the values (kpi_engine/compiler/comparison.py); this module turns the
user's word into a step back ``(periods, grain)`` and reads the verdicts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .compiler.comparison import CHANGE, CHANGE_RATIO, PRIOR
from .errors import CompileError
from .periods import PERIOD_FORMS, PeriodError, parse_period
from .vocabulary import WEEKDAYS

COMPARE_WORDS = ("previous", "last_year")
VERDICT = "__verdict"
__all__ = ["CHANGE", "CHANGE_RATIO", "PRIOR", "VERDICT", "compare_step", "add_verdicts",
           "verdict"]


def compare_step(compare: str, grain: str, since: date | None,
                 week_start: str = "monday") -> tuple[int, str]:
    """How far back the compared period is.

    ``previous``: one period of the grain; ``last_year``: the same period a year earlier
    (52 weeks for weeks); a PERIOD (2025-11, 2025-Q4, ...): the first requested period
    (``since``) is compared with the one starting at PERIOD's start, every later period
    with the one the same number of periods after it."""
    if grain == "all":
        raise CompileError(f"--compare {compare}: evaluate at a time grain (day, week, "
                           "month, ...), not 'all'")
    if compare == "previous":
        return 1, grain
    if compare == "last_year":
        return 1, "year"
    try:
        base = parse_period(compare, "--compare")
    except PeriodError:
        shown = str(compare)[:40]
        raise CompileError(f"--compare {shown!r} is not previous, last_year or a period "
                           f"({PERIOD_FORMS}, e.g. 2025-Q4)") from None
    if since is None:
        raise CompileError(f"--compare {compare}: give --since, the start of the period "
                           f"compared with {compare}")
    from datetime import datetime

    from .compiler.timeline import shift, truncate

    week_start = week_start if week_start in WEEKDAYS else "monday"
    first = truncate(datetime.combine(since, datetime.min.time()), grain, week_start)
    start = datetime.combine(base.start, datetime.min.time())
    if truncate(start, grain, week_start) != start:
        raise CompileError(f"--compare {compare}: starts on {base.start}, not at the start "
                           f"of a {grain}; compare {grain}s with a {grain}")
    periods = _periods_between(start, first, grain)
    if periods <= 0 or shift(start, periods, grain) != first:
        raise CompileError(f"--compare {compare}: must be a {grain} before --since {since}")
    return periods, grain


def _periods_between(start, end, grain: str) -> int:
    """Whole periods of ``grain`` from ``start`` to ``end`` (both period starts)."""
    if grain in ("month", "quarter", "year"):
        months = (end.year - start.year) * 12 + end.month - start.month
        return months // {"month": 1, "quarter": 3, "year": 12}[grain]
    seconds = (end - start).total_seconds()
    return int(seconds // {"hour": 3600, "day": 86400, "week": 7 * 86400}[grain])


def verdict(change: Any, direction: str) -> str | None:
    """good, bad, neutral (a metric without a better direction) or unchanged."""
    if change is None:
        return None
    if change == 0:
        return "unchanged"
    if direction == "neutral":
        return "neutral"
    rising = change > 0
    return "good" if rising == (direction == "higher_is_better") else "bad"


def add_verdicts(records: list[dict[str, Any]], directions: dict[str, str]) -> None:
    """Add ``<metric>__verdict`` after each metric's comparison columns (in place)."""
    for i, record in enumerate(records):
        out: dict[str, Any] = {}
        for key, value in record.items():
            out[key] = value
            metric = key[:-len(CHANGE_RATIO)] if key.endswith(CHANGE_RATIO) else None
            if metric in directions:
                out[metric + VERDICT] = verdict(record.get(metric + CHANGE), directions[metric])
        records[i] = out
