"""``kpi demo``: a sample store end to end — generate, sync through the files connector
into embedded DuckDB, evaluate every shipped KPI by month, print them."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

import click

from ..compiler.request import Request
from ..errors import KpiError
from .context import AppContext
from .output import format_value, render_table


def compact(value, unit: str) -> str:
    """Short numbers for a wide table: 12.3k, 4.5%, 1h 02m."""
    if value is None:
        return "—"
    if unit in ("currency", "count", "number", "hours") and abs(float(value)) >= 10_000:
        v = float(value)
        return f"{v / 1e6:.2f}M" if abs(v) >= 1e6 else f"{v / 1e3:.1f}k"
    if unit == "currency":
        return f"{float(value):,.0f}" if abs(float(value)) >= 100 else f"{float(value):.2f}"
    return format_value(value, unit)


@click.command()
@click.option("--warehouse", "-w", metavar="URL", default="duckdb:///:memory:",
              show_default=True, help="Where to load the sample store.")
@click.option("--data-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Keep the generated files here (default: a temporary folder).")
@click.option("--seed", default=7, show_default=True, help="Random seed of the sample store.")
@click.option("--domain", help="Only this domain's KPIs.")
@click.option("--lang", type=click.Choice(["en", "vi", "fa", "ms"]), default="en")
@click.pass_obj
def demo(app: AppContext, warehouse: str, data_dir: str | None, seed: int,
         domain: str | None, lang: str) -> None:
    """Build a sample store and print its KPIs by month."""
    from ..demo.generate import generate_demo
    from ..evaluate import evaluate
    from ..registry import load_registry
    from ..sync.engine import run_sync
    from ..warehouses.connect import connect

    # Two years of data, the second one shown: retention, churn, CLV and year-over-year
    # comparisons need a year of history behind the months they describe.
    start, shown = date(2024, 1, 1), date(2025, 1, 1)
    say = lambda msg: click.echo(msg, err=True)  # noqa: E731 - progress goes to stderr
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kpi-demo-") as tmp:
        folder = Path(data_dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        say(f"1/3 generating two years of a sample store (seed {seed}) in {folder} ...")
        files = generate_demo(folder, seed=seed, start=start, days=(shown - start).days + 365)
        say(f"    {len(files)} tables written ({time.perf_counter() - t0:.1f}s)")
        say("2/3 loading them with the files connector ...")
        wh = connect(warehouse)
        try:
            report = run_sync("files", wh, {"path": str(folder), "source": "demo"},
                              full_refresh=True, log=None)
            rows = sum(getattr(report, "rows", {}).values())
            say(f"    {rows:,} rows loaded ({time.perf_counter() - t0:.1f}s)")
            say(f"3/3 evaluating the shipped KPIs by month of {shown.year} ...")
            registry = load_registry()
            names = [n for n, m in sorted(registry.metrics.items())
                     if (domain is None or m.domain == domain)
                     and registry.packs.get(n) == "catalog"]
            if not names:
                raise KpiError(f"no shipped metric in domain {domain!r}")
            request = dict(grain="month", since=shown, until=date(shown.year + 1, 1, 1))
            by_domain: dict[str, list[str]] = {}
            for n in names:
                by_domain.setdefault(registry.metrics[n].domain, []).append(n)
            failures = []
            for dom, metrics in sorted(by_domain.items()):
                values, errors = _evaluate_group(registry, metrics, request, wh, evaluate)
                failures.extend(errors)
                _print_domain(dom, metrics, values, registry, lang)
        finally:
            wh.close()
    _legend()
    say(f"done in {time.perf_counter() - t0:.1f}s")
    if failures:
        for name, err in failures:
            click.echo(f"Error: {name}: {err}", err=True)
        raise KpiError(f"{len(failures)} metric(s) could not be evaluated")


def _evaluate_group(registry, metrics, request, wh, evaluate):
    """One statement per domain; if it fails, metric by metric to name the culprit."""
    try:
        records = evaluate(registry, Request(metrics=tuple(metrics), **request), wh)
        return records, []
    except KpiError:
        pass
    merged: dict[str, dict] = {}
    errors = []
    for m in metrics:
        try:
            for rec in evaluate(registry, Request(metrics=(m,), **request), wh):
                merged.setdefault(rec["period"], {"period": rec["period"]})[m] = rec[m]
        except KpiError as exc:
            errors.append((m, str(exc)))
    return [merged[p] for p in sorted(merged)], errors


def _print_domain(domain, metrics, records, registry, lang) -> None:
    periods = [r["period"] for r in records]
    headers = ["KPI", *[date.fromisoformat(p).strftime("%b") for p in periods]]
    rows = []
    for m in metrics:
        unit = registry.metrics[m].unit
        label = registry.metrics[m].label_in(lang)
        label = f"· {label}" if registry.metrics[m].hidden else label
        label = label if len(label) <= 34 else label[:33] + "…"
        rows.append([label, *[compact(r.get(m), unit) for r in records]])
    click.echo(f"\n== {domain.replace('_', ' ').title()} ({len(metrics)} KPIs) ==")
    click.echo(render_table(headers, rows))


def _legend() -> None:
    click.echo("\n(· marks building blocks of other KPIs; — means no value, e.g. a zero "
               "denominator)")


COMMANDS = [demo]
