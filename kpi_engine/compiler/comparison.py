"""Comparison columns (``Request.compare``): each requested metric's value in an earlier
period, the change and the relative change, in the same statement as the values.

They reuse the offset mechanism: the final select already joins ``metric_values`` to
itself a number of periods back for offset metrics; a comparison adds (or shares) one
such join. The prior value is rebuilt from the joined row's columns the way the metric is
built from the current row's (a ratio divides the prior numerator by the prior
denominator, a derived metric applies its formula to prior values), so a period with no
rows counts its sums and counts as 0, exactly as it would if it were requested itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from ..errors import CompileError

if TYPE_CHECKING:
    from .compiler import _Plan

# Output columns added per metric (the verdict good/bad is added after the query, from
# the metric's direction: kpi_engine/comparisons.py).
PRIOR, CHANGE, CHANGE_RATIO = "__prior", "__change", "__change_ratio"
_ZERO_WHEN_EMPTY = ("sum", "count", "count_distinct", "cumulative")


def comparison_outputs(plan: _Plan, outputs: dict[str, exp.Expression]
                       ) -> dict[str, exp.Expression]:
    """``<metric>__prior``, ``__change`` (current - prior) and ``__change_ratio``
    (change / |prior|, NULL when the prior value is 0 or unknown) for each metric."""
    assert plan.request.compare is not None
    periods, unit = plan.request.compare
    alias = plan.offset_alias(plan.offset_step(periods, unit, "--compare"))
    columns: dict[str, exp.Expression] = {}
    for name in plan.names:
        if plan.uses_offset(name):
            raise CompileError(f"metric {name!r} already compares periods (it uses an "
                               "offset): request it without --compare")
        prior = _prior(plan, name, alias)
        change = exp.Sub(this=exp.Paren(this=outputs[name].copy()),
                         expression=exp.Paren(this=prior.copy()))
        columns[name + PRIOR] = prior
        columns[name + CHANGE] = change
        columns[name + CHANGE_RATIO] = plan.adapter.safe_divide(
            change.copy(), exp.Abs(this=prior.copy()))
    return columns


def _prior(plan: _Plan, name: str, alias: str) -> exp.Expression:
    """``name`` computed from the row of ``metric_values`` at ``alias``."""
    metric = plan.registry.metrics[name]
    dialect = plan.registry.dialect_of_metric(name)
    resolve = lambda n: _prior(plan, n, alias)  # noqa: E731
    if metric.type == "ratio":
        num = plan._over_metrics(metric.numerator or "", dialect, resolve)
        den = plan._over_metrics(metric.denominator or "", dialect, resolve)
        return plan.adapter.safe_divide(num, den)
    if metric.type == "derived":
        return plan._over_metrics(metric.expr or "", dialect, resolve)
    plan.value(name)  # a column of metric_values
    col: exp.Expression = exp.column(name, alias)
    if metric.type in _ZERO_WHEN_EMPTY:
        col = exp.Coalesce(this=col, expressions=[exp.Literal.number(0)])
    return col
