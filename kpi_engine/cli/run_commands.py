"""Commands that compile and evaluate: compile, eval. Both go through the ``Workspace``
the Python API uses (kpi_engine/workspace.py), so they compute the same numbers."""

from __future__ import annotations

from typing import Any

import click

from .context import AppContext
from .options import dialect_option, format_option, lang_option, request_options, warehouse_option


def _check_currency(ctx, param, value):
    from .formatting import check_currency  # number formatting: eval only, not compile

    return check_currency(value)


def compare_option(f):
    return click.option(
        "--compare", metavar="previous|last_year|PERIOD",
        help="Add each metric's value in an earlier period, the change, the relative "
        "change and whether it is good or bad for the metric: the previous period, the "
        "same period last year, or PERIOD (e.g. 2025-11) for the first period of --since.")(f)


@click.command("compile")
@click.argument("metrics", nargs=-1, required=True)
@dialect_option
@request_options
@compare_option
@click.pass_obj
def compile_cmd(app: AppContext, metrics, dialect, grain, by, since, until, where, timezone,
                week_start, compare) -> None:
    """Print the one SQL statement that computes METRICS in a dialect."""
    click.echo(app.compiled_sql(metrics, dialect=dialect, grain=grain, by=by, since=since,
                                until=until, where=where, timezone=timezone,
                                week_start=week_start, compare=compare))


@click.command("eval")
@click.argument("metrics", nargs=-1, required=True)
@warehouse_option
@request_options
@compare_option
@format_option("table", "json", "csv")
@lang_option
@click.option("--currency", metavar="CODE", callback=_check_currency,
              help="ISO 4217 code money is shown in (table format), e.g. USD, VND.")
@click.pass_obj
def eval_cmd(app: AppContext, metrics, warehouse, grain, by, since, until, where, timezone,
             week_start, compare, fmt, lang, currency) -> None:
    """Evaluate METRICS in the warehouse (the SQL runs there; only results come back).
    The table is formatted for --lang (numbers, right-to-left for fa)."""
    result = app.evaluate(metrics, warehouse=warehouse, grain=grain, by=by, since=since,
                          until=until, where=where, timezone=timezone,
                          week_start=week_start, compare=compare)
    from .output import records_csv, records_json, records_table

    records = result.records
    if fmt == "json":
        click.echo(records_json(records))
    elif fmt == "csv":
        click.echo(records_csv(records), nl=False)
    else:
        columns, units = _table_columns(app, result)
        click.echo(records_table(records, columns, units, lang=lang, currency=currency))


def _table_columns(app: AppContext, result: Any) -> tuple[list[str], dict[str, str]]:
    """Value columns of the table and their units: each metric, then (with --compare)
    its prior value and change in its unit, the relative change in percent."""
    from ..comparisons import CHANGE, CHANGE_RATIO, PRIOR, VERDICT
    from ..units import unit_of

    columns: list[str] = []
    units: dict[str, str] = {}
    for name in result.metrics:
        unit = unit_of(app.registry, name)
        columns.append(name)
        units[name] = unit
        if result.compare:
            for suffix, shown in ((PRIOR, unit), (CHANGE, unit), (CHANGE_RATIO, "percent")):
                columns.append(name + suffix)
                units[name + suffix] = shown
    if result.compare:  # the verdicts are words: shown as they are, after the numbers
        columns += [n + VERDICT for n in result.metrics]
        units.update({n + VERDICT: "text" for n in result.metrics})
    return columns, units


COMMANDS = [compile_cmd, eval_cmd]
