"""Generate the metric reference (docs/metrics/<domain>.md and index.md) from the specs.

    python -m kpi_engine.docs_metrics [FOLDER]     # default: the repository's docs/metrics

Every page is rendered from the registry: labels in every language, the formula, type,
unit, direction, lineage (what a metric is computed from and what uses it), the canonical
tables and columns it reads, the benchmarks the seed documents quote, the definitions the
catalog had to choose and the seed formulas it corrects. tests/test_catalog.py fails when
the committed pages differ from a fresh rendering.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from sqlglot import exp

from .citations import SEED_ARTICLES, benchmark_text
from .graph import build_graph
from .registry import Registry
from .specs.expressions import UnsafeExpression, parse_expression, parse_query
from .specs.objects import Metric, Source
from .units import unit_of

DOMAIN_ORDER = ("sales", "marketing", "customer_service", "production", "project_management",
                "b2b")
DOMAIN_TITLES = {
    "sales": "Sales", "marketing": "Marketing", "customer_service": "Customer service",
    "production": "Production", "project_management": "Project management", "b2b": "B2B",
}
LANGUAGES = (("en", "English"), ("vi", "Tiếng Việt"), ("fa", "فارسی"), ("ms", "Bahasa Melayu"))
REGENERATE = "python -m kpi_engine.docs_metrics"
DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "docs" / "metrics"


# -- which metrics -----------------------------------------------------------------------
def _metrics(registry: Registry, pack: str | None) -> list[Metric]:
    return [m for name, m in registry.metrics.items()
            if pack is None or registry.packs.get(name) == pack]


def domains(registry: Registry, pack: str | None = None) -> list[str]:
    """The domains present, the catalog's six first (in catalog order), then the rest."""
    present = {m.domain for m in _metrics(registry, pack)}
    return [d for d in DOMAIN_ORDER if d in present] + sorted(present - set(DOMAIN_ORDER))


def _domain_metrics(registry: Registry, domain: str, pack: str | None) -> list[Metric]:
    chosen = [m for m in _metrics(registry, pack) if m.domain == domain]
    return [m for m in chosen if not m.hidden] + [m for m in chosen if m.hidden]


# -- formulas and data -----------------------------------------------------------------------
def _code(sql: str) -> str:
    return "`" + " ".join(sql.split()).replace("`", "'") + "`"


def formula(metric: Metric) -> str:
    """The metric's computation in one line of Markdown."""
    t = metric.type
    if t == "ratio":
        return f"{_code(metric.numerator or '')} / {_code(metric.denominator or '')}" \
               " (a ratio of the period's sums; NULL when the denominator is 0)"
    if t == "derived":
        return f"{_code(metric.expr or '')} (any division is NULL-safe)"
    if t == "cumulative":
        if metric.window:
            span = f"over the trailing {metric.window.count} {metric.window.grain}(s)"
        elif metric.grain_to_date:
            span = f"from the start of the {metric.grain_to_date} ({metric.grain_to_date}"\
                   " to date)"
        else:
            span = "since the beginning (running total)"
        return f"sum of `{metric.metric}` {span}"
    if t == "offset":
        assert metric.offset is not None
        unit = metric.offset.grain or "requested grain's period"
        return f"`{metric.metric}` {metric.offset.periods} {unit}(s) earlier"
    if t == "snapshot":
        agg = metric.agg or ("sum" if metric.expr else "count")
        value = _code(metric.expr) if metric.expr else "rows"
        by = ", ".join(metric.snapshot_by)
        text = (f"{agg} of {value} over the last row per ({by}) in the period, from source "
                f"`{metric.source}` (semi-additive: never summed over time)")
        return text + (f"; rows where {_code(metric.filter)}" if metric.filter else "")
    # base aggregations
    value = _code(metric.expr) if metric.expr else "*"
    if t == "percentile":
        text = f"percentile {metric.percentile} of {value}"
    elif t == "count_distinct":
        text = f"count(distinct {value})"
    else:
        text = f"{t}({value})"
    if metric.per:
        measures = ", ".join(f"{k} = {_code(v)}" for k, v in metric.per.measures.items())
        text += f" over {metric.per.key}s, per {metric.per.key}: {measures}"
    text += f" from source `{metric.source}`"
    if metric.filter:
        text += f" where {_code(metric.filter)}"
    if metric.point_in_time:
        text += (" — point in time: evaluated once per period over all rows, with"
                 " `:period_start` / `:period_end` the period's bounds")
    return text


