"""Which metrics a metric refers to, and which columns a source offers."""

from __future__ import annotations

from functools import lru_cache

from sqlglot import exp

from ..schema import TABLES
from .expressions import UnsafeExpression, parse_expression, parse_query
from .objects import Metric, Source


@lru_cache(maxsize=65_536)  # above the metrics of a large project: validation asks twice
def _metric_refs(sql: str, dialect: str) -> tuple[str, ...]:
    try:
        tree = parse_expression(sql, dialect).tree
    except UnsafeExpression:
        return ()
    seen: dict[str, None] = {}
    for col in tree.find_all(exp.Column):
        seen.setdefault(col.name, None)
    return tuple(seen)


def metric_dependencies(metric: Metric, dialect: str = "duckdb") -> list[str]:
    """Names of the metrics ``metric`` is computed from (direct dependencies only)."""
    if metric.type == "ratio":
        refs = _metric_refs(metric.numerator or "", dialect)
        refs += _metric_refs(metric.denominator or "", dialect)
        return list(dict.fromkeys(refs))
    if metric.type == "derived":
        return list(_metric_refs(metric.expr or "", dialect))
    if metric.type in ("cumulative", "offset"):
        return [metric.metric] if metric.metric else []
    return []


def source_columns(source: Source, dialect: str = "duckdb") -> tuple[str, ...] | None:
    """The columns a source offers, or None when they cannot be known (user tables)."""
    if source.columns:
        return tuple(source.columns)
    if source.table:
        table = TABLES.get(source.table)
        return table.column_names if table else None
    return _query_columns(source.sql or "", dialect)


@lru_cache(maxsize=1024)
def _query_columns(sql: str, dialect: str) -> tuple[str, ...] | None:
    """The names a source query selects; validation asks once per metric on the source,
    so the query is parsed once."""
    try:
        query = parse_query(sql, dialect)
    except UnsafeExpression:
        return None
    names = query.named_selects
    if any(isinstance(s, exp.Star) or (isinstance(s, exp.Column) and s.is_star)
           for s in query.selects):
        return None
    return tuple(names)
