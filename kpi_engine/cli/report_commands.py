"""``kpi report`` (one self-contained HTML page) and ``kpi serve`` (the page live, plus a
JSON API). Jinja2, plotly, FastAPI and uvicorn are imported when these run, never by
``kpi --help``."""

from __future__ import annotations

import click

from .context import AppContext
from .formatting import LANGS, check_currency
from .options import warehouse_option


def report_request(app: AppContext, wh):
    """The Request fields every report evaluation shares (timezone, week start, currency,
    schema); the report sets metrics, grain and range."""
    from ..compiler.request import Request

    project = app.project
    return Request(metrics=("_",), timezone=project.timezone, week_start=project.week_start,
                   dialect=wh.dialect, schema=wh.schema, currency=project.currency)


def missing_extra(extra: str, exc: ImportError):
    from ..errors import KpiError

    return KpiError(f"this command needs the '{extra}' extra ({exc.name} is not installed): "
                    f"pip install 'commerce-kpi-engine[{extra}]'")


@click.command("report")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              metavar="FILE", help="The HTML file to write.")
@click.option("--scorecard", metavar="NAME", help="Only this scorecard's KPIs (kpi.yaml's "
              "scorecards, or one shipped per domain: sales, marketing, ...).")
@click.option("--lang", type=click.Choice(list(LANGS)), default="en", show_default=True,
              help="Language of labels, numbers and dates (fa: right to left).")
@click.option("--period", metavar="P", help="YYYY-MM, YYYY-Qn or YYYY (default: last month).")
@click.option("--currency", metavar="CODE", callback=lambda c, p, v: check_currency(v),
              help="ISO 4217 code money is shown in, e.g. USD, VND.")
@warehouse_option
@click.pass_obj
def report_cmd(app: AppContext, output, scorecard, lang, period, currency, warehouse) -> None:
    """Write one self-contained HTML report (opens without a network)."""
    from ..report.build import PageOptions, build_report, select_metrics, write_report
    from ..report.window import parse_report_period

    window = parse_report_period(period)
    names = select_metrics(app.registry, app.project, scorecard)
    wh = app.connect(warehouse)
    try:
        html = build_report(app.registry, app.project, wh, names, window,
                            report_request(app, wh),
                            PageOptions(lang=lang, currency=currency or app.project.currency),
                            scorecard)
    finally:
        wh.close()
    click.echo(write_report(output, html))


COMMANDS = [report_cmd]


def serve_context(app: AppContext, warehouse: str | None, cache_ttl: float,
                  period: str | None, currency: str | None = None, shared=None):
    from ..serve.context import ServeContext, Warehouses
    from ..serve.security import token_from_env

    project = app.project
    registry = app.registry
    if shared is not None:
        warehouses = Warehouses(shared=shared)
    else:
        url = app.warehouse_url(warehouse)
        app.connect(url).close()  # a wrong URL or a missing file fails now, not per request
        warehouses = Warehouses(connect=lambda: app.connect(url))
    return ServeContext(registry=registry, project=project, warehouses=warehouses,
                        timezone=project.timezone, week_start=project.week_start,
                        currency=project.currency,
                        display_currency=currency or project.currency,
                        token=token_from_env(), cache_ttl=cache_ttl, default_period=period)


def serve_options(f):
    for opt in reversed([
        click.option("--host", default="127.0.0.1", show_default=True,
                     help="Address to bind; anything but loopback needs KPI_SERVE_TOKEN."),
        click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
                     help="Port to listen on."),
        click.option("--cache-ttl", default=60.0, show_default=True, type=click.FloatRange(0),
                     help="Seconds a result is reused for the same request (0: never)."),
    ]):
        f = opt(f)
    return f


@click.command("serve")
@serve_options
@click.option("--period", metavar="P", help="Period the page shows by default "
              "(YYYY-MM, YYYY-Qn or YYYY; default: last month).")
@click.option("--currency", metavar="CODE", callback=lambda c, p, v: check_currency(v),
              help="ISO 4217 code money is shown in on the page.")
@warehouse_option
@click.pass_obj
def serve_cmd(app: AppContext, host, port, cache_ttl, period, currency, warehouse) -> None:
    """Serve the report page live and a JSON API (OpenAPI at /docs)."""
    from ..serve.security import check_bind, token_from_env

    check_bind(host, token_from_env())  # before loading anything
    try:
        from ..serve.server import serve
    except ImportError as exc:
        raise missing_extra("serve", exc) from None
    ctx = serve_context(app, warehouse, cache_ttl, period, currency)
    serve(ctx, host, port, announce=lambda msg: click.echo(msg, err=True))


COMMANDS.append(serve_cmd)
