"""Commands that compile and evaluate: compile, eval."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import click

from .context import AppContext
from .formatting import check_currency
from .options import dialect_option, format_option, lang_option, request_options, warehouse_option
from .output import records_csv, records_json, records_table

if TYPE_CHECKING:
    from ..compiler.request import Request


def make_request(app: AppContext, metrics: tuple[str, ...], grain: str, by: tuple[str, ...],
                 since, until, where: tuple[str, ...], timezone: str | None,
                 week_start: str | None, dialect: str) -> Request:
    from ..compiler.request import Request  # sqlglot only when a command compiles

    project = app.project
    return Request(metrics=metrics, grain=grain, dimensions=by, since=since, until=until,
                   where=where, timezone=timezone or project.timezone,
                   week_start=week_start or project.week_start, dialect=dialect,
                   schema=app.schema_for(None), currency=project.currency)


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
    from ..compiler.compiler import compile_request

    click.echo(compile_request(app.registry, request).sql)


@click.command("eval")
@click.argument("metrics", nargs=-1, required=True)
@warehouse_option
@request_options
@format_option("table", "json", "csv")
@lang_option
@click.option("--currency", metavar="CODE", callback=lambda c, p, v: check_currency(v),
              help="ISO 4217 code money is shown in (table format), e.g. USD, VND.")
@click.pass_obj
def eval_cmd(app: AppContext, metrics, warehouse, grain, by, since, until, where, timezone,
             week_start, fmt, lang, currency) -> None:
    """Evaluate METRICS in the warehouse (the SQL runs there; only results come back).
    The table is formatted for --lang (numbers, right-to-left for fa)."""
    from ..evaluate import evaluate
    from ..required_tables import check_tables

    wh = app.connect(warehouse)
    try:
        request = replace(make_request(app, metrics, grain, by, since, until, where,
                                       timezone, week_start, wh.dialect), schema=wh.schema)
        check_tables(app.registry, metrics, wh)  # name missing tables before running
        records = evaluate(app.registry, request, wh)
    finally:
        wh.close()
    from ..units import unit_of

    names = [app.registry.metric(m).name for m in metrics]
    if fmt == "json":
        click.echo(records_json(records))
    elif fmt == "csv":
        click.echo(records_csv(records), nl=False)
    else:
        units = {n: unit_of(app.registry, n) for n in names}
        click.echo(records_table(records, names, units, lang=lang, currency=currency))


COMMANDS = [compile_cmd, eval_cmd]
