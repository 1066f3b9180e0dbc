"""Scans: one CTE per source (and per kind of aggregation) that reads the source ONCE
and computes every aggregate the request needs from it, grouped by period and the
requested dimensions the source has.

Kinds:
- ``agg``: plain aggregates; metric filters become CASE WHEN inside the aggregate so
  metrics with different filters still share the scan.
- ``entity``: aggregate per entity (customer) first, then across entities.
- ``snapshot``: semi-additive; keep each entity's last row in the period, then aggregate.
``history`` scans (for cumulative metrics) ignore the lower bound of the date range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlglot import exp

from ..errors import CompileError
from ..specs.expressions import UnsafeExpression, parse_expression, parse_query
from ..specs.objects import Metric, PerEntity, Source
from ..specs.sql_allowlist import readable_tables, table_problem
from .aggregates import Aggregate, aggregate_node, ranked_aggregates
from .dialects import DialectAdapter
from .timeline import local_midnight_utc

SOURCE_ALIAS = "t"


@dataclass
class ScanContext:
    """What every scan needs to know about the request."""

    adapter: DialectAdapter
    grain: str
    dimensions: tuple[str, ...]
    since: date | None
    until: date | None
    timezone: str
    week_start: str
    schema: str | None
    where: tuple[exp.Expression, ...]  # parsed request filters over dimension names
    sources: dict[str, Source]
    source_dialects: dict[str, str]
    currency: str | None = None  # reporting currency: money is converted into it


@dataclass
class Scan:
    name: str
    source: Source
    kind: str  # agg | entity | snapshot
    history: bool = False
    per: PerEntity | None = None
    snapshot_by: tuple[str, ...] = ()
    snapshot_filter: str | None = None
    aggregates: dict[tuple, Aggregate] = field(default_factory=dict)
    dims: tuple[str, ...] = ()
    point_in_time: bool = False

    def add(self, func: str, expr: exp.Expression | None, filt: exp.Expression | None,
            alias_hint: str, percentile: float | None = None, money: bool = False) -> str:
        """The column computing this aggregate, added once however many metrics need it."""
        # sqlglot trees compare and hash by structure: no SQL text needed for the key.
        key = (func, expr, filt, percentile, money)
        if key not in self.aggregates:
            alias = alias_hint
            taken = {a.alias for a in self.aggregates.values()}
            n = 2
            while alias in taken:
                alias, n = f"{alias_hint}_{n}", n + 1
            self.aggregates[key] = Aggregate(alias, func, expr, filt, percentile, money)
        return self.aggregates[key].alias

    def money_metrics(self) -> tuple[str, ...]:
        return tuple(a.alias for a in self.aggregates.values() if a.money)


# -- expressions in a source's row context ------------------------------------------------
def qualify(tree: exp.Expression, source: Source) -> exp.Expression:
    """Point unqualified columns at the source alias and ``join.col`` at the join alias."""
    tree = tree.copy()
    for col in list(tree.find_all(exp.Column)):
        prefix = col.table
        if not prefix or prefix == source.name:
            col.set("table", exp.to_identifier(SOURCE_ALIAS))
        else:
            col.set("table", exp.to_identifier(f"j_{prefix}"))
    return tree


def parse_in(sql: str, dialect: str, **kw) -> exp.Expression:
    return parse_expression(sql, dialect, allow_placeholders=True, **kw).tree


PERIOD_PARAMS = {"period_start": "start_utc", "period_end": "end_utc"}


def bind_period(tree: exp.Expression) -> exp.Expression:
    """Replace :period_start / :period_end with the bounds of the periods row ``p``."""
    def sub(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            name = node.name
            if name not in PERIOD_PARAMS:
                raise CompileError(f"unknown parameter ':{name}' (use :period_start or "
                                   ":period_end in a point_in_time metric)")
            return exp.column(PERIOD_PARAMS[name], "p")
        return node

    return tree.transform(sub)


def pit_periods(ctx: ScanContext, source: Source) -> exp.Expression:
    """One row per output period with its local start and its bounds in UTC."""
    from .timeline import local_midnight_utc as utc_of
    from .timeline import period_starts, shift

    a = ctx.adapter
    if ctx.grain == "all":
        start = (a.timestamp_literal(utc_of(ctx.since, ctx.timezone)) if ctx.since
                 else a.timestamp_literal(datetime(1900, 1, 1)))
        end = (a.timestamp_literal(utc_of(ctx.until, ctx.timezone)) if ctx.until
               else a.timestamp_literal(datetime(9999, 12, 31)))
        return exp.select(start.as_("start_utc"), end.as_("end_utc"))
    starts = (period_starts(ctx.since, ctx.until, ctx.grain, ctx.week_start)
              if ctx.since and ctx.until else None)
    if starts:
        from zoneinfo import ZoneInfo

        tz, utc = ZoneInfo(ctx.timezone), ZoneInfo("UTC")

        def to_utc(local: datetime) -> datetime:
            return local.replace(tzinfo=tz).astimezone(utc).replace(tzinfo=None)

        rows = [[a.timestamp_literal(s), a.timestamp_literal(to_utc(s)),
                 a.timestamp_literal(to_utc(shift(s, 1, ctx.grain)))] for s in starts]
        return a.values(rows, ["period", "start_utc", "end_utc"], "bounds")
    # No explicit range: the periods in which the source has rows.
    local = period_expr(ctx, source)
    distinct = exp.select(local.as_("period")).distinct(copy=False).from_(source_from(ctx, source), copy=False)
    conds = range_conditions(ctx, source, ctx.since, ctx.until)
    if conds:
        distinct = distinct.where(exp.and_(*conds), copy=False)
    period = exp.column("period", "d")
    return exp.select(
        period, a.utc_time(period.copy(), ctx.timezone).as_("start_utc"),
        a.utc_time(a.add(period.copy(), 1, ctx.grain), ctx.timezone).as_("end_utc"),
    ).from_(distinct.subquery("d", copy=False), copy=False)


def source_from(ctx: ScanContext, source: Source) -> exp.Expression:
    """FROM <table or (query)> AS t, LEFT JOIN each joined source."""
    dialect = ctx.source_dialects.get(source.name, "duckdb")
    if source.table:
        relation: exp.Expression = exp.table_(_table_name(source), db=ctx.schema,
                                              alias=SOURCE_ALIAS)
    else:
        query = _qualify_tables(_source_query(ctx, source, dialect), ctx.schema)
        relation = exp.Subquery(this=query, alias=exp.TableAlias(
            this=exp.to_identifier(SOURCE_ALIAS)))
    return relation


def join_clauses(ctx: ScanContext, source: Source) -> list[exp.Join]:
    joins = []
    for join in source.joins:
        other = ctx.sources[join.source]
        alias = f"j_{join.source}"
        if other.table:
            rel: exp.Expression = exp.table_(_table_name(other), db=ctx.schema, alias=alias)
        else:
            q = _qualify_tables(_source_query(ctx, other,
                                              ctx.source_dialects.get(other.name, "duckdb")),
                                ctx.schema)
            rel = exp.Subquery(this=q, alias=exp.TableAlias(this=exp.to_identifier(alias)))
        cond = exp.and_(*[exp.EQ(this=exp.column(local, SOURCE_ALIAS),
                                 expression=exp.column(remote, alias))
                          for local, remote in join.on.items()])
        joins.append(exp.Join(this=rel, kind="LEFT", on=cond))
    return joins


def _table_name(source: Source) -> str:
    # Re-checked here: a registry loaded without validation must not reach the engine.
    problem = table_problem(source.table or "")
    if problem:
        raise CompileError(f"source {source.name!r}: {problem}")
    return source.table or ""


def _source_query(ctx: ScanContext, source: Source, dialect: str) -> exp.Expression:
    try:
        return parse_query(source.sql or "", dialect,
                           tables=readable_tables(ctx.sources.values()))
    except UnsafeExpression as exc:
        raise CompileError(f"source {source.name!r}: sql: {exc}") from None


def _qualify_tables(query: exp.Expression, schema: str | None) -> exp.Expression:
    if not schema:
        return query
    query = query.copy()
    ctes = {c.alias_or_name for c in query.find_all(exp.CTE)}
    for table in query.find_all(exp.Table):
        if not table.args.get("db") and table.name not in ctes:
            table.set("db", exp.to_identifier(schema))
    return query


def time_column(source: Source) -> exp.Expression:
    if not source.time:
        raise CompileError(f"source {source.name!r} has no time column: set 'time' to "
                           "evaluate it by period or date range")
    return exp.column(source.time, SOURCE_ALIAS)


def period_expr(ctx: ScanContext, source: Source) -> exp.Expression:
    a = ctx.adapter
    col = time_column(source)
    if source.time_type == "date":
        local = a.as_timestamp(col)
    else:
        local = a.local_time(col, ctx.timezone)
    return a.truncate(local, ctx.grain, ctx.week_start)


def range_conditions(ctx: ScanContext, source: Source, since: date | None,
                     until: date | None) -> list[exp.Expression]:
    """The date range pushed into the scan, on the raw column so indexes apply."""
    if since is None and until is None:
        return []
    col = time_column(source)
    conds = []
    for bound, op in ((since, exp.GTE), (until, exp.LT)):
        if bound is None:
            continue
        if source.time_type == "date":
            lit = ctx.adapter.date_literal(datetime(bound.year, bound.month, bound.day))
        else:
            lit = ctx.adapter.timestamp_literal(local_midnight_utc(bound, ctx.timezone))
        conds.append(op(this=col.copy(), expression=lit))
    return conds


def dimension_exprs(ctx: ScanContext, source: Source) -> dict[str, exp.Expression]:
    """The requested dimensions this source has, as qualified expressions."""
    out = {}
    dialect = ctx.source_dialects.get(source.name, "duckdb")
    for name in ctx.dimensions:
        dim = source.dimension(name)
        if dim is not None:
            out[name] = qualify(parse_in(dim.expression, dialect), source)
    return out


def where_filters(ctx: ScanContext, source: Source, dims: dict[str, exp.Expression]
                  ) -> list[exp.Expression]:
    """Request filters, rewritten from dimension names to this source's expressions."""
    out = []
    dialect = ctx.source_dialects.get(source.name, "duckdb")
    for filt in ctx.where:
        tree = filt.copy()
        for col in list(tree.find_all(exp.Column)):
            dim = source.dimension(col.name)
            if dim is None:
                raise CompileError(
                    f"filter {filt.sql()!r}: source {source.name!r} has no dimension "
                    f"{col.name!r} (its dimensions: "
                    f"{', '.join(d.name for d in source.dimensions) or 'none'})")
            col.replace(exp.Paren(this=qualify(parse_in(dim.expression, dialect), source)))
        out.append(tree)
    return out