def _columns(sql: str | None, dialect: str, aggregates: bool = False) -> set[str]:
    if not sql:
        return set()
    try:
        tree = parse_expression(sql, dialect, allow_aggregates=aggregates,
                                allow_placeholders=True).tree
    except UnsafeExpression:
        return set()
    return {c.name for c in tree.find_all(exp.Column)}


def _sql_reads(source: Source, dialect: str, outputs: set[str]) -> dict[str, set[str]]:
    """Canonical tables and columns a source's SQL reads to produce ``outputs``: the
    columns its joins, filters and subqueries use, and those feeding the named outputs."""
    try:
        query = parse_query(source.sql or "", dialect)
    except UnsafeExpression:
        return {}
    ctes = {c.alias_or_name for c in query.find_all(exp.CTE)}
    tables = [t for t in query.find_all(exp.Table) if t.name not in ctes]
    alias_to_table = {(t.alias or t.name): t.name for t in tables}
    reads: dict[str, set[str]] = {t.name: set() for t in tables}

    def table_of(col: exp.Column) -> str | None:
        if col.table:
            return alias_to_table.get(col.table)
        select = col.find_ancestor(exp.Select)
        own = [t for t in (select.find_all(exp.Table) if select else [])
               if t.find_ancestor(exp.Select) is select and t.name not in ctes]
        return own[0].name if len(own) == 1 else None

    projected: set[int] = set()
    for projection in query.selects:
        cols = list(projection.find_all(exp.Column))
        projected.update(id(c) for c in cols)
        if projection.alias_or_name in outputs:
            for col in cols:
                if (table := table_of(col)) is not None:
                    reads[table].add(col.name)
    for col in query.find_all(exp.Column):
        if id(col) not in projected and (table := table_of(col)) is not None:
            reads[table].add(col.name)
    return reads


def data_needed(registry: Registry, metric: Metric, graph=None) -> dict[str, set[str]]:
    """Canonical table -> columns read to compute ``metric`` (through its dependencies)."""
    graph = graph if graph is not None else build_graph(registry)
    from .graph import upstream

    names = [metric.name] + sorted(n for n in upstream(graph, metric.name)
                                   if not n.startswith("source:"))
    reads: dict[str, set[str]] = {}
    for name in names:
        m = registry.metrics[name]
        if not m.source or m.source not in registry.sources:
            continue
        src = registry.sources[m.source]
        dialect = registry.dialect_of_source(src.name)
        mdialect = registry.dialect_of_metric(name)
        cols = {src.time} if src.time else set()
        cols |= _columns(src.filter, dialect)
        cols |= set(m.snapshot_by)
        if m.per:
            cols.add(m.per.key)
            for sql in m.per.measures.values():
                cols |= _columns(sql, mdialect, aggregates=True)
        else:
            cols |= _columns(m.expr, mdialect) | _columns(m.filter, mdialect)
        if src.sql:
            for table, read in _sql_reads(src, dialect, cols).items():
                reads.setdefault(table, set()).update(read)
        else:
            reads.setdefault(src.table or src.name, set()).update(c for c in cols if c)
    return reads


# -- rendering ------------------------------------------------------------------------------
def _anchor_link(registry: Registry, name: str, here: str) -> str:
    m = registry.metrics.get(name)
    if m is None:
        return f"`{name}`"
    page = "" if m.domain == here else f"{m.domain}.md"
    return f"[`{name}`]({page}#{name})"


def _direction(metric: Metric) -> str:
    return metric.direction.replace("_", " ")


