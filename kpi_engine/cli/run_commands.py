"""Commands that compile and evaluate: compile, eval."""

from __future__ import annotations

import click

from ..compiler.compiler import compile_request
from ..compiler.request import Request
from .context import AppContext
from .options import dialect_option, format_option, request_options, warehouse_option
from .output import records_csv, records_json, records_table


def make_request(app: AppContext, metrics: tuple[str, ...], grain: str, by: tuple[str, ...],
                 since, until, where: tuple[str, ...], timezone: str | None,
                 week_start: str | None, dialect: str) -> Request:
    project = app.project
    return Request(metrics=metrics, grain=grain, dimensions=by, since=since, until=until,
                   where=where, timezone=timezone or project.timezone,
                   week_start=week_start or project.week_start, dialect=dialect,
                   schema=project.schema_, currency=project.currency)


@click.command("compile")
@click.argument("metrics", nargs=-1, required=True)
@dialect_option
@request_options
@click.pass_obj
def compile_cmd(app: AppContext, metrics, dialect, grain, by, since, until, where, timezone,
                week_start) -> None:
    """Print the one SQL statement that computes METRICS in a dialect."""
    request = make_request(app, metrics, grain, by, since, until, where, timezone, week_start,
                           dialect)
    click.echo(compile_request(app.registry, request).sql)


@click.command("eval")
@click.argument("metrics", nargs=-1, required=True)
@warehouse_option
@request_options
@format_option("table", "json", "csv")
@click.pass_obj
def eval_cmd(app: AppContext, metrics, warehouse, grain, by, since, until, where, timezone,
             week_start, fmt) -> None:
    """Evaluate METRICS in the warehouse (the SQL runs there; only results come back)."""
    from ..evaluate import evaluate

    wh = app.connect(warehouse)
    try:
        request = make_request(app, metrics, grain, by, since, until, where, timezone,
                               week_start, wh.dialect)
        records = evaluate(app.registry, request, wh)
    finally:
        wh.close()
    names = [app.registry.metric(m).name for m in metrics]
    if fmt == "json":
        click.echo(records_json(records))
    elif fmt == "csv":
        click.echo(records_csv(records), nl=False)
    else:
        units = {n: app.registry.metrics[n].unit for n in names}
        click.echo(records_table(records, names, units))


COMMANDS = [compile_cmd, eval_cmd]
