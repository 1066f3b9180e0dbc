"""What to compute (a ``Request``) and what comes back from compiling it.

Importing this module imports no sqlglot: a request is built, and looked up in the compile
cache (``kpi_engine/compile_cache.py``), before anything is compiled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..errors import CompileError
from ..vocabulary import DIALECTS, REQUEST_GRAINS, WEEKDAYS  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from sqlglot import exp

# A day's bounds in any timezone (UTC-12..+14) and one period either side must stay
# within Python's and the engines' years 1-9999.
EARLIEST_DAY, LATEST_DAY = date(2, 1, 1), date(9998, 12, 31)


@dataclass(frozen=True)
class Request:
    metrics: tuple[str, ...]
    grain: str = "month"
    dimensions: tuple[str, ...] = ()
    since: date | None = None  # inclusive, store timezone
    until: date | None = None  # exclusive, store timezone
    where: tuple[str, ...] = ()  # filters over dimensions, e.g. "channel = 'website'"
    timezone: str = "UTC"
    week_start: str = "monday"
    dialect: str = "duckdb"
    schema: str | None = None  # schema holding the canonical tables
    currency: str | None = None  # reporting currency (ISO 4217); None: no conversion
    # Compare each metric with the row this many periods back: (periods, grain), e.g.
    # (1, "month"); None: no comparison (see kpi_engine/comparisons.py).
    compare: tuple[int, str] | None = None

    def __post_init__(self) -> None:
        if not self.metrics:
            raise CompileError("no metric requested")
        if self.grain not in REQUEST_GRAINS:
            raise CompileError(f"unknown grain {self.grain!r}: use one of "
                               f"{', '.join(REQUEST_GRAINS)}")
        if self.week_start not in WEEKDAYS:
            raise CompileError(f"unknown week start {self.week_start!r}: use one of "
                               f"{', '.join(WEEKDAYS)}")
        for flag, day in (("--since", self.since), ("--until", self.until)):
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                raise CompileError(f"{flag} {day} is outside the supported range "
                                   f"{EARLIEST_DAY} to {LATEST_DAY}")
        if self.since and self.until and self.since >= self.until:
            raise CompileError(f"--since {self.since} must be before --until {self.until}")
        if len(set(self.dimensions)) != len(self.dimensions):
            raise CompileError("a dimension is listed twice")
        _check_timezone(self.timezone)
        check_currency_code(self.currency)
        if self.compare is not None:
            periods, unit = self.compare
            if not (isinstance(periods, int) and periods > 0 and unit in REQUEST_GRAINS[:-1]):
                raise CompileError(f"cannot compare with {periods!r} {unit!r} periods back")


def check_currency_code(code: str | None) -> None:
    if code is not None and not (len(code) == 3 and code.isascii() and code.isalpha()
                                 and code.isupper()):
        raise CompileError(f"currency {code!r} is not an ISO 4217 code (three capital "
                           "letters, such as EUR or VND)")


def _check_timezone(tz: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CompileError(f"unknown timezone {tz!r} (use an IANA name such as "
                           "'Asia/Ho_Chi_Minh')") from None


@dataclass
class CompiledQuery:
    sql: str
    dialect: str
    metrics: list[str]
    dimensions: list[str]
    grain: str
    tree: exp.Expression = field(repr=False)  # as generated: after the dialect's rewrites
    units: dict[str, str] = field(default_factory=dict)
    # Output columns that are checks, not metrics: name -> (kind, metrics they guard).
    # Kinds: "currencies" (the lowest/highest currency summed) and "missing_rate" (a
    # currency without a rate, and when). ``evaluate`` raises on them and drops them.
    checks: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


def check_dialect(dialect: str) -> None:
    if dialect not in DIALECTS:
        from ..errors import did_you_mean

        raise CompileError(f"unsupported dialect {dialect!r}{did_you_mean(dialect, DIALECTS)}"
                           f": use one of {', '.join(DIALECTS)}")