def _group_keys(keys: list[tuple[str, exp.Expression]]) -> list[exp.Expression]:
    """GROUP BY expressions; a constant dimension (e.g. expr: "'advertising'") is left
    out: it groups nothing, and PostgreSQL rejects constants in GROUP BY."""
    return [e.copy() for _, e in keys if any(True for _ in e.find_all(exp.Column))]


def build_scan(ctx: ScanContext, scan: Scan) -> exp.Select:
    """The SELECT of one scan CTE: columns period, <dims>, <aggregate aliases>."""
    select = _scan_body(ctx, scan)
    _add_used_joins(select, ctx, scan.source)
    if currency_checks(ctx, scan) and ctx.currency:
        _row_select(select).append("joins", _rates_join(ctx, scan.source))
    return safe_divisions(localize(select, ctx), ctx)


# -- money in several currencies ---------------------------------------------------------
RATES_ALIAS = "fx_rates"


def currency_checks(ctx: ScanContext, scan: Scan) -> tuple[str, ...]:
    """The check columns a scan adds: money read from a source whose rows say their
    currency (a ``currency`` dimension). Without a reporting currency: the lowest and
    highest currency summed (more than one is refused); with one: a currency lacking a
    rate, and when. Only plain aggregates convert (per-entity and snapshot scans do not
    read money in the shipped catalog)."""
    if scan.kind != "agg" or not scan.money_metrics() or row_currency(ctx, scan.source) is None:
        return ()
    if ctx.currency is None:
        return ("check__currency_min", "check__currency_max")
    return ("check__missing_rate", "check__missing_rate_at")


