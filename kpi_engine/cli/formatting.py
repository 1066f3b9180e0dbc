"""Numbers, money and percentages for people: moved to ``kpi_engine.formatting``, so the
Python API and alerts format like the command line without importing it. Kept here so
``kpi_engine.cli.formatting`` imports go on working."""

from ..formatting import (  # noqa: F401 - re-exported
    LANGS,
    check_currency,
    currency_decimals,
    duration,
    is_rtl,
    locale_of,
    money,
    number,
    percent,
    round_half_up,
    row_formatter,
    to_decimal,
    value_text,
)
