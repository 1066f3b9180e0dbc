"""Build an explanation: the metric's value in two periods, its change divided among the
drivers of its tree (each level weighed into the metric's units), and its change by
slice of each requested dimension."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import KpiError
from .attribution import SUM, product_contributions, product_scale, sum_contributions

if TYPE_CHECKING:
    from ..registry import Registry
    from ..workspace import Workspace

MAX_SLICES = 10  # per dimension, largest changes first; the rest are summed as "others"
MAX_NODES = 100  # metrics in one driver tree


class ExplainError(KpiError):
    """A metric or period that cannot be explained."""


@dataclass
class Node:
    metric: str
    value: float | None
    prior: float | None
    sign: int = 1  # -1: subtracted in its parent's sum
    contribution: float | None = None  # to the explained metric's change, in its units
    relation: str | None = None  # sum or product, when it has drivers
    method: str | None = None  # how its change was divided among them
    unexplained: float | None = None  # contribution - sum of the drivers' contributions
    drivers: list[Node] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        if self.value is None or self.prior is None:
            return None
        return self.value - self.prior

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"metric": self.metric, "value": self.value,
                               "prior": self.prior, "change": self.change,
                               "contribution": self.contribution}
        if self.sign < 0:
            out["sign"] = -1
        if self.relation:
            out.update(relation=self.relation, method=self.method,
                       unexplained=self.unexplained,
                       drivers=[d.to_dict() for d in self.drivers])
        return out


@dataclass
class Explanation:
    metric: str
    period: str
    vs: str
    unit: str
    direction: str
    tree: Node
    by: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    additive: bool = True  # slices of a breakdown add up to the total

    @property
    def change(self) -> float | None:
        return self.tree.change

    @property
    def change_ratio(self) -> float | None:
        prior, change = self.tree.prior, self.tree.change
        return None if change is None or not prior else change / abs(prior)

    @property
    def verdict(self) -> str | None:
        from ..comparisons import verdict

        return verdict(self.change, self.direction)

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "period": self.period, "vs": self.vs,
                "unit": self.unit, "value": self.tree.value, "prior": self.tree.prior,
                "change": self.change, "change_ratio": self.change_ratio,
                "verdict": self.verdict, "tree": self.tree.to_dict(),
                "by": self.by}


def explain(ws: Workspace, metric: str, period: str, vs: str | None = None,
            by: tuple[str, ...] | list[str] | None = None,
            warehouse: str | None = None) -> Explanation:
    """Why ``metric`` moved from ``vs`` (default: the period before) to ``period``."""
    from ..comparisons import PRIOR
    from ..periods import parse_period
    from ..units import unit_of

    registry = ws.registry
    name = registry.metric(metric).name
    current = parse_period(period, "--period")
    base = parse_period(vs, "--vs") if vs else None
    if base is not None and base.grain != current.grain:
        raise ExplainError(f"--vs {vs} is a {base.grain}, --period {period} a "
                           f"{current.grain}: compare a period with one of the same length")
    if base is not None and base.start >= current.start:
        raise ExplainError(f"--vs {vs} must be before --period {period}")
    options = dict(grain=current.grain, since=current.start, until=current.end,
                   compare=base.text if base else "previous",
                   week_start="monday" if current.grain == "week" else None)
    names = _tree_metrics(registry, name)
    result = ws.evaluate(names, warehouse=warehouse, **options)
    row = result.records[0] if result.records else {}
    values = {n: (_number(row.get(n)), _number(row.get(n + PRIOR))) for n in names}
    tree = _node(registry, name, values, 1, 1.0, None)
    metric_def = registry.metrics[name]
    dims = tuple(by) if by else (metric_def.drivers.dimensions if metric_def.drivers else ())
    explanation = Explanation(
        metric=name, period=current.text, vs=base.text if base else _previous(current),
        unit=unit_of(registry, name), direction=metric_def.direction, tree=tree,
        additive=is_additive(registry, name))
    for dim in dims:
        explanation.by[dim] = _slices(ws, name, dim, options, warehouse, tree.change,
                                      explanation.additive)
    return explanation


def _tree_metrics(registry: Registry, name: str) -> list[str]:
    """The metric and every metric of its driver tree, each once (validation has made
    sure the tree has no cycle)."""
    from ..validation.driver_rules import driver_names

    order, todo = [], [name]
    while todo:
        current = todo.pop(0)
        if current in order:
            continue
        order.append(current)
        if len(order) > MAX_NODES:
            raise ExplainError(f"the driver tree of {name!r} has more than {MAX_NODES} "
                               "metrics")
        drivers = registry.metrics[current].drivers
        if drivers is not None:
            todo += [registry.metric(n).name for _, n in driver_names(registry.metrics[current])]
    return order


def _node(registry: Registry, name: str, values: dict, sign: int, scale: float,
          contribution: float | None) -> Node:
    """The node of ``name``; ``scale`` turns one unit of its change into units of the
    explained metric (1 at the top)."""
    from ..validation.driver_rules import driver_names

    value, prior = values[name]
    node = Node(metric=name, value=value, prior=prior, sign=sign)
    node.contribution = node.change if contribution is None else contribution
    drivers = registry.metrics[name].drivers
    if drivers is None:
        return node
    children = [(s, registry.metric(n).name) for s, n in driver_names(registry.metrics[name])]
    node.relation = drivers.relation
    pairs = [values[c] for _, c in children]
    if any(v is None or p is None for v, p in pairs) or node.change is None:
        node.drivers = [Node(metric=c, value=values[c][0], prior=values[c][1], sign=s)
                        for s, c in children]
        return node
    priors, currents = [p for _, p in pairs], [v for v, _ in pairs]
    if drivers.relation == "sum":
        local, node.method = sum_contributions([s for s, _ in children], priors, currents), SUM
        scales = [scale * s for s, _ in children]
    else:
        local, node.method = product_contributions(priors, currents)
        scales = [scale * product_scale(p, v, prior, value, c, node.method)
                  for (v, p), c in zip(pairs, local, strict=True)]
    for (s, child), part, child_scale in zip(children, local, scales, strict=True):
        node.drivers.append(_node(registry, child, values, s, child_scale, scale * part))
    node.unexplained = node.contribution - sum(d.contribution or 0.0 for d in node.drivers)
    return node


def _slices(ws: Workspace, name: str, dim: str, options: dict, warehouse: str | None,
            total: float | None, additive: bool) -> list[dict[str, Any]]:
    """The metric's value, prior value and change per value of ``dim``, largest changes
    first; with an additive metric, each slice's share of the total change."""
    from ..comparisons import CHANGE, PRIOR

    result = ws.evaluate(name, warehouse=warehouse, by=(dim,), **options)
    rows = [{dim: r[dim], "value": _number(r[name]), "prior": _number(r[name + PRIOR]),
             "change": _number(r[name + CHANGE])} for r in result.records]
    rows.sort(key=lambda r: (-abs(r["change"] or 0.0), str(r[dim])))
    if len(rows) > MAX_SLICES and additive:
        rest = rows[MAX_SLICES - 1:]
        rows = rows[:MAX_SLICES - 1] + [{
            dim: f"({len(rest)} others)",
            **{k: sum(r[k] or 0.0 for r in rest) for k in ("value", "prior", "change")}}]
    elif len(rows) > MAX_SLICES:
        rows = rows[:MAX_SLICES]
    for r in rows:
        r["share"] = (r["change"] / total if additive and total and r["change"] is not None
                      else None)
    return rows


