"""Option decorators shared by commands (the same flag means the same everywhere)."""

from __future__ import annotations

from datetime import date

import click

from ..compiler.dialects import DIALECTS
from ..compiler.request import REQUEST_GRAINS


class DateParam(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date (use YYYY-MM-DD)", param, ctx)


def warehouse_option(f):
    return click.option("--warehouse", "-w", metavar="URL",
                        help="Warehouse URL (default: kpi.yaml's, else duckdb:///kpi.duckdb).")(f)


def dialect_option(f):
    return click.option("--dialect", "-d", type=click.Choice(DIALECTS), default="duckdb",
                        show_default=True, help="SQL dialect to compile to.")(f)


def request_options(f):
    """--grain, --by, --since, --until, --where, --timezone, --week-start."""
    for opt in reversed([
        click.option("--grain", "-g", type=click.Choice(REQUEST_GRAINS), default="month",
                     show_default=True, help="Time grain ('all' for one total)."),
        click.option("--by", "by", multiple=True, metavar="DIM",
                     help="Break down by a dimension (repeatable)."),
        click.option("--since", type=DateParam(), help="First day, inclusive (store timezone)."),
        click.option("--until", type=DateParam(), help="Last day, exclusive (store timezone)."),
        click.option("--where", multiple=True, metavar="EXPR",
                     help="Filter on dimensions, e.g. \"channel = 'website'\" (repeatable)."),
        click.option("--timezone", "--tz", "timezone", metavar="TZ",
                     help="Store timezone (default: kpi.yaml's, else UTC)."),
        click.option("--week-start", type=click.Choice(
            ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]),
            help="First day of a week (default: kpi.yaml's, else monday)."),
    ]):
        f = opt(f)
    return f


def format_option(*choices: str, default: str = "table"):
    def deco(f):
        return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                            show_default=True, help="Output format.")(f)
    return deco


def lang_option(f):
    return click.option("--lang", type=click.Choice(["en", "vi", "fa", "ms"]), default="en",
                        show_default=True, help="Language of labels.")(f)
