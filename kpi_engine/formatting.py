"""Numbers, money and percentages for people, by language (Babel's CLDR data).

Rounding happens here, on Decimals, half up — as money is shown on invoices — before Babel
formats (Babel itself would round half-even: 81.625 -> 81.62). Floats go through their
shortest repr, so 81.625 stays 81.625 and is shown 81.63. A value that rounds to zero is
shown unsigned (never "-0.0%").

A *row* of values (one metric over months) shares one scale and one number of decimals,
so 0.00 and 1,853 never stand in the same row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Babel is imported when a number is formatted, not by `kpi --help`
    from babel import Locale

LANGS = ("en", "vi", "fa", "ms")
# Digits of CLDR numbering systems that are not Latin (Babel gives their separators only).
_DIGITS = {"arabext": "۰۱۲۳۴۵۶۷۸۹", "arab": "٠١٢٣٤٥٦٧٨٩"}
_DURATION_UNITS = ("seconds", "hours")


@cache
def locale_of(lang: str) -> Locale:
    from babel import Locale

    return Locale.parse(lang if lang in LANGS else "en")


def is_rtl(lang: str) -> bool:
    """Persian (and any right-to-left language) gets mirrored tables."""
    return locale_of(lang).character_order == "right-to-left"


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest repr: 81.625, not 81.6249999...
    return Decimal(value)


def round_half_up(value: Any, decimals: int) -> Decimal:
    """``value`` rounded half up to ``decimals`` places; a zero result is unsigned."""
    exponent = Decimal(1).scaleb(-decimals)
    rounded = to_decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def currency_decimals(currency: str | None) -> int:
    """Minor units of a currency (VND and IRR have none); 2 when unknown."""
    if not currency:
        return 2
    from babel.numbers import get_currency_precision

    try:
        return get_currency_precision(currency.upper())
    except Exception:  # noqa: BLE001 - an unknown code is shown with two decimals
        return 2


def check_currency(code: str | None) -> str | None:
    """An ISO 4217 code Babel knows, upper-cased; a clear error otherwise."""
    if code is None:
        return None
    from babel.numbers import list_currencies

    from .errors import KpiError, did_you_mean

    known = list_currencies()
    if code.upper() not in known:
        raise KpiError(f"unknown currency {code!r}{did_you_mean(code.upper(), known)}: use an "
                       "ISO 4217 code such as USD, EUR, VND, MYR, IRR")
    return code.upper()


def _digits(text: str, lang: str) -> str:
    system = locale_of(lang).default_numbering_system
    digits = _DIGITS.get(system)
    return text.translate(str.maketrans("0123456789", digits)) if digits else text


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def number(value: Any, decimals: int, lang: str = "en") -> str:
    """A number with grouping and exactly ``decimals`` places, in the language's symbols."""
    from babel.numbers import format_decimal

    rounded = round_half_up(value, decimals)
    text = format_decimal(rounded, _pattern(decimals), locale=locale_of(lang),
                          decimal_quantization=False, numbering_system="default")
    return _digits(text, lang)


def money(value: Any, lang: str = "en", currency: str | None = None) -> str:
    """Money rounded half up to the currency's minor units; with a currency code, in the
    language's currency pattern (1.234,50 US$ in Vietnamese, 1,234,500 ₫ without minor
    units)."""
    places = currency_decimals(currency)
    if not currency:
        return number(value, places, lang)
    from babel.numbers import format_currency

    rounded = round_half_up(value, places)
    text = format_currency(rounded, currency.upper(), locale=locale_of(lang),
                           numbering_system="default")
    return _digits(text, lang)


def percent(value: Any, lang: str = "en", decimals: int = 1) -> str:
    """A fraction as a percentage: 0.1234 -> 12.3% (in the language's percent pattern)."""
    rounded = round_half_up(to_decimal(value) * 100, decimals)
    symbols = locale_of(lang).number_symbols
    system = locale_of(lang).default_numbering_system
    sign = symbols.get(system, symbols.get("latn", {})).get("percentSign", "%")
    text = number(rounded, decimals, lang)
    # CLDR puts the sign after the number in all four languages we ship.
    return f"{text}{sign}"


def duration(seconds: float, unit: str | None = None) -> str:
    """1h 02m; ``unit`` (s, m, h, d) forces the largest unit so a row reads alike."""
    seconds = int(round_half_up(seconds, 0))
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    unit = unit or ("s" if seconds < 60 else "m" if seconds < 3600
                    else "h" if seconds < 48 * 3600 else "d")
    if unit == "s":
        return f"{sign}{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if unit == "m":
        return f"{sign}{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if unit == "h":
        return f"{sign}{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{sign}{days}d {hours:02d}h"


def _seconds(value: Any, unit: str) -> float:
    return float(value) * (3600 if unit == "hours" else 1)


def value_text(value: Any, unit: str = "number", lang: str = "en",
               currency: str | None = None) -> str:
    """One value for people, by its unit."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        amount = to_decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    if not amount.is_finite():
        return "—"
    if unit in ("percent", "rate"):
        return percent(amount, lang)
    if unit == "currency":
        return money(amount, lang, currency)
    if unit == "seconds":
        return duration(float(amount))
    if unit == "ratio":
        return number(amount, 2, lang)
    if unit == "count":
        return number(amount, 0 if amount == amount.to_integral_value() else 1, lang)
    if abs(amount) >= 1000 or amount == amount.to_integral_value():
        return number(amount, 0, lang)
    return number(amount, 2, lang)


def row_formatter(values: Iterable[Any], unit: str, lang: str = "en",
                  currency: str | None = None) -> Callable[[Any], str]:
    """A formatter for a row of values: one scale (k, M) and one number of decimals,
    chosen from the row's largest value, so the row reads alike."""
    present = [abs(to_decimal(v)) for v in values
               if v is not None and not isinstance(v, (str, bool))
               and to_decimal(v).is_finite()]
    largest = max(present, default=Decimal(0))
    if unit in ("percent", "rate"):
        return lambda v: "—" if v is None else percent(v, lang)
    if unit in _DURATION_UNITS:
        top = _seconds(largest, unit)
        unit_letter = ("s" if top < 60 else "m" if top < 3600
                       else "h" if top < 48 * 3600 else "d")
        return lambda v: "—" if v is None else duration(_seconds(v, unit), unit_letter)
    if largest >= 1_000_000:
        return _scaled(1_000_000, 2, lang)
    if largest >= 10_000:
        return _scaled(1_000, 1, lang)
    integral = all(v == v.to_integral_value() for v in present)
    if unit == "currency":
        decimals = 0 if largest >= 100 else currency_decimals(currency)
    elif integral or largest >= 1000:
        decimals = 0
    elif largest >= 100:
        decimals = 1
    else:
        decimals = 2
    return lambda v: "—" if v is None else number(v, decimals, lang)


def _scaled(scale: int, decimals: int, lang: str) -> Callable[[Any], str]:
    """Thousands or millions with the language's short suffix (K, N, هزار …)."""
    formats = locale_of(lang).compact_decimal_formats["short"]["other"]
    suffix = formats[str(scale)].suffix[0]
    return lambda v: "—" if v is None else number(to_decimal(v) / scale, decimals,
                                                  lang) + suffix