def is_additive(registry: Registry, name: str) -> bool:
    """Whether the metric's slices add up to its total: a sum or a count, or a formula
    that only adds and subtracts such metrics."""
    from sqlglot import exp

    from ..compiler.scans import parse_in

    metric = registry.metrics[name]
    if metric.type in ("sum", "count") and not metric.per:
        return True
    if metric.type != "derived":
        return False
    tree = parse_in(metric.expr or "", registry.dialect_of_metric(name))
    allowed = (exp.Add, exp.Sub, exp.Paren, exp.Neg, exp.Column, exp.Identifier)
    if not all(isinstance(node, allowed) for node in tree.walk()):
        return False
    return all(is_additive(registry, registry.metric(c.name).name)
               for c in tree.find_all(exp.Column))


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else value


def _previous(period) -> str:
    from datetime import datetime

    from ..compiler.timeline import shift
    from ..periods import parse_period

    start = shift(datetime.combine(period.start, datetime.min.time()), -1,
                  period.grain).date()
    forms = {"year": f"{start.year}", "quarter": f"{start.year}-Q{(start.month - 1) // 3 + 1}",
             "month": f"{start:%Y-%m}", "day": start.isoformat(),
             "week": "{}-W{:02d}".format(*start.isocalendar()[:2])}
    return parse_period(forms[period.grain]).text