def row_currency(ctx: ScanContext, source: Source) -> exp.Expression | None:
    dim = source.dimension("currency")
    if dim is None:
        return None
    return qualify(parse_in(dim.expression, ctx.source_dialects.get(source.name, "duckdb")),
                   source)


def _in_reporting_currency(ctx: ScanContext, currency: exp.Expression) -> exp.Expression:
    """An empty currency is the store's, which is the reporting currency."""
    assert ctx.currency is not None
    return exp.Paren(this=exp.or_(exp.Is(this=currency.copy(), expression=exp.Null()),
                                  currency.copy().eq(exp.Literal.string(ctx.currency))))


def _row_local_time(ctx: ScanContext, source: Source) -> exp.Expression:
    col = time_column(source)
    if source.time_type == "date":
        return ctx.adapter.as_timestamp(col)
    return ctx.adapter.local_time(col, ctx.timezone)


def _money_aggregates(ctx: ScanContext, scan: Scan) -> list[Aggregate]:
    """The scan's aggregates with money converted at each row's date, and its checks."""
    aggs = list(scan.aggregates.values())
    checks = currency_checks(ctx, scan)
    if not checks:
        return aggs
    currency = row_currency(ctx, scan.source)
    assert currency is not None
    if ctx.currency is None:
        return aggs + [Aggregate(checks[0], "min", currency.copy(), None),
                       Aggregate(checks[1], "max", currency.copy(), None)]
    rate = exp.column("rate", RATES_ALIAS)
    factor = exp.Case(ifs=[exp.If(this=_in_reporting_currency(ctx, currency),
                                  true=exp.Literal.number(1))], default=rate)
    converted = [Aggregate(a.alias, a.func, exp.Mul(this=exp.Paren(this=a.expr.copy()),
                                                    expression=factor.copy()),
                           a.filter, a.percentile, a.money)
                 if a.money and a.expr is not None else a for a in aggs]
    missing = exp.and_(exp.Not(this=_in_reporting_currency(ctx, currency)),
                       exp.Is(this=rate.copy(), expression=exp.Null()))

    def when_missing(value: exp.Expression) -> exp.Expression:
        return exp.Case(ifs=[exp.If(this=missing.copy(), true=value)])

    return converted + [
        Aggregate(checks[0], "min", when_missing(currency.copy()), None),
        Aggregate(checks[1], "min", when_missing(_row_local_time(ctx, scan.source)), None)]