def render_metric(registry: Registry, metric: Metric, graph=None) -> str:
    graph = graph if graph is not None else build_graph(registry)
    here = metric.domain
    label = metric.label_in("en")
    lines = [f'<a id="{metric.name}"></a>', "", f"### {label} (`{metric.name}`)", ""]
    if metric.hidden:
        lines += ["*Building block: hidden from `kpi list`, usable in formulas and "
                  "requests.*", ""]
    lines += ["| | |", "|---|---|"]
    for code, lang in LANGUAGES:
        lines.append(f"| {lang} ({code}) | {_cell(metric.label.get(code, '—'))} |")
    lines += [f"| Type | {metric.type} |", f"| Unit | {unit_of(registry, metric.name)} |",
              f"| Direction | {_direction(metric)} |"]
    if metric.aliases:
        lines.append("| Aliases | " + ", ".join(f"`{a}`" for a in metric.aliases) + " |")
    if metric.tags:
        lines.append("| Tags | " + ", ".join(metric.tags) + " |")
    lines += ["", _para(metric.description or "(no description)"), "",
              f"**Formula:** {formula(metric)}", ""]
    if metric.drivers:  # kpi explain divides a change among these
        joiner = " × " if metric.drivers.relation == "product" else " + "
        terms = joiner.join(f"`{d}`" for d in metric.drivers.metrics).replace("+ `-", "− `")
        lines += [f"**Drivers (`kpi explain`):** {metric.name} = {terms}", ""]
    deps = sorted(n for n in graph.successors(metric.name) if not n.startswith("source:"))
    sources = sorted(n.removeprefix("source:") for n in graph.successors(metric.name)
                     if n.startswith("source:"))
    used_by = sorted(graph.predecessors(metric.name)) if metric.name in graph else []
    lineage = []
    if deps:
        lineage.append("depends on " + ", ".join(_anchor_link(registry, d, here) for d in deps))
    if sources:
        lineage.append("reads source " + ", ".join(f"`{s}`" for s in sources))
    lineage.append("used by " + (", ".join(_anchor_link(registry, u, here) for u in used_by)
                                 if used_by else "no other metric"))
    lines += ["**Lineage:** " + "; ".join(lineage) + ".", ""]
    reads = data_needed(registry, metric, graph)
    if reads:
        data = "; ".join(f"`{t}` ({', '.join(sorted(c)) or 'rows'})"
                         for t, c in sorted(reads.items()))
        lines += [f"**Data needed:** {data}.", ""]
    if metric.benchmarks:
        lines.append("**Benchmarks:**")
        unit = unit_of(registry, metric.name)
        lines += [f"- {benchmark_text(b, unit, markdown=True)}" for b in metric.benchmarks]
        lines.append("")
    definition = metric.meta.get("definition")
    if definition:
        lines += [f"**Definition chosen:** {_para(str(definition))}", ""]
    correction = metric.meta.get("seed_correction")
    if correction:
        lines += [f"**Seed correction:** {_para(str(correction))}", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _para(text: str) -> str:
    return " ".join(text.split())


def _header(title: str) -> list[str]:
    return [f"# {title}", "",
            f"<!-- Generated from metric_specs/ by `{REGENERATE}`; do not edit by hand. -->",
            ""]


def render_domain_page(registry: Registry, domain: str, pack: str | None = None) -> str:
    """docs/metrics/<domain>.md: every metric of ``domain``, visible ones first."""
    graph = build_graph(registry)
    metrics = _domain_metrics(registry, domain, pack)
    title = DOMAIN_TITLES.get(domain, domain.replace("_", " ").capitalize())
    lines = _header(f"{title} metrics")
    lines += ["Values of rates and percentages are fractions (0.2 is 20%), computed as ratios "
              "of sums at the requested grain. See [the index](index.md) for every domain.",
              ""]
    visible = [m for m in metrics if not m.hidden]
    hidden = [m for m in metrics if m.hidden]
    lines += ["| Metric | Label | Type | Unit |", "|---|---|---|---|"]
    for m in visible:
        lines.append(f"| [`{m.name}`](#{m.name}) | {_cell(m.label_in('en'))} | {m.type} "
                     f"| {unit_of(registry, m.name)} |")
    lines.append("")
    lines += ["## Metrics", ""]
    for m in visible:
        lines += [render_metric(registry, m, graph)]
    if hidden:
        lines += ["## Building blocks", "",
                  "Intermediate metrics the ones above are computed from.", ""]
        for m in hidden:
            lines += [render_metric(registry, m, graph)]
    return "\n".join(lines).rstrip() + "\n"


def render_index(registry: Registry, pack: str | None = None) -> str:
    """docs/metrics/index.md: every domain, metric, seed correction and definition."""
    metrics = _metrics(registry, pack)
    lines = _header("Metric catalog")
    lines += [f"{len(metrics)} metrics ({sum(not m.hidden for m in metrics)} shown by "
              f"`kpi list`, {sum(m.hidden for m in metrics)} building blocks), declared in "
              "`metric_specs/` (one YAML file per domain). Labels are in English, "
              "Vietnamese, Persian and Malay, the languages of the seed documents.", ""]
    lines += ["| Domain | Metrics |", "|---|---|"]
    for d in domains(registry, pack):
        count = len(_domain_metrics(registry, d, pack))
        title = DOMAIN_TITLES.get(d, d)
        lines.append(f"| [{title}]({d}.md) | {count} |")
    lines.append("")
    corrections = [m for m in metrics if m.meta.get("seed_correction")]
    if corrections:
        lines += ["## Seed corrections", "",
                  "Where a seed document's formula is wrong, the catalog uses the correct one:",
                  ""]
        lines += [f"- [`{m.name}`]({m.domain}.md#{m.name}): "
                  f"{_para(str(m.meta['seed_correction']))}" for m in corrections]
        lines.append("")
    chosen = [m for m in metrics if m.meta.get("definition")]
    if chosen:
        lines += ["## Definitions chosen", "",
                  "Definitions that needed a choice, stated in the specs:", ""]
        lines += [f"- [`{m.name}`]({m.domain}.md#{m.name}): {_para(str(m.meta['definition']))}"
                  for m in chosen]
        lines.append("")
    lines += ["## Sources", "",
              "The articles the catalog's definitions, corrections and benchmarks come from "
              "(\"seed 001\" in a description is the second of them):", "",
              "| Seed | Title | Language | About |", "|---|---|---|---|"]
    for ident, article in SEED_ARTICLES.items():
        note = "" if article.titled else " (first heading; the article has no title line)"
        by = f", by {article.author}" if article.author else ""
        lines.append(f"| {ident} | {_cell(article.title)}{note} | {article.language} | "
                     f"{_cell(article.about)}{by} |")
    lines.append("")
    lines += ["## All metrics", "", "| Metric | Label | Domain | Type | Unit | Direction |",
              "|---|---|---|---|---|---|"]
    for m in sorted(metrics, key=lambda m: m.name):
        lines.append(f"| [`{m.name}`]({m.domain}.md#{m.name}) | {_cell(m.label_in('en'))} | "
                     f"{m.domain} | {m.type} | {unit_of(registry, m.name)} | {_direction(m)} |")
    return "\n".join(lines).rstrip() + "\n"


def render_all(registry: Registry, pack: str | None = None) -> dict[str, str]:
    """File name -> content for every page (index.md and one page per domain)."""
    pages = {f"{d}.md": render_domain_page(registry, d, pack) for d in domains(registry, pack)}
    pages["index.md"] = render_index(registry, pack)
    return pages


def write_metric_docs(registry: Registry, folder: Path | str,
                      pack: str | None = None) -> list[Path]:
    """Write every page into ``folder``; return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_all(registry, pack).items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def catalog_pages() -> dict[str, str]:
    """The pages of the shipped catalog (the ``catalog`` spec pack)."""
    from .registry import load_registry

    return render_all(load_registry(), pack="catalog")


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0]) if args else DEFAULT_FOLDER
    from .registry import load_registry

    for path in write_metric_docs(load_registry(), folder, pack="catalog"):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
