"""``kpi demo``: a sample store end to end — generate, sync through the files connector
into embedded DuckDB, evaluate every shipped KPI by month, print them."""

from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from ..errors import KpiError, did_you_mean
from .context import AppContext
from .formatting import LANGS, is_rtl, locale_of, row_formatter
from .output import render_table


@click.command()
@click.option("--warehouse", "-w", metavar="URL", default="duckdb:///:memory:",
              show_default=True, help="Where to load the sample store.")
@click.option("--data-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Keep the generated files here (default: a temporary folder).")
@click.option("--seed", default=7, show_default=True, help="Random seed of the sample store.")
@click.option("--domain", help="Only this domain's KPIs.")
@click.option("--lang", type=click.Choice(list(LANGS)), default="en", show_default=True,
              help="Language of labels, months and numbers (fa: right to left).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Where to write the HTML report (default: kpi-demo/report-LANG.html in "
              "the temporary folder).")
@click.option("--serve", is_flag=True, help="Then serve the report live (kpi serve) until "
              "Ctrl+C.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port of --serve (on 127.0.0.1).")
@click.pass_obj
def demo(app: AppContext, warehouse: str, data_dir: str | None, seed: int,
         domain: str | None, lang: str, report_path: str | None, serve: bool,
         port: int) -> None:
    """Build a sample store and print its KPIs by month."""
    from ..demo.generate import generate_demo
    from ..registry import load_registry
    from ..sync.engine import run_sync
    from ..warehouses.connect import connect

    # The catalog first: a misspelt --domain fails before two years of data are made.
    registry = load_registry()
    names = shipped_metrics(registry, domain)
    # Two years of data, the second one shown: retention, churn, CLV and year-over-year
    # comparisons need a year of history behind the months they describe.
    start, shown = date(2024, 1, 1), date(2025, 1, 1)
    say = lambda msg: click.echo(msg, err=True)  # noqa: E731 - progress goes to stderr
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kpi-demo-") as tmp:
        folder = Path(data_dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        with _step(say, 1, f"generating two years of a sample store (seed {seed}) in "
                           f"{folder}") as done:
            files = generate_demo(folder, seed=seed, start=start,
                                  days=(shown - start).days + 365)
            done(f"{len(files)} tables written")
        wh = connect(warehouse)
        try:
            with _step(say, 2, "loading them with the files connector") as done:
                report = run_sync("files", wh, {"path": str(folder), "source": DEMO_SOURCE},
                                  full_refresh=True, log=None)
                done(f"{sum(getattr(report, 'rows', {}).values()):,} rows loaded")
            with _step(say, 3, f"evaluating the shipped KPIs by month of {shown.year}") as done:
                request = dict(grain="month", since=shown, until=date(shown.year + 1, 1, 1))
                tables, failures = evaluate_domains(registry, names, request, wh, lang)
                done(f"{len(names)} KPIs evaluated")
            with _step(say, 4, "checking the store's targets (kpi check)") as done:
                scorecard = demo_scorecard(registry, wh, lang)
                done("scorecard ready")
            from .demo_report import serve_demo, write_demo_report

            written = write_demo_report(registry, wh, lang, report_path, DEMO_CURRENCY)
            for title, table in tables:
                click.echo(f"\n{title}")
                click.echo(table)
            click.echo(LEGEND)
            click.echo(f"\nReport: {written}")
            click.echo(f"\n{SCORECARD_TITLE}\n{scorecard}")
            if serve:
                serve_demo(registry, wh, "127.0.0.1", port, DEMO_CURRENCY, say)
        finally:
            wh.close()
    say(f"done in {time.perf_counter() - t0:.1f}s")
    if failures:
        for name, err in failures:
            click.echo(f"Error: {name}: {err}", err=True)
        raise KpiError(f"{len(failures)} metric(s) could not be evaluated")


DEMO_SOURCE = "demo"
DEMO_CURRENCY = "USD"  # the sample store sells in US dollars
TOP_SLICES = 5  # rows shown per broken-down metric
LEGEND = ("\n(· marks building blocks of other KPIs; ↳ rows break a KPI down, largest first; "
          "— means no value, e.g. a zero denominator; money in " + DEMO_CURRENCY + ")")


SCORECARD_TITLE = "== Scorecard: the store's targets (kpi check) =="


def demo_scorecard(registry, wh, lang: str) -> str:
    """``kpi check`` of the demo: the targets table's goals and DEMO_TARGETS, as of
    DEMO_AS_OF (nothing is written: the demo keeps no history)."""
    from ..demo.goals import DEMO_AS_OF, DEMO_TARGETS
    from ..goals.check import run_check
    from ..project import Project
    from .scorecard_table import scorecard_text

    project = Project(targets=DEMO_TARGETS, language=lang)
    result = run_check(registry, project, wh, as_of=DEMO_AS_OF, history=False)
    return scorecard_text(result, lang, DEMO_CURRENCY)


def shipped_metrics(registry, domain: str | None) -> list[str]:
    """The catalog's metrics (of one domain), or one clear error naming the domains."""
    shipped = {n: m for n, m in registry.metrics.items() if registry.packs.get(n) == "catalog"}
    domains = sorted({m.domain for m in shipped.values()})
    if domain is not None and domain not in domains:
        raise KpiError(f"no shipped metric in domain {domain!r}"
                       f"{did_you_mean(domain, domains)} (domains: {', '.join(domains)})")
    return sorted(n for n, m in shipped.items() if domain is None or m.domain == domain)


@contextmanager
def _step(say, number: int, what: str):
    """Announce a step, then its own duration (not the time since the start)."""
    say(f"{number}/4 {what} ...")
    began = time.perf_counter()
    result: list[str] = []
    yield result.append
    say(f"    {result[0] if result else 'done'} ({time.perf_counter() - began:.1f}s)")


def evaluate_domains(registry, names, request, wh, lang):
    """(title, table) per domain, and the metrics that failed."""
    by_domain: dict[str, list[str]] = {}
    for n in names:
        by_domain.setdefault(registry.metrics[n].domain, []).append(n)
    tables, failures = [], []
    for dom, metrics in sorted(by_domain.items()):
        plain = [m for m in metrics if not breakdown_of(registry.metrics[m])]
        values, errors = _evaluate_group(registry, plain, request, wh)
        failures.extend(errors)
        slices = {}
        for m in metrics:
            if m not in plain:
                try:
                    slices[m] = _evaluate_breakdown(registry, m, request, wh)
                except KpiError as exc:
                    failures.append((m, str(exc)))
        periods = _periods(request)
        title = f"== {dom.replace('_', ' ').title()} ({len(metrics)} KPIs) =="
        tables.append((title, _domain_table(metrics, periods, values, slices, registry, lang)))
    return tables, failures


def breakdown_of(metric) -> tuple[str, ...]:
    """Dimensions a metric is meant to be read by (``meta: {breakdown: [...]}``): a share
    of a total is 100% without them."""
    dims = metric.meta.get("breakdown") or ()
    return (dims,) if isinstance(dims, str) else tuple(dims)


def _periods(request) -> list[str]:
    from ..compiler.timeline import period_starts

    starts = period_starts(request["since"], request["until"], request["grain"], "monday")
    return [p.date().isoformat() for p in starts or ()]


def _evaluate_group(registry, metrics, request, wh):
    """One statement per domain; if it fails, metric by metric to name the culprit.
    Returns ({period: {metric: value}}, errors)."""
    from ..compiler.request import Request
    from ..evaluate import evaluate

    if not metrics:
        return {}, []
    try:
        records = evaluate(registry, Request(metrics=tuple(metrics), **request), wh)
        return {r["period"]: r for r in records}, []
    except KpiError:
        pass
    merged: dict[str, dict] = {}
    errors = []
    for m in metrics:
        try:
            for rec in evaluate(registry, Request(metrics=(m,), **request), wh):
                merged.setdefault(rec["period"], {})[m] = rec[m]
        except KpiError as exc:
            errors.append((m, str(exc)))
    return merged, errors


def _evaluate_breakdown(registry, metric, request, wh):
    """The metric by its breakdown: {slice label: {period: value}}, largest slices first,
    and how many more slices there were."""
    from ..compiler.request import Request
    from ..evaluate import evaluate

    dims = breakdown_of(registry.metrics[metric])
    records = evaluate(registry, Request(metrics=(metric,), dimensions=dims, **request), wh)
    series: dict[str, dict[str, object]] = {}
    for rec in records:
        label = " × ".join("—" if rec[d] is None else str(rec[d]) for d in dims)
        series.setdefault(label, {})[rec["period"]] = rec[metric]
    ranked = sorted(series, key=lambda s: (-sum(abs(float(v)) for v in series[s].values()
                                                if v is not None), s))
    # A symmetric pair metric (support, lift) gives A × B and B × A the same values:
    # show the pair once.
    seen, unique = set(), []
    for s in ranked:
        key = (frozenset(s.split(" × ")), tuple(sorted(series[s].items())))
        if key not in seen:
            seen.add(key)
            unique.append(s)
    return {s: series[s] for s in unique[:TOP_SLICES]}, max(0, len(unique) - TOP_SLICES)


def _month_names(periods: list[str], lang: str) -> list[str]:
    from babel.dates import format_date

    return [format_date(date.fromisoformat(p), "LLL", locale=locale_of(lang))
            for p in periods]


def _domain_table(metrics, periods, values, slices, registry, lang) -> str:
    from ..units import unit_of

    headers = ["KPI", "metric", *_month_names(periods, lang)]
    rows = []
    for m in metrics:
        metric = registry.metrics[m]
        label = metric.label_in(lang)
        label = f"· {label}" if metric.hidden else label
        unit = unit_of(registry, m)
        if m not in slices:
            cells = [values.get(p, {}).get(m) for p in periods]
            fmt = row_formatter(cells, unit, lang, DEMO_CURRENCY)
            rows.append([label, m, *[fmt(v) for v in cells]])
            continue
        series, more = slices[m]
        by = ", ".join(breakdown_of(metric))
        rows.append([f"{label} — by {by}", m, *[""] * len(periods)])
        for name, by_period in series.items():
            cells = [by_period.get(p) for p in periods]
            fmt = row_formatter(cells, unit, lang, DEMO_CURRENCY)
            rows.append([f"  ↳ {name}", "", *[fmt(v) for v in cells]])
        if more:
            rows.append([f"  ↳ … {more} more", "", *[""] * len(periods)])
    return render_table(headers, rows, align_right=set(range(2, len(headers))),
                        rtl=is_rtl(lang))


COMMANDS = [demo]
