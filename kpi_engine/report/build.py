"""Build the report page: choose the KPIs, evaluate them over the window, lay them out
by domain, and render the Jinja2 template (autoescaped: labels come from user specs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import KpiError, did_you_mean
from .window import Window


class ReportError(KpiError):
    """A report that cannot be built as asked (unknown scorecard, nothing to show)."""


@dataclass(frozen=True)
class PageOptions:
    lang: str = "en"
    currency: str | None = None
    plotly_src: str | None = None  # None: plotly.js written into the page
    title: str | None = None


def select_metrics(registry, project, scorecard: str | None = None) -> list[str]:
    """A scorecard's KPIs (kpi.yaml's, or one shipped per domain), else every visible
    KPI; domain by domain."""
    from ..docs_metrics import domains
    from ..goals.scorecards import scorecards

    if scorecard is not None:
        cards = scorecards(project, registry)
        if scorecard not in cards:
            raise ReportError(f"unknown scorecard {scorecard[:60]!r}"
                              f"{did_you_mean(scorecard, set(cards))} (scorecards: "
                              f"{', '.join(sorted(cards))})")
        visible = list(cards[scorecard])
    else:
        visible = [n for n, m in registry.metrics.items() if not m.hidden]
    order = {d: i for i, d in enumerate(domains(registry))}
    visible.sort(key=lambda n: (order.get(registry.metrics[n].domain, len(order)), n))
    if not visible:
        raise ReportError("no KPI to report: the specs define none that is visible")
    return visible


def build_report(registry, project, warehouse, names: list[str], window: Window,
                 base_request, options: PageOptions, scorecard: str | None = None) -> str:
    return render_page(registry, make_tiles(registry, project, warehouse, names, window,
                                            base_request, options, scorecard),
                       window, options)


def make_tiles(registry, project, warehouse, names, window, base_request, options,
               scorecard=None):
    from .collect import collect
    from .drivers import driver_contributions
    from .goals import goals_for
    from .tiles import build_tiles

    data = collect(registry, warehouse, names, window, base_request)
    goals, _ = goals_for(registry, project, warehouse, window, scorecard)
    drivers = driver_contributions(registry, project, warehouse, names, window, options.lang,
                                   options.currency)
    return build_tiles(registry, names, data, window, options.lang, options.currency, goals,
                       drivers)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _period_label(day: date, grain: str, lang: str, short: bool = False) -> str:
    from babel.dates import format_date

    from ..formatting import _digits, locale_of

    if grain == "year":
        pattern = "y"
    elif grain == "quarter":
        pattern = "QQQ y"
    else:
        pattern = "LLL yy" if short else "LLLL y"
    return _digits(format_date(day, pattern, locale=locale_of(lang)), lang)


def render_page(registry, tiles, window: Window, options: PageOptions) -> str:
    import jinja2

    from ..formatting import is_rtl
    from ..graph import build_graph
    from . import charts
    from .texts import domain_label, text

    lang, rtl = options.lang, is_rtl(options.lang)
    spark_labels = [_period_label(p, window.grain, lang, short=True)
                    for p in window.sparkline]
    figures: dict[str, dict] = {}
    graph = build_graph(registry)
    labels = {n: m.label_in(lang) for n, m in registry.metrics.items()}
    lineages: dict[str, dict] = {}
    sections: dict[str, list] = {}
    for tile in tiles:
        sections.setdefault(tile.domain, []).append(tile)
        if tile.spark and any(v is not None for _, v in tile.spark):
            hover = [f"{lbl}: {v}" for lbl, (_, v) in zip(spark_labels, tile.spark,
                                                          strict=True)]
            figures[f"spark-{tile.name}"] = charts.sparkline(tile.spark, spark_labels, hover)
        if tile.slices:
            figures[f"bars-{tile.name}"] = charts.bars(tile.slices, tile.slices_text)
        if tile.drivers:
            figures[f"drivers-{tile.name}"] = charts.drivers(tile.drivers, tile.direction)
        lineages[tile.name] = charts.lineage(graph, tile.name, labels)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kpi_engine.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined)
    plotly_js = None
    if options.plotly_src is None:
        from plotly.offline import get_plotlyjs

        plotly_js = get_plotlyjs()
    from babel.dates import format_datetime

    from ..formatting import _digits, locale_of

    generated = _digits(format_datetime(datetime.now(), "medium", locale=locale_of(lang)),
                        lang)
    return env.get_template("report.html.j2").render(
        lang=lang, dir="rtl" if rtl else "ltr", t=lambda key: text(lang, key),
        title=options.title or text(lang, "title"),
        period_label=_period_label(window.period, window.grain, lang),
        period=window.period.isoformat(), grain=window.grain, generated=generated,
        sections=[(d, domain_label(d, lang), ts) for d, ts in sections.items()],
        raw=_jsonable, figures=figures, lineages=lineages, plotly_js=plotly_js,
        plotly_src=options.plotly_src, zip=zip,
        digits=lambda n: _digits(str(n), lang))


def write_report(path: str | Path, html: str) -> Path:
    """Write through a temporary file beside ``path``: a failed write leaves any earlier
    report whole."""
    import os
    import tempfile

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the report from others
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.resolve()
