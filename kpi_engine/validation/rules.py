"""Validation rules, one small class each. ``DEFAULT_RULES`` runs in order; plugins add
more through ``kpi_register_validation_rules``. Each yields located ``SpecError``s."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from ..dependency_cycles import find_cycle
from ..errors import SpecError, did_you_mean
from ..registry import Registry
from ..specs.dependencies import metric_dependencies, source_columns
from ..specs.expressions import UnsafeExpression, parse_expression, parse_query
from ..specs.objects import ADDITIVE_TYPES, Metric, Source
from ..specs.sql_allowlist import readable_tables, table_problem
from ..vocabulary import GRAINS

# Expression-bearing fields, and whether aggregates / :period parameters are allowed.
_SOURCE_FIELDS = ("filter",)


class SourceRule:
    name = "sources"

    def check(self, registry: Registry) -> Iterator[SpecError]:
        # A source reads only tables of the project's schema: canonical, input, or a
        # plain table another source declares with `table:` (sql_allowlist).
        tables = readable_tables(registry.sources.values())
        for src in registry.sources.values():
            dialect = registry.dialect_of_source(src.name)
            problem = table_problem(src.table) if src.table else None
            if problem:
                yield SpecError(f"source {src.name!r}: {problem}", src.field_location("table"))
                continue
            if src.sql:
                try:
                    query = parse_query(src.sql, dialect, tables=tables)
                except UnsafeExpression as exc:
                    yield SpecError(f"source {src.name!r}: {exc}", src.field_location("sql"))
                    continue
                problem = _unknown_sql_column(query, dialect)
                if problem:
                    yield SpecError(f"source {src.name!r}: sql: {problem}",
                                    src.field_location("sql"))
                    continue
            for join in src.joins:
                if join.source not in registry.sources:
                    yield SpecError(
                        f"source {src.name!r} joins unknown source {join.source!r}"
                        f"{did_you_mean(join.source, set(registry.sources))}",
                        src.field_location("joins"))
            yield from _check_expr(registry, src, src.filter, "filter", f"source {src.name!r}")
            for dim in src.dimensions:
                yield from _check_expr(registry, src, dim.expression, "dimensions",
                                       f"dimension {dim.name!r} of source {src.name!r}")
            if src.time:
                yield from _check_columns(registry, src, exp.column(src.time), "time",
                                          f"source {src.name!r}")


class MetricExpressionRule:
    """Base, snapshot and per-entity expressions: safe, scalar, over known columns."""

    name = "metric-expressions"

    def check(self, registry: Registry) -> Iterator[SpecError]:
        for metric in registry.metrics.values():
            if not metric.source:
                continue
            if metric.source not in registry.sources:
                yield SpecError(
                    f"metric {metric.name!r}: unknown source {metric.source!r}"
                    f"{did_you_mean(metric.source, set(registry.sources))}",
                    metric.field_location("source"))
                continue
            src = registry.sources[metric.source]
            subject = f"metric {metric.name!r}"
            if metric.per:
                yield from _check_per(registry, src, metric)
                continue
            for field in ("expr", "filter"):
                yield from _check_expr(registry, src, getattr(metric, field), field, subject,
                                       metric=metric)
            for col in metric.snapshot_by:
                yield from _check_columns(registry, src, exp.column(col), "snapshot_by",
                                          subject, metric=metric)


class MetricReferenceRule:
    """Ratio, derived, cumulative and offset metrics refer to metrics that exist."""

    name = "metric-references"

    def check(self, registry: Registry) -> Iterator[SpecError]:
        known: frozenset[str] = frozenset()

        def hint(name: str) -> str:  # the names made once, not once per error
            nonlocal known
            known = known or frozenset(registry.known_names())
            return did_you_mean(name, known)

        for metric in registry.metrics.values():
            dialect = registry.dialect_of_metric(metric.name)
            for field in ("numerator", "denominator", "expr"):
                sql = getattr(metric, field)
                if metric.type not in ("ratio", "derived") or not sql:
                    continue
                try:
                    tree = parse_expression(sql, dialect).tree
                except UnsafeExpression as exc:
                    yield SpecError(f"metric {metric.name!r}: {field}: {exc}",
                                    metric.field_location(field))
                    continue
                for col in tree.find_all(exp.Column):
                    if col.name not in registry.metrics:
                        yield SpecError(
                            f"metric {metric.name!r}: {field} refers to unknown metric "
                            f"{col.name!r}{hint(col.name)}",
                            metric.field_location(field))
            if metric.type in ("cumulative", "offset") and metric.metric:
                if metric.metric not in registry.metrics:
                    yield SpecError(
                        f"metric {metric.name!r}: unknown metric {metric.metric!r}"
                        f"{hint(metric.metric)}",
                        metric.field_location("metric"))


class CycleRule:
    name = "cycles"

    def check(self, registry: Registry) -> Iterator[SpecError]:
        metrics = registry.metrics
        cycle = find_cycle({name: [d for d in registry.depends_on(name) if d in metrics]
                            for name in metrics})
        if cycle:
            first = registry.metrics[cycle[0]]
            yield SpecError("dependency cycle: " + " -> ".join(cycle), first.location)


class TimeSemanticsRule:
    """Cumulative metrics sum additive bases; windows are valid; offsets do not nest."""

    name = "time-semantics"

    def check(self, registry: Registry) -> Iterator[SpecError]:
        offset_users = _offset_users(registry)
        for metric in registry.metrics.values():
            base = registry.metrics.get(metric.metric or "")
            if metric.type == "cumulative" and base is not None:
                if base.type not in ADDITIVE_TYPES or base.per:
                    yield SpecError(
                        f"metric {metric.name!r}: a cumulative metric needs a sum or count "
                        f"metric, and {base.name!r} is {base.type} (not additive over time)",
                        metric.field_location("metric"))
            if metric.type == "offset" and base is not None:
                if base.name in offset_users:
                    yield SpecError(
                        f"metric {metric.name!r}: offsets cannot be nested "
                        f"({base.name!r} already uses an offset)",
                        metric.field_location("metric"))
            if metric.grain_to_date and metric.grain_to_date not in GRAINS:
                yield SpecError(f"metric {metric.name!r}: unknown grain", metric.location)


def _unknown_sql_column(query: exp.Query, dialect: str) -> str | None:
    """A column a source's SQL reads that its canonical tables lack, or None.

    Only checked when every table the query reads is canonical: for a team's own tables
    the engine cannot know the columns.
    """
    from sqlglot.errors import OptimizeError
    from sqlglot.optimizer.qualify import qualify

    from ..schema import TABLES

    ctes = {c.alias_or_name for c in query.find_all(exp.CTE)}
    tables = {t.name for t in query.find_all(exp.Table) if t.name not in ctes}
    if not tables or not tables <= set(TABLES):
        return None
    schema = {name: {c.name: "VARCHAR" for c in TABLES[name].columns} for name in tables}
    try:
        qualify(query.copy(), schema=schema, dialect=dialect, validate_qualify_columns=True)
    except OptimizeError as exc:
        message = str(exc).split(". Line:")[0]
        known = sorted({c for t in tables for c in TABLES[t].column_names})
        name = message.split("'")[1] if message.count("'") >= 2 else ""
        return f"{message} in {', '.join(sorted(tables))}{did_you_mean(name, known)}"
    return None


def _offset_users(registry: Registry) -> set[str]:
    """Every metric that is an offset or depends on one, transitively: one walk from the
    offsets up their dependents (linear, no recursion), not a walk per metric."""
    dependents: dict[str, list[str]] = {}
    for name, metric in registry.metrics.items():
        for dep in metric_dependencies(metric, registry.dialect_of_metric(name)):
            dependents.setdefault(dep, []).append(name)
    found = {name for name, m in registry.metrics.items() if m.type == "offset"}
    todo = list(found)
    while todo:
        for user in dependents.get(todo.pop(), ()):
            if user not in found:
                found.add(user)
                todo.append(user)
    return found


def _check_per(registry: Registry, src: Source, metric: Metric) -> Iterator[SpecError]:
    assert metric.per is not None
    subject = f"metric {metric.name!r}"
    dialect = registry.dialect_of_metric(metric.name)
    yield from _check_columns(registry, src, exp.column(metric.per.key), "per", subject,
                              metric=metric)
    for measure, sql in metric.per.measures.items():
        try:
            tree = parse_expression(sql, dialect, allow_aggregates=True,
                                    allow_placeholders=metric.point_in_time).tree
        except UnsafeExpression as exc:
            yield SpecError(f"{subject}: measure {measure!r}: {exc}", metric.field_location("per"))
            continue
        yield from _check_columns(registry, src, tree, "per", subject, metric=metric)
    names = set(metric.per.measures) | {metric.per.key}
    for field in ("expr", "filter"):
        sql = getattr(metric, field)
        if not sql:
            continue
        try:
            tree = parse_expression(sql, dialect,
                                    allow_placeholders=metric.point_in_time).tree
        except UnsafeExpression as exc:
            yield SpecError(f"{subject}: {field}: {exc}", metric.field_location(field))
            continue
        for col in tree.find_all(exp.Column):
            if col.name not in names:
                yield SpecError(
                    f"{subject}: {field} refers to {col.name!r}, which is not a measure of "
                    f"'per'{did_you_mean(col.name, names)} (known: {', '.join(sorted(names))})",
                    metric.field_location(field))


def _check_expr(registry: Registry, src: Source, sql: str | None, field: str, subject: str,
                metric: Metric | None = None) -> Iterator[SpecError]:
    if not sql:
        return
    owner = metric or src
    dialect = (registry.dialect_of_metric(metric.name) if metric
               else registry.dialect_of_source(src.name))
    try:
        tree = parse_expression(sql, dialect, allow_placeholders=bool(
            metric is not None and metric.point_in_time)).tree
    except UnsafeExpression as exc:
        hint = (" (parameters need 'point_in_time: true')"
                if "parameter" in str(exc) else "")
        yield SpecError(f"{subject}: {field}: {exc}{hint}", owner.field_location(field))
        return
    for ph in tree.find_all(exp.Placeholder):
        if ph.name not in ("period_start", "period_end"):
            yield SpecError(f"{subject}: {field}: unknown parameter ':{ph.name}' (use "
                            ":period_start or :period_end)", owner.field_location(field))
    yield from _check_columns(registry, src, tree, field, subject, metric=metric)


def _check_columns(registry: Registry, src: Source, tree: exp.Expression, field: str,
                   subject: str, metric: Metric | None = None) -> Iterator[SpecError]:
    owner = metric or src
    for col in tree.find_all(exp.Column):
        target, prefix = src, col.table
        if prefix and prefix != src.name:
            join = next((j for j in src.joins if j.source == prefix), None)
            if join is None or join.source not in registry.sources:
                yield SpecError(f"{subject}: {field}: {col.sql()!r} names {prefix!r}, which "
                                f"is not joined to source {src.name!r}",
                                owner.field_location(field))
                continue
            target = registry.sources[join.source]
        known = source_columns(target, registry.dialect_of_source(target.name))
        if known is not None and col.name not in known:
            where = target.table or target.name
            yield SpecError(
                f"{subject}: {field}: unknown column {col.name!r} in {where!r}"
                f"{did_you_mean(col.name, set(known))}", owner.field_location(field))


DEFAULT_RULES = (SourceRule(), MetricExpressionRule(), MetricReferenceRule(), CycleRule(),
                 TimeSemanticsRule())
