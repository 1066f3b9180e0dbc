"""What ``kpi demo`` does with its store besides printing: write the HTML report
(``kpi report``) for its last month, and with ``--serve`` serve it live (``kpi serve``)
until Ctrl+C, while the in-memory store still exists."""

from __future__ import annotations

import tempfile
from pathlib import Path

DEMO_PERIOD = "2025-12"  # the last month of the sample store


def default_report_path(lang: str) -> Path:
    """Beside the other temporary files, not in the current folder: ``kpi demo`` is
    run from anywhere, and a report left in a source checkout would be noise."""
    return Path(tempfile.gettempdir(), "kpi-demo", f"report-{lang}.html")


def demo_context(registry, wh, currency: str):
    from ..compiler.request import Request
    from ..demo.goals import DEMO_TARGETS
    from ..project import Project

    # The demo's own settings (UTC, Monday, its targets), whatever kpi.yaml is here.
    project = Project(targets=DEMO_TARGETS)
    base = Request(metrics=("_",), timezone=project.timezone, week_start=project.week_start,
                   dialect=wh.dialect, schema=wh.schema)
    return project, base


def write_demo_report(registry, wh, lang: str, path: str | None, currency: str) -> Path:
    from ..report.build import PageOptions, build_report, select_metrics, write_report
    from ..report.window import parse_report_period

    project, base = demo_context(registry, wh, currency)
    names = select_metrics(registry, project)
    html = build_report(registry, project, wh, names, parse_report_period(DEMO_PERIOD), base,
                        PageOptions(lang=lang, currency=currency))
    return write_report(path or default_report_path(lang), html)


def serve_demo(registry, wh, host: str, port: int, currency: str, say) -> None:
    from ..serve.context import ServeContext, Warehouses
    from ..serve.security import token_from_env
    from ..serve.server import serve

    project, _ = demo_context(registry, wh, currency)
    ctx = ServeContext(registry=registry, project=project, warehouses=Warehouses(shared=wh),
                       display_currency=currency, token=token_from_env(),
                       default_period=DEMO_PERIOD)
    serve(ctx, host, port, announce=say)
