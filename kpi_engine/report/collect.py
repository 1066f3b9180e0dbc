"""Evaluate the report's KPIs: one statement per domain over the whole window (so the
value, the previous period, last year and the sparkline come back together), metric by
metric only when that statement fails (to name the culprit), and each broken-down KPI by
its breakdown for the reported period."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import KpiError
from .window import Window

TOP_SLICES = 8  # bars per breakdown chart; the rest are counted


@dataclass
class Collected:
    series: dict[str, dict[str, Any]] = field(default_factory=dict)  # metric -> period -> v
    slices: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    more_slices: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def breakdown_of(metric) -> tuple[str, ...]:
    """Dimensions a metric is meant to be read by (``meta: {breakdown: [...]}``), as
    ``kpi demo`` reads them: a share of a total is 100% without them."""
    dims = metric.meta.get("breakdown") or ()
    return (dims,) if isinstance(dims, str) else tuple(dims)


def collect(registry, warehouse, names: list[str], window: Window, base) -> Collected:
    """``base``: a Request carrying timezone, week start, currency and schema."""
    out = Collected()
    by_domain: dict[str, list[str]] = {}
    for n in names:
        if not breakdown_of(registry.metric(n)):
            by_domain.setdefault(registry.metric(n).domain, []).append(n)
    request = replace(base, grain=window.grain, since=window.since, until=window.until,
                      dimensions=(), dialect=warehouse.dialect)
    for metrics in by_domain.values():
        _collect_group(registry, warehouse, metrics, request, out)
    for n in names:
        dims = breakdown_of(registry.metric(n))
        if dims:
            _collect_breakdown(registry, warehouse, n, dims, request, window, out)
    return out


def _run(registry, warehouse, request) -> list[dict[str, Any]]:
    from ..evaluate import evaluate

    return evaluate(registry, request, warehouse)


def _collect_group(registry, warehouse, metrics, request, out: Collected) -> None:
    try:
        records = _run(registry, warehouse, replace(request, metrics=tuple(metrics)))
    except KpiError:
        for m in metrics:  # one at a time: the others still get their tiles
            try:
                records = _run(registry, warehouse, replace(request, metrics=(m,)))
            except KpiError as exc:
                out.errors[m] = str(exc)
                continue
            out.series[m] = {r["period"]: r[m] for r in records}
        return
    for m in metrics:
        out.series[m] = {r["period"]: r[m] for r in records}


def _collect_breakdown(registry, warehouse, metric, dims, request, window, out) -> None:
    one = replace(request, metrics=(metric,), dimensions=dims, since=window.period)
    try:
        records = _run(registry, warehouse, one)
    except KpiError as exc:
        out.errors[metric] = str(exc)
        return
    rows = []
    for rec in records:
        if rec[metric] is None:
            continue
        label = " × ".join("—" if rec[d] is None else str(rec[d]) for d in dims)
        rows.append((label, rec[metric]))
    rows.sort(key=lambda r: (-abs(float(r[1])), r[0]))
    # A symmetric pair metric (support, lift) gives A × B and B × A the same value.
    seen, unique = set(), []
    for label, value in rows:
        key = (frozenset(label.split(" × ")), value)
        if key not in seen:
            seen.add(key)
            unique.append((label, value))
    out.slices[metric] = unique[:TOP_SLICES]
    out.more_slices[metric] = max(0, len(unique) - TOP_SLICES)
