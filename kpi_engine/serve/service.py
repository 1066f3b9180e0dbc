"""What each API call does, without HTTP: the app maps requests onto these functions.
Every evaluation is a ``Request`` compiled by the compiler (metric names, dimensions and
grains checked against the registry, ``where`` through the allow-list parser), so nothing
a client writes is pasted into SQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ..errors import KpiError
from .context import ServeContext


class NotFound(KpiError):
    """A name the registry does not know, asked for by path."""


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _summary(registry, name: str, lang: str) -> dict[str, Any]:
    from ..units import unit_of

    m = registry.metric(name)
    return {"name": m.name, "label": m.label_in(lang), "domain": m.domain,
            "unit": unit_of(registry, m.name), "direction": m.direction,
            "description": m.description, "hidden": m.hidden}


def list_metrics(ctx: ServeContext, domain: str | None, lang: str,
                 include_hidden: bool) -> list[dict[str, Any]]:
    return [_summary(ctx.registry, n, lang) for n, m in sorted(ctx.registry.metrics.items())
            if (include_hidden or not m.hidden) and (domain is None or m.domain == domain)]


def show_metric(ctx: ServeContext, name: str, lang: str) -> dict[str, Any]:
    from ..citations import benchmark_text
    from ..graph import build_graph, downstream
    from ..report.collect import breakdown_of

    registry = ctx.registry
    try:
        metric = registry.metric(name)
    except KpiError as exc:
        raise NotFound(str(exc)) from None
    out = _summary(registry, metric.name, lang)
    graph = build_graph(registry)
    out.update(
        type=metric.type, aliases=list(metric.aliases),
        depends_on=list(registry.depends_on(metric.name)),
        source=metric.source, used_by=sorted(downstream(graph, metric.name)),
        breakdown=list(breakdown_of(metric)),
        benchmarks=[benchmark_text(b, out["unit"]) for b in metric.benchmarks],
        targets=[{"period": t.period, "value": t.value, "change": t.change, "note": t.note}
                 for t in metric.targets])
    return out


def make_request(ctx: ServeContext, wh, metrics, grain, by, since, until, where,
                 compare: str | None = None):
    from ..compiler.request import Request

    step = None
    if compare:
        from ..comparisons import compare_step

        step = compare_step(compare, grain, since, ctx.week_start)
    return Request(metrics=tuple(metrics), grain=grain, dimensions=tuple(by), since=since,
                   until=until, where=tuple(where), timezone=ctx.timezone,
                   week_start=ctx.week_start, dialect=wh.dialect, schema=wh.schema,
                   currency=ctx.currency, compare=step)


def eval_metrics(ctx: ServeContext, metrics, grain, by, since, until, where,
                 compare: str | None = None) -> dict[str, Any]:
    """The records ``kpi eval --format json`` prints for the same request (with
    ``compare``: prior value, change, relative change and verdict per metric)."""
    from ..evaluate import evaluate
    from ..required_tables import check_tables

    names = [ctx.registry.metric(m).name for m in metrics]  # unknown names: 400 first
    with ctx.warehouses.use() as wh:
        request = make_request(ctx, wh, metrics, grain, by, since, until, where, compare)
        from ..compiler.compiler import Compiler

        compiled = Compiler(ctx.registry).compile(request)  # refused before any query
        check_tables(ctx.registry, tuple(metrics), wh)
        records = evaluate(ctx.registry, request, wh, compiled)
    if compare:
        from ..comparisons import add_verdicts

        add_verdicts(records, {n: ctx.registry.metrics[n].direction for n in names})
    return {"metrics": names, "grain": grain, "dimensions": list(by),
            "records": [{k: jsonable(v) for k, v in r.items()} for r in records]}


def _tiles(ctx: ServeContext, names: list[str], period: str | None, lang: str,
           scorecard: str | None = None):
    from ..report.build import PageOptions, make_tiles
    from ..report.window import parse_report_period

    window = parse_report_period(period or ctx.default_period)
    options = PageOptions(lang=lang, currency=ctx.display_currency or ctx.currency)
    with ctx.warehouses.use() as wh:
        base = make_request(ctx, wh, ["_"], "month", (), None, None, ())
        tiles = make_tiles(ctx.registry, ctx.project, wh, names, window, base, options,
                           scorecard)
    return window, tiles


def compare_metrics(ctx: ServeContext, metrics, period: str | None,
                    lang: str) -> dict[str, Any]:
    names = [ctx.registry.metric(m).name for m in metrics]
    window, tiles = _tiles(ctx, names, period, lang)
    items = []
    for tile in tiles:
        item = {"metric": tile.name, "label": tile.label, "unit": tile.unit,
                "direction": tile.direction, "value": jsonable(tile.value),
                "value_text": tile.value_text, "error": tile.error}
        for change in tile.changes:
            item[change.kind] = jsonable(change.prior)
            item[f"change_{change.kind}"] = change.ratio
            item[f"verdict_{change.kind}"] = change.verdict
        items.append(item)
    return {"period": window.period.isoformat(), "grain": window.grain,
            "previous": window.previous.isoformat(),
            "last_year": window.last_year.isoformat(), "items": items}


def check_scorecard(ctx: ServeContext, scorecard: str | None, period: str | None,
                    lang: str) -> dict[str, Any]:
    from ..report.build import select_metrics

    names = select_metrics(ctx.registry, ctx.project, scorecard)
    window, tiles = _tiles(ctx, names, period, lang, scorecard)
    items = [{"metric": t.name, "label": t.label, "value": jsonable(t.value),
              "value_text": t.value_text, "target": t.goal.target if t.goal else None,
              "status": t.goal.status if t.goal else None,
              "target_period": t.goal.period if t.goal else None, "error": t.error}
             for t in tiles]
    return {"period": window.period.isoformat(), "grain": window.grain,
            "scorecard": scorecard, "items": items}


def explain_metric(ctx: ServeContext, name: str, lang: str,
                   period: str | None = None) -> dict[str, Any]:
    """How a KPI is computed: its definition, lineage (metrics and sources it reads), the
    SQL it compiles to for the warehouse and, for a KPI with a driver tree, why it moved
    in ``period`` against the period before (``kpi explain``)."""
    from ..compiler.compiler import compile_request
    from ..compiler.request import Request
    from ..graph import build_graph, upstream

    registry = ctx.registry
    metric = registry.metric(name)
    graph = build_graph(registry)
    above = upstream(graph, metric.name)
    drivers = None
    with ctx.warehouses.use() as wh:
        dialect, schema = wh.dialect, wh.schema
        if metric.drivers is not None:
            from ..explain.tree import explain
            from ..report.drivers import ConnectedWorkspace, period_text
            from ..report.window import parse_report_period

            window = parse_report_period(period or ctx.default_period)
            drivers = explain(ConnectedWorkspace(registry, ctx.project, wh), metric.name,
                              period_text(window)).to_dict()
    sql = compile_request(registry, Request(
        metrics=(metric.name,), grain="month", timezone=ctx.timezone,
        week_start=ctx.week_start, dialect=dialect, schema=schema,
        currency=ctx.currency)).sql
    definition = {k: getattr(metric, k) for k in ("type", "source", "expr", "filter",
                                                  "numerator", "denominator", "metric", "agg")
                  if getattr(metric, k) is not None}
    return {"metric": metric.name, "label": metric.label_in(lang), "definition": definition,
            "depends_on": list(registry.depends_on(metric.name)),
            "upstream_metrics": sorted(n for n in above if not n.startswith("source:")),
            "sources": sorted(n.removeprefix("source:") for n in above
                              if n.startswith("source:")),
            "edges": [[a, b] for a, b in sorted(graph.subgraph(above | {metric.name}).edges())],
            "sql": sql, "drivers": jsonable_tree(drivers)}


def jsonable_tree(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable_tree(v) for v in value]
    return jsonable(value)


def page(ctx: ServeContext, scorecard: str | None, period: str | None, lang: str) -> str:
    from ..report.build import PageOptions, render_page, select_metrics

    names = select_metrics(ctx.registry, ctx.project, scorecard)
    window, tiles = _tiles(ctx, names, period, lang, scorecard)
    return render_page(ctx.registry, tiles, window, PageOptions(
        lang=lang, currency=ctx.display_currency or ctx.currency,
        plotly_src="assets/plotly.min.js"))