def _rates_join(ctx: ScanContext, source: Source) -> exp.Join:
    """LEFT JOIN the rate in force at the row's local time: the currency's latest row of
    exchange_rates on or before that day."""
    a = ctx.adapter
    day = a.as_timestamp(exp.column("date"))
    rates = exp.select(
        exp.column("currency"), day.as_("valid_from"),
        exp.Window(this=exp.Lead(this=day.copy()), partition_by=[exp.column("currency")],
                   order=exp.Order(expressions=[exp.Ordered(this=exp.column("date"))])
                   ).as_("valid_until"),
        exp.column("rate")).from_(exp.table_("exchange_rates", db=ctx.schema))
    at = _row_local_time(ctx, source)
    currency = row_currency(ctx, source)
    assert currency is not None
    until = exp.column("valid_until", RATES_ALIAS)
    on = exp.and_(
        exp.column("currency", RATES_ALIAS).eq(currency),
        exp.column("valid_from", RATES_ALIAS).__le__(at),
        exp.Paren(this=exp.or_(exp.Is(this=until, expression=exp.Null()),
                               at.copy().__lt__(until.copy()))))
    return exp.Join(this=rates.subquery(RATES_ALIAS), kind="LEFT", on=on)


def safe_divisions(tree: exp.Expression, ctx: ScanContext) -> exp.Expression:
    """Every '/' in spec SQL divides as in DuckDB, the dialect specs are written in: as
    floats, NULL when the divisor is 0. PostgreSQL would raise on 0 and truncate integer
    division; MySQL and Spark differ again."""
    return ctx.adapter.guard_divisions(tree)


