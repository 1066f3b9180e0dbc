"""Snapshot (semi-additive) values per output key, carried forward from each entity's
last reading (the readings themselves are a scan, see ``scans``)."""

from __future__ import annotations

from sqlglot import exp

from .aggregates import Aggregate, aggregate_node
from .scans import Scan, ScanContext


def carried_snapshot(ctx: ScanContext, scan: Scan, readings: str,
                     keys: str | None) -> exp.Select:
    """A snapshot's values per output key: for each entity its latest reading in or
    before the period (a product without a reading this month still has the stock it
    last reported), aggregated over entities. ``keys`` is the output keys CTE (None when
    there are no key columns: one row from the last readings)."""
    a = ctx.adapter
    dims = [d for d in ctx.dimensions if d in scan.dims]
    if ctx.grain == "all" or keys is None:
        key_cols, table = dims, "s"
        rows = exp.select(*[exp.column(d, "s") for d in dims]).from_(
            exp.to_table(readings).as_("s"))
    else:
        key_cols, table = ["period", *ctx.dimensions], "k"
        # The reading in force at the period: at or before it, and the entity's next
        # reading (if any) after it. One row per entity and key, however many came before.
        following = exp.column("next_period", "s")
        on = [exp.column("period", "s").__le__(exp.column("period", "k")),
              exp.Paren(this=exp.or_(exp.Is(this=following, expression=exp.Null()),
                                     following.copy().__gt__(exp.column("period", "k"))))]
        on += [a.null_safe_eq(exp.column(d, "s"), exp.column(d, "k")) for d in dims]
        rows = exp.select(*[exp.column(c, "k") for c in key_cols]).from_(
            exp.to_table(keys).as_("k")).join(exp.to_table(readings).as_("s"),
                                              on=exp.and_(*on))
    over_entities = [Aggregate(agg.alias, agg.func, exp.column(f"value_{agg.alias}", "s")
                               if agg.expr is not None else None, None, agg.percentile)
                     for agg in scan.aggregates.values()]
    # (A snapshot's ``agg`` is sum, count, avg, min or max: no percentile here.)
    for agg in over_entities:
        rows = rows.select(aggregate_node(a, agg).as_(agg.alias), copy=False)
    return rows.group_by(*[exp.column(c, table) for c in key_cols]) if key_cols else rows
