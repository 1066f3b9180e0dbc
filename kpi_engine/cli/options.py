"""Option decorators shared by commands (the same flag means the same everywhere)."""

from __future__ import annotations

from datetime import date

import click

from ..vocabulary import DIALECTS, REQUEST_GRAINS


class DateParam(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date (use YYYY-MM-DD)", param, ctx)


# The names users know from URL schemes, for the sqlglot dialect that compiles for them.
DIALECT_ALIASES = {"postgresql": "postgres", "mariadb": "mysql", "sqlite3": "sqlite"}


class DialectChoice(click.Choice):
    """A sqlglot dialect; any case, and the URL scheme names (postgresql, mariadb)."""

    def __init__(self) -> None:
        super().__init__(DIALECTS, case_sensitive=False)

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            value = DIALECT_ALIASES.get(value.lower(), value)
        return super().convert(value, param, ctx)


class TimezoneParam(click.ParamType):
    """An IANA time zone in any case (``utc``, ``asia/tokyo``), given back in the
    database's own spelling."""

    name = "TZ"

    def convert(self, value, param, ctx):
        from ..timezones import canonical_timezone

        zone = canonical_timezone(value)
        if zone is None:
            self.fail(f"{value[:60]!r} is not a time zone (use an IANA name such as "
                      "'Asia/Ho_Chi_Minh' or 'UTC')", param, ctx)
        return zone


def warehouse_option(f):
    return click.option("--warehouse", "-w", metavar="URL",
                        help="Warehouse URL (default: kpi.yaml's, else duckdb:///kpi.duckdb).")(f)


def dialect_option(f):
    return click.option("--dialect", "-d", type=DialectChoice(), default="duckdb",
                        show_default=True, help="SQL dialect to compile to (postgresql and "
                        "mariadb are accepted too).")(f)


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
        click.option("--timezone", "--tz", "timezone", type=TimezoneParam(),
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
