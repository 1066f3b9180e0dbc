"""Adapters for engines whose semantics differ from what sqlglot transpiles.

Each override is here because a real engine disagreed with the generic SQL (see the
cross-engine tests in tests/test_cross_engine.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlglot import exp

from ..errors import CompileError
from .dialects import WEEKDAYS, DialectAdapter, normalise_step, register_adapter
from .tz_offsets import local_changes, offset_changes


@register_adapter
class DuckDBAdapter(DialectAdapter):
    dialect = "duckdb"


class OffsetTimezoneAdapter(DialectAdapter):
    """Time zones as arithmetic over the zone's UTC offsets (no timezone tables needed)."""

    def _changes(self, tz: str, local: bool) -> list[tuple[datetime, int]]:
        since, until = self.time_range
        first = (since.year - 1) if since else 2000
        last = (until.year + 1) if until else date.today().year + 1
        changes = list(local_changes(tz) if local else offset_changes(tz))
        inside = [(t, off) for t, off in changes if datetime(first, 1, 1) <= t
                  < datetime(last + 1, 1, 1)]
        before = [(t, off) for t, off in changes if t < datetime(first, 1, 1)]
        return ([before[-1]] if before else []) + inside

    def _shifted(self, ts: exp.Expression, tz: str, sign: int, local: bool) -> exp.Expression:
        if tz.upper() == "UTC":
            return ts
        changes = self._changes(tz, local)
        if len({off for _, off in changes}) == 1:
            return self.add_minutes(ts, sign * changes[0][1])
        ifs = [exp.If(this=exp.GTE(this=ts.copy(), expression=self.timestamp_literal(t)),
                      true=self.add_minutes(ts.copy(), sign * off))
               for t, off in reversed(changes[1:])]
        return exp.Case(ifs=ifs, default=self.add_minutes(ts.copy(), sign * changes[0][1]))

    def local_time(self, ts: exp.Expression, tz: str) -> exp.Expression:
        return self._shifted(ts, tz, +1, local=False)

    def utc_time(self, local: exp.Expression, tz: str) -> exp.Expression:
        return self._shifted(local, tz, -1, local=True)

    def add_minutes(self, ts: exp.Expression, minutes: int) -> exp.Expression:
        return self.add(ts, minutes, "minute")


@register_adapter
class MySQLAdapter(OffsetTimezoneAdapter):
    """MySQL 8 / MariaDB 10.x."""

    dialect = "mysql"
    percentile_aggregate = False  # MariaDB's PERCENTILE_CONT is a window function only

    def _trunc(self, ts: exp.Expression, grain: str) -> exp.Expression:
        fmt = {"hour": "%Y-%m-%d %H:00:00", "day": "%Y-%m-%d 00:00:00",
               "month": "%Y-%m-01 00:00:00", "year": "%Y-01-01 00:00:00"}
        if grain in fmt:
            return self.as_timestamp(exp.Anonymous(this="DATE_FORMAT", expressions=[
                ts, exp.Literal.string(fmt[grain])]))
        day = self._trunc(ts, "day")
        if grain == "week":  # WEEKDAY(): Monday = 0
            back = exp.Anonymous(this="WEEKDAY", expressions=[ts.copy()])
            return exp.DateSub(this=day, expression=back, unit=exp.Var(this="DAY"))
        if grain == "quarter":
            months = exp.Sub(this=exp.Anonymous(this="MONTH", expressions=[ts.copy()]),
                             expression=exp.Literal.number(1))
            back = exp.Mod(this=exp.Paren(this=months), expression=exp.Literal.number(3))
            month_start = self._trunc(ts.copy(), "month")
            return exp.DateSub(this=month_start, expression=back, unit=exp.Var(this="MONTH"))
        raise CompileError(f"unknown grain {grain!r}")

    _UNIT_FORMATS = {"SECOND": "%Y-%m-%d %H:%i:%s", "MINUTE": "%Y-%m-%d %H:%i:00",
                     "HOUR": "%Y-%m-%d %H:00:00", "DAY": "%Y-%m-%d 00:00:00"}

    def avg(self, e: exp.Expression) -> exp.Expression:
        # AVG() of integers is a DECIMAL with 4 places in MySQL/MariaDB.
        return exp.Avg(this=self.to_float(e))

    def rewrite(self, tree: exp.Expression) -> exp.Expression:
        """DATEDIFF() counts days whatever the unit, and TIMESTAMPDIFF() truncates the
        elapsed time; specs count unit boundaries crossed, as DuckDB does: both ends are
        truncated to the unit first."""
        def fix(node: exp.Expression) -> exp.Expression:
            if not isinstance(node, exp.DateDiff):
                return node
            unit = node.text("unit").upper() or "DAY"
            if unit not in self._UNIT_FORMATS:
                return exp.TimestampDiff(this=node.this, expression=node.expression,
                                         unit=exp.Var(this=unit))

            def cut(e: exp.Expression) -> exp.Expression:
                return self.as_timestamp(exp.Anonymous(this="DATE_FORMAT", expressions=[
                    e, exp.Literal.string(self._UNIT_FORMATS[unit])]))

            return exp.TimestampDiff(this=cut(node.this), expression=cut(node.expression),
                                     unit=exp.Var(this=unit))

        return tree.transform(fix, copy=False)

    def percentile(self, e: exp.Expression, q: float) -> exp.Expression:
        # Never reached: scans compute percentiles from row numbers (percentile_aggregate).
        raise CompileError("MySQL/MariaDB have no aggregate percentile function")