def localize(tree: exp.Expression, ctx: ScanContext) -> exp.Expression:
    """Compile the specs' local_time(ts) into this dialect's timezone conversion."""
    def fix(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() == "local_time":
            if len(node.expressions) != 1:
                raise CompileError("local_time() takes one timestamp")
            return ctx.adapter.local_time(node.expressions[0], ctx.timezone)
        return node

    return tree.transform(fix, copy=False)


def _add_used_joins(select: exp.Select, ctx: ScanContext, source: Source) -> None:
    """LEFT JOIN only the joined sources an expression of this scan reads."""
    used = {c.table for c in select.find_all(exp.Column) if c.table.startswith("j_")}
    if not used:
        return
    row_select = _row_select(select)
    for join in join_clauses(ctx, source):
        if join.this.alias_or_name in used:
            row_select.append("joins", join)


def _row_select(select: exp.Select) -> exp.Select:
    """The SELECT (perhaps nested) that reads the source rows (alias ``t``)."""
    return next(s for s in select.find_all(exp.Select)
                if any(t.alias_or_name == SOURCE_ALIAS
                       for t in s.find_all(exp.Table, exp.Subquery)
                       if t.parent_select is s))


def _scan_body(ctx: ScanContext, scan: Scan) -> exp.Select:
    src = scan.source
    dims = dimension_exprs(ctx, src)
    scan.dims = tuple(dims)
    keys: list[tuple[str, exp.Expression]] = []
    if ctx.grain != "all":
        keys.append(("period", exp.column("period", "p") if scan.point_in_time
                     else period_expr(ctx, src)))
    keys.extend(dims.items())
    dialect = ctx.source_dialects.get(src.name, "duckdb")
    conds: list[exp.Expression] = []
    if src.filter:
        conds.append(exp.Paren(this=qualify(parse_in(src.filter, dialect), src)))
    if not scan.point_in_time:  # point-in-time scans read every row, whatever its date
        # History and snapshot scans read back to the first row: a running total starts
        # there, and a stock level is the last reading however old.
        since = None if scan.history or scan.kind == "snapshot" else ctx.since
        conds.extend(range_conditions(ctx, src, since, ctx.until))
    conds.extend(where_filters(ctx, src, dims))
    if scan.kind == "snapshot" and scan.snapshot_filter:
        conds.append(exp.Paren(this=qualify(parse_in(scan.snapshot_filter, dialect), src)))

    if scan.point_in_time:
        rows = exp.select(*[e.copy().as_(k) for k, e in keys]).from_(
            pit_periods(ctx, src).subquery("p", copy=False), copy=False).join(source_from(ctx, src), join_type="cross", copy=False)
    else:
        rows = exp.select(*[e.copy().as_(k) for k, e in keys]).from_(source_from(ctx, src), copy=False)
    if conds:
        rows = rows.where(exp.and_(*conds), copy=False)
    key_names = [k for k, _ in keys]

    if scan.kind == "agg":
        aggregates = _money_aggregates(ctx, scan)
        if _ranks_percentiles(ctx, scan):
            return ranked_aggregates(ctx.adapter, rows, key_names, aggregates)
        select = rows
        for agg in aggregates:
            select = select.select(aggregate_node(ctx.adapter, agg).as_(agg.alias), copy=False)
        if keys:
            select = select.group_by(*_group_keys(keys), copy=False)
        return select

    if scan.kind == "entity":
        assert scan.per is not None
        inner = rows.select(qualify(parse_in(scan.per.key, dialect), src).as_("entity_key"), copy=False)
        for measure, sql in scan.per.measures.items():
            inner = inner.select(bind_period(qualify(
                parse_in(sql, dialect, allow_aggregates=True), src)).as_(measure), copy=False)
        group = _group_keys(keys) + [qualify(parse_in(scan.per.key, dialect), src)]
        inner = inner.group_by(*group, copy=False)
        outer = exp.select(*[exp.column(k, "e") for k in key_names]).from_(
            inner.subquery("e", copy=False), copy=False)
        if _ranks_percentiles(ctx, scan):
            return ranked_aggregates(ctx.adapter, outer, key_names, scan.aggregates.values())
        for agg in scan.aggregates.values():
            outer = outer.select(aggregate_node(ctx.adapter, agg).as_(agg.alias), copy=False)
        if key_names:
            outer = outer.group_by(*[exp.column(k, "e") for k in key_names], copy=False)
        return outer

    if scan.kind == "snapshot":
        # Each entity's last reading in each period (not aggregated: ``carried_snapshot``
        # carries it forward to later periods, then aggregates over entities).
        inner = rows.select(time_column(src).as_("snapshot_time"), copy=False)
        entity = snapshot_entity(ctx, scan)
        for i, col in enumerate(entity):
            inner = inner.select(qualify(parse_in(col, dialect), src).as_(f"snapshot_key_{i}"),
                                 copy=False)
        for agg in scan.aggregates.values():
            if agg.expr is not None:
                inner = inner.select(agg.expr.copy().as_(f"value_{agg.alias}"), copy=False)
        partition = [exp.column(k) for k in key_names] + [
            exp.column(f"snapshot_key_{i}") for i in range(len(entity))]
        ranked = exp.select("*", exp.Window(
            this=exp.RowNumber(), partition_by=partition,
            order=exp.Order(expressions=[exp.Ordered(this=exp.column("snapshot_time"),
                                                     desc=True)])).as_("snapshot_rank")
        ).from_(inner.subquery("r", copy=False), copy=False)
        columns = key_names + [f"snapshot_key_{i}" for i in range(len(entity))] + [
            f"value_{a.alias}" for a in scan.aggregates.values() if a.expr is not None]
        last = exp.select(*[exp.column(c, "s") for c in columns]).from_(
            ranked.subquery("s", copy=False), copy=False).where(exp.column("snapshot_rank", "s").eq(1), copy=False)
        if ctx.grain != "all":
            # The reading holds until the entity's next one (windows see only rank 1).
            following = exp.Window(
                this=exp.Lead(this=exp.column("period", "s")),
                partition_by=[exp.column(c, "s") for c in key_names if c != "period"] + [
                    exp.column(f"snapshot_key_{i}", "s") for i in range(len(entity))],
                order=exp.Order(expressions=[exp.Ordered(this=exp.column("period", "s"))]))
            last = last.select(following.as_("next_period"), copy=False)
        return last
    raise CompileError(f"unknown scan kind {scan.kind!r}")


def _ranks_percentiles(ctx: ScanContext, scan: Scan) -> bool:
    return not ctx.adapter.percentile_aggregate and any(
        a.func in ("median", "percentile") for a in scan.aggregates.values())


def snapshot_entity(ctx: ScanContext, scan: Scan) -> tuple[str, ...]:
    """The columns naming one stock-keeping entity: ``snapshot_by`` plus ``source`` when
    the rows carry one (two stores sharing product ids are different entities)."""
    entity = tuple(scan.snapshot_by)
    if "source" not in entity and _has_source_column(scan.source):
        entity += ("source",)
    return entity


def _has_source_column(source: Source) -> bool:
    from ..schema import TABLES

    key = source.primary_key
    keys = [key] if isinstance(key, str) else list(key or [])
    table = TABLES.get(source.table or "")
    return ("source" in keys or "source" in (source.columns or ())
            or (table is not None and "source" in table.column_names))


def metric_value_expr(metric: Metric, source: Source, dialect: str) -> exp.Expression | None:
    """A base metric's per-row expression, qualified to the source (None: count rows)."""
    if not metric.expr:
        return None
    tree = parse_in(metric.expr, dialect)
    return bind_period(_per_context(tree, metric.per) if metric.per else qualify(tree, source))


def metric_filter_expr(metric: Metric, source: Source, dialect: str) -> exp.Expression | None:
    if not metric.filter or metric.type == "snapshot":
        return None
    tree = parse_in(metric.filter, dialect)
    return bind_period(_per_context(tree, metric.per) if metric.per else qualify(tree, source))


def _per_context(tree: exp.Expression, per: PerEntity) -> exp.Expression:
    """Per-entity expressions read the entity row (alias ``e``): its measures and key."""
    tree = tree.copy()
    for col in list(tree.find_all(exp.Column)):
        name = "entity_key" if col.name == per.key else col.name
        col.replace(exp.column(name, "e"))
    return tree
