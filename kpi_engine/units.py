"""The unit a metric's values are shown in.

A cumulative or offset metric that does not state a unit is in its base metric's unit
(gross sales to date is money, like gross sales); an explicit ``unit:`` wins.
"""

from __future__ import annotations

from .registry import Registry

_INHERITS = ("cumulative", "offset")


def unit_of(registry: Registry, name: str) -> str:
    metric = registry.metric(name)
    seen = {metric.name}
    while (metric.type in _INHERITS and "unit" not in metric.fields_set
           and metric.metric):
        base = registry.metric(metric.metric)
        if base.name in seen:  # a cycle is reported by validation, not here
            break
        seen.add(base.name)
        metric = base
    return metric.unit
