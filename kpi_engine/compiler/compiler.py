"""Compile a request into ONE SQL statement.

Layers of the statement (all sqlglot ASTs; user input is parsed, never pasted):
1. scans    one CTE per source and aggregation kind, reading the source once
2. history  scans without the lower date bound, for cumulative metrics
3. keys     every (period, dimensions) row to output: the union of the scans' keys and,
            for a plain time series with a date range, a spine of all periods
4. values   keys LEFT JOIN each scan (null-safe on dimensions); ratios and derived
            metrics are computed here from the scans' columns
5. final    period offsets (previous period, same period last year) join ``values`` to
            itself at a shifted period; the output is limited to the requested range

LEFT JOINs from ``keys`` are used instead of chained FULL OUTER JOINs: same result, and
MySQL/MariaDB have no FULL OUTER JOIN.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlglot import exp

from ..errors import CompileError, did_you_mean
from ..registry import Registry
from ..specs.expressions import UnsafeExpression, parse_expression
from ..specs.limits import recursion_room, tree_extent
from ..specs.objects import Metric
from .comparison import comparison_outputs
from .dialects import adapter_for
from .request import CompiledQuery, Request, check_dialect
from .scans import (
    Scan,
    ScanContext,
    build_scan,
    currency_checks,
    metric_filter_expr,
    metric_value_expr,
    parse_in,
)
from .snapshots import carried_snapshot
from .timeline import GRAIN_ORDER, period_starts, shift

# Derived and ratio metrics are inlined into one expression: bound what that may build.
MAX_INLINED_DEPTH = 1_000  # levels of one metric's expression (a 200-metric chain: ~400)
MAX_INLINED_NODES = 250_000  # nodes built for one request

_ZERO_WHEN_EMPTY = ("sum", "count", "count_distinct")


class Compiler:
    def __init__(self, registry: Registry):
        self.registry = registry

    def compile(self, request: Request) -> CompiledQuery:
        check_dialect(request.dialect)
        # Inlining a chain of derived metrics recurses once per metric, and sqlglot renders
        # the nested expression recursively: both are bounded (MAX_INLINED_*), so give
        # them the stack room those bounds need.
        with recursion_room():
            return _Plan(self.registry, request).build()


class _Plan:
    def __init__(self, registry: Registry, request: Request):
        self.registry = registry
        self.request = request
        self.adapter = adapter_for(request.dialect)
        self.adapter.time_range = (request.since, request.until)
        self.names = [registry.metric(n).name for n in request.metrics]
        self.scans: dict[tuple, Scan] = {}
        self.cumulative: dict[str, tuple[Metric, Scan, str]] = {}
        self.values: dict[str, exp.Expression] = {}  # metric -> expression in ``values``
        self.offset_joins: dict[tuple[int, str], str] = {}  # (periods, unit) -> alias
        self._offset_memo: dict[str, bool] = {}
        self._finals: dict[str, exp.Expression] = {}  # offset-using metric -> final expression
        self._inlined_nodes = 0  # nodes built by inlining metrics, for MAX_INLINED_NODES
        self.since = request.since
        self.grain = request.grain
        self.dims = tuple(request.dimensions)
        where = []
        for sql in request.where:
            try:
                where.append(parse_expression(sql, "duckdb").tree)
            except UnsafeExpression as exc:
                shown = sql if len(sql) <= 200 else sql[:200] + "..."
                raise CompileError(f"--where {shown!r}: {exc}") from None
        self.ctx = ScanContext(
            adapter=self.adapter, grain=request.grain, dimensions=self.dims,
            since=request.since, until=request.until, timezone=request.timezone,
            week_start=request.week_start, schema=request.schema, where=tuple(where),
            sources=registry.sources,
            source_dialects={n: registry.dialect_of_source(n) for n in registry.sources},
            currency=request.currency)
        # Check columns in ``values``: output name -> (check, group, metrics guarded).
        self.checks: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        self.check_values: dict[str, exp.Expression] = {}

    # -- dependency questions ----------------------------------------------------------
    def uses_offset(self, name: str) -> bool:
        if name not in self._offset_memo:
            metric = self.registry.metrics[name]
            deps = self.registry.depends_on(name)
            self._offset_memo[name] = metric.type == "offset" or any(
                self.uses_offset(d) for d in deps)
        return self._offset_memo[name]

    # -- the values layer -----------------------------------------------------------------
    def value(self, name: str) -> exp.Expression:
        """``name`` as an expression over scan columns (no offsets)."""
        if name in self.values:
            return self.values[name].copy()
        metric = self.registry.metrics[name]
        dialect = self.registry.dialect_of_metric(name)
        if metric.is_base or metric.type == "snapshot":
            result = self._base(metric, dialect)
        elif metric.type == "ratio":
            num = self._over_metrics(metric.numerator or "", dialect, self.value)
            den = self._over_metrics(metric.denominator or "", dialect, self.value)
            result = self.adapter.safe_divide(num, den)
        elif metric.type == "derived":
            result = self._over_metrics(metric.expr or "", dialect, self.value)
        elif metric.type == "cumulative":
            result = self._cumulative(metric)
        else:
            raise CompileError(f"metric {name!r} ({metric.type}) cannot be computed here")
        self.values[name] = self._bounded(name, result)
        return result.copy()

    def _bounded(self, name: str, result: exp.Expression) -> exp.Expression:
        """``result`` if it stays within the inlining bounds, else a CompileError: a metric
        built from another twice, itself built twice, ... doubles at every level."""
        size, depth = tree_extent(result)
        self._inlined_nodes += size
        if depth > MAX_INLINED_DEPTH or self._inlined_nodes > MAX_INLINED_NODES:
            what = (f"nests {depth:,} levels deep (limit {MAX_INLINED_DEPTH:,})"
                    if depth > MAX_INLINED_DEPTH else
                    f"and the metrics it uses expand to more than {MAX_INLINED_NODES:,} "
                    "expression nodes")
            raise CompileError(f"metric {name!r} {what} once the metrics in its formula are "
                               "written out; split the request or simplify the formulas")
        return result

    def _over_metrics(self, sql: str, dialect: str, resolve) -> exp.Expression:
        """An expression over metric names, each replaced by its own expression."""
        tree = parse_in(sql, dialect)  # a fresh tree of its own

        def substitute(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column):
                return exp.Paren(this=resolve(self.registry.metric(node.name).name))
            return node

        tree = tree.transform(substitute, copy=False)
        # Division in a metric formula is NULL on a zero denominator, never an error.
        return self.adapter.guard_divisions(tree)

    def _scan(self, metric: Metric, history: bool = False) -> Scan:
        source = self.registry.source(metric.source or "")
        if metric.type == "snapshot":
            key: tuple = ("snapshot", source.name, metric.snapshot_by, metric.filter)
            kind = "snapshot"
        elif metric.per:
            key = ("entity", source.name, metric.per.key,
                   tuple(sorted(metric.per.measures.items())), history, metric.point_in_time)
            kind = "entity"
        else:
            key = ("agg", source.name, history, metric.point_in_time)
            kind = "agg"
        if key not in self.scans:
            prefix = "history" if history else "scan"
            suffix = {"agg": "", "entity": f"_per_{metric.per.key}" if metric.per else "",
                      "snapshot": "_snapshot"}[kind]
            suffix += "_at_period" if metric.point_in_time else ""
            name = f"{prefix}_{source.name}{suffix}"
            taken = {s.name for s in self.scans.values()}
            base, n = name, 2
            while name in taken:
                name, n = f"{base}_{n}", n + 1
            self.scans[key] = Scan(name=name, source=source, kind=kind, history=history,
                                   per=metric.per, snapshot_by=metric.snapshot_by,
                                   snapshot_filter=metric.filter if kind == "snapshot"
                                   else None, point_in_time=metric.point_in_time)
        return self.scans[key]

    def _aggregate_column(self, metric: Metric, history: bool = False) -> tuple[Scan, str]:
        scan = self._scan(metric, history)
        dialect = self.registry.dialect_of_metric(metric.name)
        source = scan.source
        expr = metric_value_expr(metric, source, dialect)
        if metric.type == "snapshot":
            func = metric.agg or ("sum" if metric.expr else "count")
            filt = None
        else:
            func, filt = metric.type, metric_filter_expr(metric, source, dialect)
        money = (metric.unit == "currency" and expr is not None
                 and func not in ("count", "count_distinct") and metric.type != "snapshot")
        alias = scan.add(func, expr, filt, metric.name, metric.percentile, money)
        return scan, alias

    def _base(self, metric: Metric, dialect: str) -> exp.Expression:
        scan, alias = self._aggregate_column(metric)
        col: exp.Expression = exp.column(alias, scan.name)
        # Sums and counts of nothing are 0; a snapshot with no reading stays unknown (NULL).
        if metric.type in _ZERO_WHEN_EMPTY:
            col = exp.Coalesce(this=col, expressions=[exp.Literal.number(0)])
        return col

    def _cumulative(self, metric: Metric) -> exp.Expression:
        if self.grain == "all":
            raise CompileError(f"metric {metric.name!r} is cumulative: evaluate it at a time "
                               "grain (day, week, month, ...), not 'all'")
        base = self.registry.metrics[metric.metric or ""]
        if metric.window and GRAIN_ORDER[metric.window.grain] < GRAIN_ORDER[self.grain]:
            raise CompileError(
                f"metric {metric.name!r} has a {metric.window.count}-{metric.window.grain} "
                f"window, finer than the requested grain {self.grain!r}")
        if metric.grain_to_date and GRAIN_ORDER[metric.grain_to_date] < GRAIN_ORDER[self.grain]:
            raise CompileError(f"metric {metric.name!r} is {metric.grain_to_date}-to-date: "
                               f"evaluate it at {metric.grain_to_date} grain or finer")
        scan, alias = self._aggregate_column(base, history=True)
        cte = f"cumulative_{metric.name}"
        self.cumulative[metric.name] = (metric, scan, alias)
        return exp.Coalesce(this=exp.column("value", cte), expressions=[exp.Literal.number(0)])

    # -- the final layer --------------------------------------------------------------------
    def final(self, name: str) -> exp.Expression:
        """``name`` in the final select: a column of ``values`` or an offset lookup."""
        if not self.uses_offset(name):
            self.value(name)
            return exp.column(name, "cur")
        if name not in self._finals:
            self._finals[name] = self._bounded(name, self._final_of(name))
        return self._finals[name].copy()

    def _final_of(self, name: str) -> exp.Expression:
        metric = self.registry.metrics[name]
        dialect = self.registry.dialect_of_metric(name)
        if metric.type == "offset":
            assert metric.offset is not None
            target = self.registry.metrics[metric.metric or ""]
            self.value(target.name)
            alias = self._offset_alias(metric)
            col: exp.Expression = exp.column(target.name, alias)
            if target.type in _ZERO_WHEN_EMPTY:
                col = exp.Coalesce(this=col, expressions=[exp.Literal.number(0)])
            return col
        if metric.type == "ratio":
            num = self._over_metrics(metric.numerator or "", dialect, self.final)
            den = self._over_metrics(metric.denominator or "", dialect, self.final)
            return self.adapter.safe_divide(num, den)
        if metric.type == "derived":
            return self._over_metrics(metric.expr or "", dialect, self.final)
        raise CompileError(f"metric {name!r} cannot use an offset here")

    def _offset_step(self, metric: Metric) -> tuple[int, str]:
        assert metric.offset is not None
        return self.offset_step(metric.offset.periods, metric.offset.grain,
                                f"metric {metric.name!r}")

    def offset_step(self, periods: int, unit: str | None, what: str) -> tuple[int, str]:
        """(periods, unit) of the ``metric_values`` join ``periods`` of ``unit`` (None:
        the requested grain) back; ``what`` names the asker in errors."""
        if self.grain == "all":
            raise CompileError(f"{what} compares with an earlier period: "
                               "evaluate it at a time grain, not 'all'")
        unit = unit or self.grain
        if GRAIN_ORDER[unit] < GRAIN_ORDER[self.grain]:
            raise CompileError(f"{what} offsets by {unit}, finer than the "
                               f"requested grain {self.grain!r}")
        if self.grain == "week" and unit != "week":
            # The same week last year is 52 weeks back, so it starts on the same weekday.
            weeks = {"month": 4, "quarter": 13, "year": 52}[unit]
            return periods * weeks, "week"
        return periods, unit

    def _offset_alias(self, metric: Metric) -> str:
        return self.offset_alias(self._offset_step(metric))

    def offset_alias(self, step: tuple[int, str]) -> str:
        if step not in self.offset_joins:
            self.offset_joins[step] = f"offset_{len(self.offset_joins) + 1}"
        return self.offset_joins[step]

    # -- assembly ---------------------------------------------------------------------------
    def build(self) -> CompiledQuery:
        outputs = {name: self.final(name) for name in self.names}
        if self.request.compare:
            outputs.update(comparison_outputs(self, outputs))
        if self.offset_joins and self.request.since:
            # Offsets read earlier periods: extend every scan back by the largest step.
            try:
                earliest = min(shift(datetime.combine(self.request.since, datetime.min.time()),
                                     -n, unit) for n, unit in self.offset_joins)
            except (OverflowError, ValueError):  # before year 1
                raise CompileError(f"the period offsets reach before year 1 from --since "
                                   f"{self.request.since}") from None
            self.ctx.since = earliest.date()
        scan_ctes = {_rows_of(scan): build_scan(self.ctx, scan) for scan in self.scans.values()}
        range_scans = [s for s in self.scans.values() if not s.history]
        key_cols = (["period"] if self.grain != "all" else []) + list(self.dims)
        self._check_dimensions()
        with_: list[tuple[str, exp.Expression]] = list(scan_ctes.items())
        spine = self._spine()
        if key_cols:
            with_.extend(self._key_ctes(key_cols, spine))
            for name, (metric, scan, alias) in self.cumulative.items():
                with_.append((f"cumulative_{name}", self._cumulative_cte(metric, scan, alias)))
        for scan in self.scans.values():
            if scan.kind == "snapshot":
                with_.append((scan.name, carried_snapshot(
                    self.ctx, scan, _rows_of(scan), "output_keys" if key_cols else None)))
        self._collect_checks(range_scans)
        values = self._values_select(key_cols, range_scans)
        if self.offset_joins:
            with_.append(("metric_values", values))
            final = self._final_select(key_cols, outputs)
        else:
            final = self._project(values, key_cols)
        for name, cte in with_:
            final = final.with_(name, as_=cte, copy=False)
        final = self.adapter.rewrite(final)
        # The tree is generated once and not reused: the generator may rewrite it in place.
        sql = final.sql(dialect=self.request.dialect, pretty=True, copy=False)
        return CompiledQuery(sql=sql, dialect=self.request.dialect, metrics=list(self.names),
                             dimensions=list(self.dims), grain=self.grain, tree=final,
                             units={n: self.registry.metrics[n].unit for n in self.names},
                             checks=dict(self.checks))

    def _check_dimensions(self) -> None:
        if not self.dims:
            return
        for scan in self.scans.values():
            lacking = [d for d in self.dims if d not in scan.dims]
            if lacking and not scan.source.totals:
                users = sorted(m for m, metric in self.registry.metrics.items()
                               if metric.source == scan.source.name and m in self.values)
                raise CompileError(
                    f"cannot break down {', '.join(users) or scan.source.name} by "
                    f"{lacking[0]!r}"
                    f"{did_you_mean(lacking[0], {d.name for d in scan.source.dimensions})}: "
                    f"source {scan.source.name!r} has no such dimension "
                    f"(its dimensions: "
                    f"{', '.join(d.name for d in scan.source.dimensions) or 'none'}; "
                    "a source of totals meant to repeat across breakdowns sets 'totals: true')")
        scans = [s for s in self.scans.values() if not s.history] or list(self.scans.values())
        if not any(set(self.dims) <= set(s.dims) for s in scans):
            available = sorted({d.name for s in scans for d in s.source.dimensions})
            missing = [d for d in self.dims if not any(d in s.dims for s in scans)]
            name = missing[0] if missing else self.dims[0]
            raise CompileError(
                f"dimension {name!r} is not available for "
                f"{', '.join(self.names)}{did_you_mean(name, available)} "
                f"(available: {', '.join(available) or 'none'})")

    def _spine(self, always: bool = False) -> exp.Expression | None:
        """Every period of the range; used as keys only for a plain time series (with a
        breakdown, a slice without data in a period has no row), ``always`` for the
        periods a breakdown's window and offset keys are placed in."""
        req = self.request
        if self.grain == "all" or (self.dims and not always) or not (self.ctx.since
                                                                    and req.until):
            return None
        starts = period_starts(self.ctx.since, req.until, self.grain, req.week_start)
        if not starts:
            return None
        return self.adapter.values([[self.adapter.timestamp_literal(s)] for s in starts],
                                   ["period"], "spine")

    def _key_ctes(self, key_cols: list[str], spine: exp.Expression | None
                  ) -> list[tuple[str, exp.Expression]]:
        """``output_keys`` and the CTEs it is built from.

        With a breakdown, a slice (dimension values) gets a row in a period when a scan
        has data for it there, and also when a metric of the request reads data of that
        slice from another period: a cumulative metric (or snapshot) the periods of its
        window, an offset metric the shifted period. Otherwise a month without offline
        sales would lose offline's year-to-date and last-year values."""
        reads_other_periods = self.cumulative or self.offset_joins or any(
            s.kind == "snapshot" for s in self.scans.values())
        if not self.dims or self.grain == "all" or not reads_other_periods:
            return [("output_keys", self._keys(key_cols, spine))]
        ctes: list[tuple[str, exp.Expression]] = [("scan_keys", self._keys(key_cols, spine))]
        periods = self._spine(always=True)
        if periods is None:
            periods = exp.select("period").distinct(copy=False).from_("scan_keys", copy=False)
        ctes.append(("key_periods", periods))
        parts: list[exp.Expression] = [exp.select(*key_cols).from_("scan_keys", copy=False)]
        dims = [exp.column(d, "h") for d in self.dims]
        for metric, scan in self._window_reads():
            if not set(self.dims) <= set(scan.dims):
                continue
            on = self._window_conditions(metric, "h", "p")
            parts.append(exp.select(exp.column("period", "p"), *dims).from_(
                exp.to_table("key_periods").as_("p"), copy=False).join(
                    exp.to_table(_rows_of(scan)).as_("h"), on=exp.and_(*on), copy=False))
        if self.offset_joins:
            # An offset reads the rows of ``metric_values`` (scans and windows) one step
            # back; its slices there get a row at the current period.
            ctes.append(("window_keys", _union(parts)))
            parts = [exp.select(*key_cols).from_("window_keys", copy=False)]
        for periods_back, unit in self.offset_joins:
            shifted = self.adapter.add(exp.column("period", "p"), -periods_back, unit)
            parts.append(exp.select(exp.column("period", "p"), *[
                exp.column(d, "k") for d in self.dims]).from_(
                    exp.to_table("key_periods").as_("p"), copy=False).join(
                        exp.to_table("window_keys").as_("k"),
                        on=exp.column("period", "k").eq(shifted), copy=False))
        ctes.append(("output_keys", _union(parts)))
        return ctes

    def _window_reads(self) -> list[tuple[Metric | None, Scan]]:
        """(cumulative metric, history scan) pairs, and (None, scan) for snapshot scans,
        which carry each entity's last reading forward to later periods."""
        reads: list[tuple[Metric | None, Scan]] = [
            (metric, scan) for metric, scan, _ in self.cumulative.values()]
        reads += [(None, s) for s in self.scans.values() if s.kind == "snapshot"]
        return reads

    def _window_conditions(self, metric: Metric | None, h: str, k: str
                           ) -> list[exp.Expression]:
        """Rows of ``h`` (a history scan) inside the window of the period in ``k``."""
        conds = [exp.column("period", h).__le__(exp.column("period", k))]
        if metric is not None and metric.window:
            lower = self.adapter.add(exp.column("period", k), -metric.window.count,
                                     metric.window.grain)
            conds.append(exp.column("period", h).__gt__(lower))
        if metric is not None and metric.grain_to_date:
            start = self.adapter.truncate(exp.column("period", k), metric.grain_to_date,
                                          self.request.week_start)
            conds.append(exp.column("period", h).__ge__(start))
        return conds

    def _keys(self, key_cols: list[str], spine: exp.Expression | None) -> exp.Expression:
        parts: list[exp.Expression] = []
        for scan in self.scans.values():
            if not set(self.dims) <= set(scan.dims):
                continue
            part = exp.select(*[exp.column(c) for c in key_cols]).from_(_rows_of(scan), copy=False)
            reads_back = scan.history or scan.kind == "snapshot"
            if reads_back and self.ctx.since and self.grain != "all":
                since_local = datetime.combine(self.ctx.since, datetime.min.time())
                part = part.where(exp.column("period").__ge__(
                    self.adapter.timestamp_literal(since_local)), copy=False)
            parts.append(part)
        if spine is not None:
            parts.append(spine)
        union = parts[0]
        for part in parts[1:]:
            union = exp.union(union, part, distinct=True, copy=False)
        if len(parts) == 1:
            union = union.distinct(copy=False) if isinstance(union, exp.Select) else union
        return union

    def _join_on(self, key_cols: list[str], left: str, right: str,
                 right_cols: tuple[str, ...] | None = None) -> exp.Expression:
        conds = []
        for c in key_cols:
            if c != "period" and right_cols is not None and c not in right_cols:
                continue
            a, b = exp.column(c, left), exp.column(c, right)
            conds.append(a.eq(b) if c == "period" else self.adapter.null_safe_eq(a, b))
        return exp.and_(*conds) if conds else exp.true()

    def _collect_checks(self, range_scans: list[Scan]) -> None:
        """Currency checks of the scans (see scans.currency_checks), as values columns."""
        sources: list[tuple[Scan, str]] = [(s, s.name) for s in range_scans]
        if self.grain != "all":
            sources += [(scan, f"cumulative_{name}")
                        for name, (_, scan, _) in self.cumulative.items()]
        for group, (scan, table) in enumerate(sources):
            for check in currency_checks(self.ctx, scan):
                out = f"{check}_{group}"
                self.checks[out] = (check, str(group), scan.money_metrics())
                self.check_values[out] = exp.column(check, table)

    def _values_select(self, key_cols: list[str], scans: list[Scan]) -> exp.Select:
        select = exp.select(*[exp.column(c, "output_keys") for c in key_cols])
        if key_cols:
            select = select.from_("output_keys")
            for scan in scans:
                on = self._join_on(key_cols, "output_keys", scan.name, scan.dims)
                select = select.join(scan.name, on=on, join_type="left", copy=False)
            for name in self.cumulative:
                cte = f"cumulative_{name}"
                select = select.join(cte, on=self._join_on(key_cols, "output_keys", cte),
                                     join_type="left", copy=False)
        else:
            first, *rest = scans
            select = select.from_(first.name)
            for scan in rest:
                select = select.join(scan.name, join_type="cross", copy=False)
        if self.offset_joins:
            for name, expr in self.values.items():
                select = select.select(expr.copy().as_(name), copy=False)
            for name, expr in self.check_values.items():
                select = select.select(expr.copy().as_(name), copy=False)
        return select

    def _project(self, values: exp.Select, key_cols: list[str]) -> exp.Select:
        select = values
        for name in self.names:
            select = select.select(self.values[name].copy().as_(name), copy=False)
        for name, expr in self.check_values.items():
            select = select.select(expr.copy().as_(name), copy=False)
        if key_cols:
            select = select.order_by(*_ordered(key_cols, "output_keys"), copy=False)
        return select

    def _final_select(self, key_cols: list[str], outputs: dict[str, exp.Expression]
                      ) -> exp.Select:
        select = exp.select(*[exp.column(c, "cur") for c in key_cols]).from_(
            exp.to_table("metric_values").as_("cur"), copy=False)
        for (periods, unit), alias in self.offset_joins.items():
            shifted = self.adapter.add(exp.column("period", "cur"), -periods, unit)
            on = exp.and_(exp.column("period", alias).eq(shifted),
                          *[self.adapter.null_safe_eq(exp.column(d, alias), exp.column(d, "cur"))
                            for d in self.dims])
            select = select.join(exp.to_table("metric_values").as_(alias), on=on,
                                 join_type="left", copy=False)
        for name, expr in outputs.items():
            select = select.select(expr.as_(name), copy=False)
        # Checks of the current row and of the earlier periods the offsets read.
        for name, (check, group, metrics) in list(self.checks.items()):
            select = select.select(exp.column(name, "cur"), copy=False)
            for alias in self.offset_joins.values():
                self.checks[f"{name}_{alias}"] = (check, f"{group}_{alias}", metrics)
                select = select.select(exp.column(name, alias).as_(f"{name}_{alias}"),
                                       copy=False)
        if self.request.since:
            since_local = datetime.combine(self.request.since, datetime.min.time())
            select = select.where(exp.column("period", "cur").__ge__(
                self.adapter.timestamp_literal(since_local)), copy=False)
        return select.order_by(*_ordered(key_cols, "cur"), copy=False)

    def _cumulative_cte(self, metric: Metric, scan: Scan, alias: str) -> exp.Select:
        key_cols = ["period", *self.dims]
        h, k = "h", "output_keys"
        conds = self._window_conditions(metric, h, k)
        for d in self.dims:
            if d in scan.dims:
                conds.append(self.adapter.null_safe_eq(exp.column(d, h), exp.column(d, k)))
        checks = [(exp.Max if c == "check__currency_max" else exp.Min)(
            this=exp.column(c, h)).as_(c) for c in currency_checks(self.ctx, scan)]
        return (exp.select(*[exp.column(c, k) for c in key_cols],
                           exp.Sum(this=exp.column(alias, h)).as_("value"), *checks)
                .from_(k, copy=False).join(exp.to_table(scan.name).as_(h), on=exp.and_(*conds), copy=False)
                .group_by(*[exp.column(c, k) for c in key_cols], copy=False))


def _rows_of(scan: Scan) -> str:
    """The CTE a scan's rows are in: a snapshot's readings are carried forward into the
    CTE named after the scan, which the values layer joins."""
    return f"{scan.name}_readings" if scan.kind == "snapshot" else scan.name


def _union(parts: list[exp.Expression]) -> exp.Expression:
    """UNION (distinct) of SELECTs with the same columns."""
    union = parts[0].copy()
    for part in parts[1:]:
        union = exp.union(union, part.copy(), distinct=True, copy=False)
    if len(parts) == 1 and isinstance(union, exp.Select):
        union = union.distinct()
    return union


def _ordered(columns: list[str], table: str) -> list[exp.Ordered]:
    """Output order, with NULL dimension values last on every engine (PostgreSQL and
    MySQL disagree by default)."""
    return [exp.Ordered(this=exp.column(c, table), nulls_first=False) for c in columns]


def compile_request(registry: Registry, request: Request) -> CompiledQuery:
    return Compiler(registry).compile(request)


__all__ = ["Compiler", "compile_request", "Request", "date"]
