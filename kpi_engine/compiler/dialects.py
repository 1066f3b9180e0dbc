"""Per-dialect pieces of SQL that sqlglot cannot transpile faithfully on its own.

The compiler builds every query as a sqlglot AST. Where engines disagree on semantics
(time zones, truncation, percentiles, division), it asks a ``DialectAdapter`` for the
node to use. The base adapter relies on sqlglot's transpilation; subclasses override
what must differ. ``adapter_for`` picks the adapter by dialect name.
"""

from __future__ import annotations

from datetime import datetime

from sqlglot import exp

from ..vocabulary import DIALECTS, WEEKDAYS  # noqa: F401 - re-exported


class DialectAdapter:
    dialect = "duckdb"
    exact_percentiles = True
    # False: no percentile aggregate; scans compute medians from row numbers instead.
    percentile_aggregate = True
    # (since, until) of the request, for adapters that precompute timezone offsets.
    time_range: tuple = (None, None)

    # -- time ------------------------------------------------------------------------
    def local_time(self, ts: exp.Expression, tz: str) -> exp.Expression:
        """A UTC timestamp column as wall-clock time in the store's timezone."""
        if tz.upper() == "UTC":
            return ts
        return exp.ConvertTimezone(source_tz=exp.Literal.string("UTC"),
                                   target_tz=exp.Literal.string(tz), timestamp=ts)

    def utc_time(self, local: exp.Expression, tz: str) -> exp.Expression:
        """A wall-clock time in the store's timezone as a UTC timestamp."""
        if tz.upper() == "UTC":
            return local
        return exp.ConvertTimezone(source_tz=exp.Literal.string(tz),
                                   target_tz=exp.Literal.string("UTC"), timestamp=local)

    def as_timestamp(self, e: exp.Expression) -> exp.Expression:
        return exp.cast(e, exp.DataType.build("timestamp"))

    def truncate(self, ts: exp.Expression, grain: str, week_start: str = "monday"
                 ) -> exp.Expression:
        """Start of the ``grain`` period containing local timestamp ``ts``."""
        if grain == "week" and week_start != "monday":
            # Weeks truncate to Monday; shift so the chosen day lands on Monday, then back.
            shift = (7 - WEEKDAYS.index(week_start)) % 7
            moved = self.add(ts, shift, "day")
            return self.add(self._trunc(moved, "week"), -shift, "day")
        return self._trunc(ts, grain)

    def _trunc(self, ts: exp.Expression, grain: str) -> exp.Expression:
        return exp.TimestampTrunc(this=ts, unit=exp.Var(this=grain.upper()))

    def add(self, ts: exp.Expression, amount: int, unit: str) -> exp.Expression:
        """``ts`` plus ``amount`` units (day, week, month, quarter, year, hour)."""
        if amount == 0:
            return ts
        amount, unit = normalise_step(amount, unit)
        return exp.TimestampAdd(this=ts, expression=exp.Literal.number(amount),
                                unit=exp.Var(this=unit.upper()))

    def timestamp_literal(self, value: datetime) -> exp.Expression:
        return exp.cast(exp.Literal.string(value.strftime("%Y-%m-%d %H:%M:%S")),
                        exp.DataType.build("timestamp"))

    def date_literal(self, value: datetime) -> exp.Expression:
        return exp.cast(exp.Literal.string(value.strftime("%Y-%m-%d")),
                        exp.DataType.build("date"))

    def values(self, rows: list[list[exp.Expression]], columns: list[str], alias: str
               ) -> exp.Select:
        """SELECT <columns> FROM a literal table of ``rows``."""
        table = exp.Values(expressions=[exp.Tuple(expressions=r) for r in rows],
                           alias=exp.TableAlias(this=exp.to_identifier(alias),
                                                columns=[exp.to_identifier(c) for c in columns]))
        return exp.select(*columns).from_(table)

    def rewrite(self, tree: exp.Expression) -> exp.Expression:
        """Last fixes on the whole statement before it is rendered in this dialect."""
        return tree

    # -- aggregates ----------------------------------------------------------------------
    def avg(self, e: exp.Expression) -> exp.Expression:
        return exp.Avg(this=e)

    def percentile(self, e: exp.Expression, q: float) -> exp.Expression:
        return exp.PercentileCont(this=e, expression=exp.Literal.number(q))

    def median(self, e: exp.Expression) -> exp.Expression:
        return self.percentile(e, 0.5)

    # -- arithmetic ----------------------------------------------------------------------
    def to_float(self, e: exp.Expression) -> exp.Expression:
        return exp.cast(e, exp.DataType.build("double"))

    def safe_divide(self, num: exp.Expression, den: exp.Expression) -> exp.Expression:
        """num / den as a float; NULL (never an error) when den is 0 or NULL."""
        return exp.Div(this=self.to_float(_paren(num)),
                       expression=exp.Nullif(this=_paren(den), expression=exp.Literal.number(0)),
                       typed=False, safe=False)

    def guard_divisions(self, tree: exp.Expression) -> exp.Expression:
        """Every '/' in ``tree`` as ``safe_divide``: float division, NULL on 0.

        Innermost first, so nested divisions (a / (b / 30)) are all guarded; a division
        whose divisor is already NULLIF(..., 0) is left as it is.
        """
        divisions = [d for d in tree.find_all(exp.Div) if not _guarded(d)]
        for div in reversed(divisions):  # find_all is breadth-first: reversed is deepest first
            safe = self.safe_divide(div.this, div.expression)
            if div is tree:
                return safe
            div.replace(safe)
        return tree

    def null_safe_eq(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return exp.NullSafeEQ(this=a, expression=b)


def normalise_step(amount: int, unit: str) -> tuple[int, str]:
    """Quarters as months and weeks as days: units every engine's date arithmetic has."""
    if unit == "quarter":
        return amount * 3, "month"
    if unit == "week":
        return amount * 7, "day"
    return amount, unit


def _guarded(div: exp.Div) -> bool:
    den = div.expression
    return isinstance(den, exp.Nullif) and den.expression == exp.Literal.number(0)


def _paren(e: exp.Expression) -> exp.Expression:
    return e if isinstance(e, (exp.Column, exp.Literal, exp.Paren, exp.Func)) else exp.Paren(
        this=e)


_ADAPTERS: dict[str, type[DialectAdapter]] = {}


def register_adapter(cls: type[DialectAdapter]) -> type[DialectAdapter]:
    _ADAPTERS[cls.dialect] = cls
    return cls


def adapter_for(dialect: str) -> DialectAdapter:
    from . import dialect_overrides  # noqa: F401 - registers the per-engine adapters

    cls = _ADAPTERS.get(dialect)
    if cls is None:
        adapter = DialectAdapter()
        adapter.dialect = dialect
        return adapter
    return cls()
