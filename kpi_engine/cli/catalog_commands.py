"""Commands that read the catalog: list, show, validate, graph."""

from __future__ import annotations

import json

import click

from ..errors import KpiError, SpecErrors
from .context import AppContext
from .formatting import is_rtl
from .options import DialectChoice, format_option, lang_option
from .output import render_table


@click.command("list")
@click.option("--domain", help="Only metrics of this domain.")
@format_option("table", "json")
@lang_option
@click.option("--all", "show_all", is_flag=True, help="Include hidden building blocks.")
@click.pass_obj
def list_cmd(app: AppContext, domain: str | None, fmt: str, lang: str, show_all: bool) -> None:
    """Every metric: name, domain, label, type, unit, depends_on."""
    from ..units import unit_of

    reg = app.registry
    rows = []
    for name in sorted(reg.metrics):
        m = reg.metrics[name]
        if domain and m.domain != domain:
            continue
        if m.hidden and not show_all:
            continue
        rows.append({"name": name, "domain": m.domain, "label": m.label_in(lang),
                     "type": m.type, "unit": unit_of(reg, name),
                     "depends_on": list(reg.depends_on(name))})
    if domain and not rows:
        known = sorted({m.domain for m in reg.metrics.values()})
        raise KpiError(f"no metric in domain {domain!r} (domains: {', '.join(known)})")
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo(render_table(["name", "domain", "label", "type", "unit", "depends_on"],
                            [[r["name"], r["domain"], r["label"], r["type"], r["unit"],
                              ", ".join(r["depends_on"])] for r in rows], align_right=set(),
                            rtl=is_rtl(lang)))


@click.command()
@click.argument("metric")
@lang_option
@click.option("--dialect", "-d", type=DialectChoice(), default="duckdb", show_default=True,
              help="Dialect of the SQL shown.")
@format_option("text", "json", default="text")
@click.pass_obj
def show(app: AppContext, metric: str, lang: str, dialect: str, fmt: str) -> None:
    """A metric's spec, lineage and compiled SQL."""
    from ..citations import benchmark_text
    from ..compiler.compiler import compile_request
    from ..compiler.request import Request
    from ..graph import build_graph, downstream, upstream
    from ..units import unit_of

    reg = app.registry
    m = reg.metric(metric)
    graph = build_graph(reg)
    ups = sorted(n for n in upstream(graph, m.name))
    downs = sorted(downstream(graph, m.name))
    project = app.project
    sql = compile_request(reg, Request(metrics=(m.name,), grain="month", dialect=dialect,
                                       timezone=project.timezone,
                                       week_start=project.week_start,
                                       schema=app.schema_for(None))).sql
    spec = m.as_dict(exclude_defaults=True)
    if fmt == "json":
        click.echo(json.dumps({"spec": spec, "upstream": ups, "downstream": downs,
                               "sql": sql, "location": str(m.location)}, indent=2,
                              ensure_ascii=False, default=str))
        return
    click.echo(f"{m.name} — {m.label_in(lang)}")
    click.echo(f"  defined at {m.location}")
    for key in ("type", "domain", "unit", "direction"):
        value = unit_of(reg, m.name) if key == "unit" else getattr(m, key)
        click.echo(f"  {key}: {value}")
    if m.description:
        click.echo(f"  description: {m.description}")
    for key in ("source", "expr", "filter", "numerator", "denominator", "metric"):
        if getattr(m, key):
            click.echo(f"  {key}: {getattr(m, key)}")
    for b in m.benchmarks:
        click.echo(f"  benchmark: {benchmark_text(b, unit_of(reg, m.name))}")
    click.echo(f"  upstream: {', '.join(ups) or '—'}")
    click.echo(f"  downstream: {', '.join(downs) or '—'}")
    click.echo("\n-- SQL (" + dialect + ", grain month)\n" + sql)


@click.command()
@click.option("--specs", "specs", multiple=True, metavar="PATH",
              help="Validate these folders or files (default: the project's).")
@click.pass_obj
def validate(app: AppContext, specs: tuple[str, ...]) -> None:
    """Check every spec; print FILE:LINE:COL: message for each problem."""
    folders = list(specs) or app.spec_folders()
    try:
        reg = app.load_registry(folders)
    except SpecErrors as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        click.echo(f"{len(exc.errors)} problem(s) found.", err=True)
        raise SystemExit(1) from None
    for pack, errors in reg.skipped_packs.items():
        for err in errors:
            click.echo(str(err), err=True)
        click.echo(f"Warning: spec pack {pack!r} skipped ({len(errors)} problem(s) above); "
                   "fix or uninstall its plugin.", err=True)
    for note in reg.notes:
        click.echo(str(note), err=True)
    click.echo(f"OK: {len(reg.metrics)} metrics, {len(reg.sources)} sources.")


@click.command()
@click.argument("metric", required=False)
@format_option("mermaid", "dot", "json", default="mermaid")
@click.pass_obj
def graph(app: AppContext, metric: str | None, fmt: str) -> None:
    """The dependency graph, whole or around one metric."""
    from ..graph import build_graph, subgraph_for, to_dot, to_json, to_mermaid

    reg = app.registry
    g = build_graph(reg)
    if metric:
        g = subgraph_for(g, [reg.metric(metric).name])
    click.echo({"mermaid": to_mermaid, "dot": to_dot, "json": to_json}[fmt](g))


COMMANDS = [list_cmd, show, validate, graph]