@register_adapter
class SQLiteAdapter(OffsetTimezoneAdapter):
    """SQLite stores timestamps as 'YYYY-MM-DD HH:MM:SS' text; date functions are
    modifiers of strftime()."""

    dialect = "sqlite"
    percentile_aggregate = False

    def _fmt(self, fmt: str, ts: exp.Expression, *modifiers: str) -> exp.Expression:
        return exp.Anonymous(this="STRFTIME", expressions=[
            exp.Literal.string(fmt), ts, *[exp.Literal.string(m) for m in modifiers]])

    def as_timestamp(self, e: exp.Expression) -> exp.Expression:
        return self._fmt("%Y-%m-%d %H:%M:%S", e)

    def _trunc(self, ts: exp.Expression, grain: str) -> exp.Expression:
        if grain == "hour":
            return self._fmt("%Y-%m-%d %H:00:00", ts)
        if grain == "day":
            return self._fmt("%Y-%m-%d 00:00:00", ts)
        if grain == "week":  # next Sunday (or today), then back six days: Monday
            return self._fmt("%Y-%m-%d 00:00:00", ts, "weekday 0", "-6 days")
        if grain == "month":
            return self._fmt("%Y-%m-01 00:00:00", ts)
        if grain == "year":
            return self._fmt("%Y-01-01 00:00:00", ts)
        if grain == "quarter":
            month = exp.cast(self._fmt("%m", ts.copy()), exp.DataType.build("int"))
            back = exp.Mod(this=exp.Paren(this=exp.Sub(this=month,
                                                       expression=exp.Literal.number(1))),
                           expression=exp.Literal.number(3))
            # Parenthesised: in SQLite || binds tighter than %.
            modifier = exp.DPipe(this=exp.Literal.string("-"), expression=exp.DPipe(
                this=exp.Paren(this=back), expression=exp.Literal.string(" months")))
            return exp.Anonymous(this="STRFTIME", expressions=[
                exp.Literal.string("%Y-%m-01 00:00:00"), ts, modifier])
        raise CompileError(f"unknown grain {grain!r}")

    def add(self, ts: exp.Expression, amount: int, unit: str) -> exp.Expression:
        if amount == 0:
            return ts
        amount, unit = normalise_step(amount, unit)
        return self._fmt("%Y-%m-%d %H:%M:%S", ts, f"{amount:+d} {unit}s")

    def timestamp_literal(self, value: datetime) -> exp.Expression:
        return exp.Literal.string(value.strftime("%Y-%m-%d %H:%M:%S"))

    _SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400, "WEEK": 604800}

    def _seconds_between(self, node: exp.DateDiff) -> exp.Expression:
        """Whole units between two timestamps from integer epoch seconds: julianday()
        differences are floats, and truncating them loses a second now and then."""
        unit = node.text("unit").upper() or "DAY"
        if unit not in self._SECONDS:
            return node

        def epoch(e: exp.Expression) -> exp.Expression:
            return exp.cast(self._fmt("%s", e), exp.DataType.build("int"))

        if unit == "SECOND":
            return exp.Paren(this=exp.Sub(this=epoch(node.this),
                                          expression=epoch(node.expression)))
        # Boundaries crossed, as DuckDB counts them: each end cut to the unit first.
        size = exp.Literal.number(self._SECONDS[unit])
        return exp.Paren(this=exp.Sub(
            this=exp.IntDiv(this=epoch(node.this), expression=size),
            expression=exp.IntDiv(this=epoch(node.expression), expression=size.copy())))

    _PARTS = {"HOUR": "%H", "DAY": "%d", "MONTH": "%m", "YEAR": "%Y", "DOW": "%w",
              "MINUTE": "%M", "DOY": "%j"}

    def rewrite(self, tree: exp.Expression) -> exp.Expression:
        """Interval arithmetic and EXTRACT as strftime() modifiers: sqlglot leaves them
        in a form SQLite cannot run."""
        def fix(node: exp.Expression) -> exp.Expression:
            if isinstance(node, (exp.Add, exp.Sub)) and isinstance(node.expression,
                                                                   exp.Interval):
                interval = node.expression
                amount = int(float(interval.this.name))
                unit = interval.text("unit").lower().rstrip("s")
                sign = -1 if isinstance(node, exp.Sub) else 1
                return self.add(node.this, sign * amount, unit)
            if isinstance(node, exp.DateDiff):
                return self._seconds_between(node)
            if isinstance(node, exp.Extract):
                part = node.this.name.upper()
                if part in self._PARTS:
                    return exp.cast(self._fmt(self._PARTS[part], node.expression),
                                    exp.DataType.build("int"))
            return node

        return tree.transform(fix, copy=False)

    def date_literal(self, value: datetime) -> exp.Expression:
        return exp.Literal.string(value.strftime("%Y-%m-%d"))

    def to_float(self, e: exp.Expression) -> exp.Expression:
        return exp.cast(e, exp.DataType.build("float"))

    def values(self, rows: list[list[exp.Expression]], columns: list[str], alias: str
               ) -> exp.Select:
        # SQLite names VALUES columns column1, column2, ... and takes no alias list.
        table = exp.Values(expressions=[exp.Tuple(expressions=r) for r in rows],
                           alias=exp.TableAlias(this=exp.to_identifier(alias)))
        return exp.select(*[exp.column(f"column{i + 1}").as_(c)
                            for i, c in enumerate(columns)]).from_(exp.Subquery(
                                this=exp.select("*").from_(table), alias=exp.TableAlias(
                                    this=exp.to_identifier(alias))))

    def percentile(self, e: exp.Expression, q: float) -> exp.Expression:
        # Never reached: scans compute percentiles from row numbers (percentile_aggregate).
        raise CompileError("SQLite has no percentile aggregate")


