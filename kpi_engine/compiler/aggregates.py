"""One aggregate of a scan (function, expression, filter) as SQL, and medians and
percentiles for engines without a percentile aggregate (from row numbers)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from ..errors import CompileError
from .dialects import DialectAdapter


@dataclass
class Aggregate:
    alias: str
    func: str
    expr: exp.Expression | None
    filter: exp.Expression | None
    percentile: float | None = None
    money: bool = False  # an amount in the row's currency (unit: currency)


def filtered_value(agg: Aggregate) -> exp.Expression | None:
    """What the aggregate reads per row: its expression, NULL where its filter is false
    (None: count rows)."""
    value = agg.expr
    if agg.filter is not None:
        value = exp.Case(ifs=[exp.If(this=agg.filter, true=value if value is not None
                                     else exp.Literal.number(1))])
    return value


def aggregate_node(a: DialectAdapter, agg: Aggregate) -> exp.Expression:
    value = filtered_value(agg)
    f = agg.func
    if f == "count":
        return exp.Count(this=value if value is not None else exp.Star())
    if f == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[value]))
    if f == "sum":
        return exp.Sum(this=value)
    if f == "avg":
        return a.avg(value)
    if f == "min":
        return exp.Min(this=value)
    if f == "max":
        return exp.Max(this=value)
    if f == "median":
        return a.median(value)
    if f == "percentile":
        return a.percentile(value, agg.percentile or 0.5)
    raise CompileError(f"unknown aggregation {f!r}")


def ranked_aggregates(a: DialectAdapter, rows: exp.Select, key_names: list[str],
                      aggregates) -> exp.Select:
    """The scan's aggregates for an engine without a percentile aggregate (MySQL/MariaDB,
    SQLite), with medians and percentiles computed from row numbers.

    ``rows`` selects the key columns (named ``key_names``) of every row. Each aggregate's
    per-row value becomes a column; each percentile gets its value's rank among the
    group's non-NULL values and their count (window functions), and is then, as
    PERCENTILE_CONT, the values at rank ``pos = 1 + q * (n - 1)`` interpolated: a value of
    rank r weighs ``1 - |r - pos|`` when that is positive (one row when pos is whole, the
    two neighbours otherwise), so a plain SUM gives it (NULL for no values)."""
    aggregates = list(aggregates)
    level1 = rows.copy()
    for i, agg in enumerate(aggregates):
        value = filtered_value(agg)
        if value is not None:
            level1 = level1.select(value.as_(f"agg_value_{i}"), copy=False)
    keys = [exp.column(k) for k in key_names]
    level2 = exp.select("*").from_(level1.subquery("r"))
    for i, agg in enumerate(aggregates):
        if agg.func not in ("median", "percentile"):
            continue
        value = exp.column(f"agg_value_{i}")
        missing = exp.Case(ifs=[exp.If(this=exp.Is(this=value.copy(), expression=exp.Null()),
                                       true=exp.Literal.number(1))],
                           default=exp.Literal.number(0))
        level2 = level2.select(
            exp.Window(this=exp.RowNumber(), partition_by=[*keys, missing],
                       order=exp.Order(expressions=[exp.Ordered(this=value.copy())])
                       ).as_(f"agg_rank_{i}"),
            exp.Window(this=exp.Count(this=value.copy()), partition_by=[
                k.copy() for k in keys] or None).as_(f"agg_count_{i}"), copy=False)
    level3 = exp.select(*[exp.column(k, "w") for k in key_names]).from_(
        level2.subquery("w"))
    for i, agg in enumerate(aggregates):
        has_value = filtered_value(agg) is not None
        value = exp.column(f"agg_value_{i}", "w")
        if agg.func in ("median", "percentile"):
            q = 0.5 if agg.func == "median" else (agg.percentile or 0.5)
            pos = exp.Add(this=exp.Literal.number(1), expression=exp.Mul(
                this=exp.Literal.number(q), expression=exp.Paren(this=exp.Sub(
                    this=exp.column(f"agg_count_{i}", "w"), expression=exp.Literal.number(1)))))
            distance = exp.Abs(this=exp.Sub(this=exp.column(f"agg_rank_{i}", "w"),
                                            expression=exp.Paren(this=pos)))
            weight = exp.Sub(this=exp.Literal.number(1), expression=distance.copy())
            node: exp.Expression = exp.Sum(this=exp.Case(ifs=[exp.If(
                this=exp.and_(exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())),
                              exp.LT(this=distance, expression=exp.Literal.number(1))),
                true=exp.Mul(this=a.to_float(value.copy()), expression=exp.Paren(
                    this=weight)))]))
        else:
            node = aggregate_node(a, Aggregate(agg.alias, agg.func,
                                                value if has_value else None, None))
        level3 = level3.select(node.as_(agg.alias), copy=False)
    if key_names:
        level3 = level3.group_by(*[exp.column(k, "w") for k in key_names])
    return level3