@register_adapter
class SparkAdapter(DialectAdapter):
    dialect = "spark"

    def rewrite(self, tree: exp.Expression) -> exp.Expression:
        """Spark's DATEDIFF(unit, a, b) truncates the elapsed time; specs count unit
        boundaries crossed (DuckDB), so both ends are truncated to the unit first."""
        def fix(node: exp.Expression) -> exp.Expression:
            unit = node.text("unit").upper() if isinstance(node, exp.DateDiff) else ""
            if unit in ("SECOND", "MINUTE", "HOUR", "DAY"):
                return exp.DateDiff(
                    this=exp.TimestampTrunc(this=node.this, unit=exp.Var(this=unit)),
                    expression=exp.TimestampTrunc(this=node.expression,
                                                  unit=exp.Var(this=unit)),
                    unit=exp.Var(this=unit))
            return node

        return tree.transform(fix, copy=False)

    def percentile(self, e: exp.Expression, q: float) -> exp.Expression:
        # percentile() is exact in Spark; sqlglot would emit approximate percentile_approx.
        return exp.Anonymous(this="PERCENTILE", expressions=[e, exp.Literal.number(q)])


@register_adapter
class DatabricksAdapter(SparkAdapter):
    dialect = "databricks"


@register_adapter
class BigQueryAdapter(DialectAdapter):
    dialect = "bigquery"

    def _trunc(self, ts: exp.Expression, grain: str) -> exp.Expression:
        if grain == "week":  # BigQuery's WEEK starts on Sunday
            return exp.TimestampTrunc(this=ts, unit=exp.Var(this="WEEK(MONDAY)"))
        return super()._trunc(ts, grain)


__all__ = ["WEEKDAYS"]
