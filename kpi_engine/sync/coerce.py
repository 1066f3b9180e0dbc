"""Turn raw values (CSV strings, JSON values, Arrow values) into a column's logical type.

``converter(logical_type)`` returns one function per column, built once per sync, so the
per-cell work is a dict lookup on the value's exact type plus the parse itself. A value
that cannot be read raises ``CoerceError`` with a message such as
``cannot read 'abc' as a decimal``; the engine adds the file, line and column.
``TableCoercer`` applies the converters to a whole page of row dicts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from operator import itemgetter, methodcaller
from typing import Any

from ..errors import did_you_mean
from ..schema import Table

Converter = Callable[[Any], Any]

# Money is DECIMAL(18, 4) in every warehouse: round here so all rows share one scale and a
# value too large for the column is reported at its line instead of failing the load.
MONEY_SCALE = Decimal("0.0001")
MONEY_LIMIT = Decimal(10) ** 14
# Integers are BIGINT everywhere: a larger value is reported here, not by the engine.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Numbers written as text are read only up to this length: '1E+100000000' or a million
# digits would otherwise make int() or Decimal arithmetic run for minutes. No value that
# fits a canonical column needs more characters.
MAX_NUMBER_CHARS = 100

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_BOOL_WORDS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


class CoerceError(ValueError):
    """A value that does not fit its column's type."""


def _show(value: Any) -> str:
    if isinstance(value, int) and value.bit_length() > 200:  # str() of a huge int is slow
        return f"<an integer of about {int(value.bit_length() * 0.30103)} digits>"
    text = repr(value[:80]) if isinstance(value, str) else repr(str(value)[:80])
    return text if len(text) <= 60 else text[:57] + "...'"


def _fail(value: Any, what: str, why: str = "") -> CoerceError:
    return CoerceError(f"cannot read {_show(value)} as {what}" + (f" ({why})" if why else ""))


def _number_text(v: str, what: str) -> str | None:
    """The stripped text of a number, or None for ''; too long a text is refused before
    any conversion looks at it."""
    s = v.strip()
    if len(s) > MAX_NUMBER_CHARS:
        raise _fail(v, what, f"more than {MAX_NUMBER_CHARS} characters")
    return s or None


# -- string --------------------------------------------------------------------------------
def _str_from_str(v: str) -> str | None:
    return v if v else None


def _str_from_scalar(v: Any) -> str:
    if isinstance(v, int) and v.bit_length() > 10_000:
        raise _fail(v, "a string", "too many digits")
    return str(v)


def _str_from_bool(v: bool) -> str:
    return "true" if v else "false"


def _str_from_float(v: float) -> str:
    # JSON ids such as 1001.0 read back as '1001', not '1001.0'.
    return str(int(v)) if v.is_integer() else repr(v)


def _str_from_datetime(v: datetime) -> str:
    return v.isoformat()


# -- decimal -------------------------------------------------------------------------------
def _money(d: Decimal, raw: Any) -> Decimal:
    if not d.is_finite():
        raise _fail(raw, "a decimal")
    # Compare before rounding (cheap, whatever the exponent) and after: 99999999999999.99995
    # rounds up to 10^14, which DECIMAL(18, 4) cannot hold.
    # (adjusted() and copy_abs() never round, so no exponent can overflow the context)
    if d.adjusted() >= 14 or (q := d.quantize(MONEY_SCALE, ROUND_HALF_EVEN)).copy_abs() \
            >= MONEY_LIMIT:
        raise _fail(raw, "a decimal", "DECIMAL(18, 4) holds values below 10^14")
    return q


def _dec_from_str(v: str) -> Decimal | None:
    s = _number_text(v, "a decimal")
    if s is None:
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise _fail(v, "a decimal") from None
    return _money(d, v)


def _dec_from_decimal(v: Decimal) -> Decimal:
    return _money(v, v)


def _dec_from_int(v: int) -> Decimal:
    if abs(v) >= MONEY_LIMIT:
        raise _fail(v, "a decimal", "DECIMAL(18, 4) holds values below 10^14")
    return _money(Decimal(v), v)


def _dec_from_float(v: float) -> Decimal:
    # repr() is the shortest text that round-trips: 19.99 becomes Decimal('19.99'), not
    # the binary expansion 19.989999...
    if not math.isfinite(v):
        raise _fail(v, "a decimal")
    return _money(Decimal(repr(v)), v)


# -- integer -------------------------------------------------------------------------------
_INT_RANGE = "outside the 64-bit integer range"


def _int_from_str(v: str) -> int | None:
    s = _number_text(v, "an integer")
    if s is None:
        return None
    try:
        n = int(s)
    except ValueError:
        pass
    else:
        return _int_from_int(n, v)
    # Spreadsheets write whole numbers as '12.0'; accept those, nothing with a fraction.
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise _fail(v, "an integer") from None
    return _int_from_decimal(d, v)


def _int_from_int(v: int, raw: Any = None) -> int:
    if INT_MIN <= v <= INT_MAX:
        return v
    raise _fail(v if raw is None else raw, "an integer", _INT_RANGE)


def _int_from_float(v: float) -> int:
    if math.isfinite(v) and v.is_integer():
        return _int_from_int(int(v), v)
    raise _fail(v, "an integer")


def _int_from_decimal(v: Decimal, raw: Any = None) -> int:
    raw = v if raw is None else raw
    if not v.is_finite():
        raise _fail(raw, "an integer")
    # adjusted() is the exponent of the leading digit: checked before int(), which would
    # build all 100,000,001 digits of 1E+100000000.
    if v.adjusted() > 19:
        raise _fail(raw, "an integer", _INT_RANGE)
    if v != v.to_integral_value():
        raise _fail(raw, "an integer")
    return _int_from_int(int(v), raw)


# -- float ---------------------------------------------------------------------------------
def _float_from_str(v: str) -> float | None:
    s = _number_text(v, "a number")
    if s is None:
        return None
    try:
        f = float(s)
    except ValueError:
        raise _fail(v, "a number") from None
    if not math.isfinite(f):
        raise _fail(v, "a number")
    return f


def _float_from_number(v: Any) -> float:
    try:
        f = float(v)
    except OverflowError:  # an int beyond the float range
        raise _fail(v, "a number", "out of range") from None
    except ValueError:  # Decimal('sNaN')
        raise _fail(v, "a number") from None
    if not math.isfinite(f):
        raise _fail(v, "a number")
    return f


# -- boolean -------------------------------------------------------------------------------
def _bool_from_str(v: str) -> bool | None:
    s = v.strip()
    if not s:
        return None
    try:
        return _BOOL_WORDS[s.lower()]
    except KeyError:
        raise _fail(v, "a boolean (true/false, yes/no, 1/0)") from None


def _bool_from_bool(v: bool) -> bool:
    return v


def _bool_from_number(v: Any) -> bool:
    if isinstance(v, Decimal) and v.is_snan():  # comparing a signaling NaN raises
        raise _fail(v, "a boolean (true/false, yes/no, 1/0)")
    if v == 1:
        return True
    if v == 0:
        return False
    raise _fail(v, "a boolean (true/false, yes/no, 1/0)")


# -- timestamp -----------------------------------------------------------------------------
def _naive_utc(d: datetime) -> datetime:
    # Canonical timestamps are UTC without a zone; a value without an offset is UTC already.
    if d.tzinfo is None:
        return d
    try:
        return d.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        raise _fail(d.isoformat(), "a timestamp", "outside years 1-9999 in UTC") from None


def _ts_from_str(v: str) -> datetime | None:
    s = v.strip()
    if not s:
        return None
    try:
        d = datetime.fromisoformat(s)
    except ValueError:
        raise _fail(v, "a timestamp (ISO 8601)") from None
    return _naive_utc(d)


def _ts_from_datetime(v: datetime) -> datetime:
    return _naive_utc(v)


def _ts_from_date(v: date) -> datetime:
    return datetime.combine(v, time())


# -- date ----------------------------------------------------------------------------------
def _date_from_str(v: str) -> date | None:
    s = v.strip()
    if not s:
        return None
    try:
        return date.fromisoformat(s)
    except ValueError:
        pass
    # '2024-03-01T00:00:00' names a day too; a time of day other than midnight does not.
    try:
        d = datetime.fromisoformat(s)
    except ValueError:
        raise _fail(v, "a date (YYYY-MM-DD)") from None
    return _date_from_datetime(d, v)


def _date_from_datetime(v: datetime, raw: Any = None) -> date:
    if v.tzinfo is None and v.time() == time():
        return v.date()
    raise _fail(v if raw is None else raw, "a date (YYYY-MM-DD)")


def _date_from_date(v: date) -> date:
    return v


# Handlers by the value's exact type; anything else goes through ``_fallback`` once.
_HANDLERS: dict[str, dict[type, Converter]] = {
    "string": {str: _str_from_str, int: _str_from_scalar, float: _str_from_float,
               Decimal: _str_from_scalar, bool: _str_from_bool, datetime: _str_from_datetime,
               date: _str_from_datetime},
    "decimal": {str: _dec_from_str, Decimal: _dec_from_decimal, int: _dec_from_int,
                float: _dec_from_float},
    "integer": {str: _int_from_str, int: _int_from_int, float: _int_from_float,
                Decimal: _int_from_decimal},
    "float": {str: _float_from_str, float: _float_from_number, int: _float_from_number,
              Decimal: _float_from_number},
    "boolean": {str: _bool_from_str, bool: _bool_from_bool, int: _bool_from_number,
                float: _bool_from_number, Decimal: _bool_from_number},
    "timestamp": {str: _ts_from_str, datetime: _ts_from_datetime, date: _ts_from_date},
    "date": {str: _date_from_str, date: _date_from_date, datetime: _date_from_datetime},
}

_NAMES = {"string": "a string", "decimal": "a decimal", "integer": "an integer",
          "float": "a number", "boolean": "a boolean", "timestamp": "a timestamp",
          "date": "a date"}


def converter(logical_type: str) -> Converter:
    """A function turning one raw value into ``logical_type`` (None stays None, '' is None).

    Raises ``CoerceError`` for a value it cannot read.
    """
    try:
        handlers = _HANDLERS[logical_type]
    except KeyError:
        raise ValueError(f"unknown logical type {logical_type!r}") from None
    what = _NAMES[logical_type]
    get = handlers.get

    def _fallback(v: Any) -> Any:
        # Subclasses (numpy scalars, pandas Timestamps, str enums): use the nearest handler.
        for base in type(v).__mro__[1:]:
            handler = handlers.get(base)
            if handler is not None and not (base is int and isinstance(v, bool)):
                return handler(v)
        raise _fail(v, what)

    def convert(v: Any) -> Any:
        if v is None:
            return None
        return get(type(v), _fallback)(v)

    return convert


def coerce_value(value: Any, logical_type: str) -> Any:
    """Convert one value (convenience for callers outside the hot path)."""
    return converter(logical_type)(value)


def _strings(raw: list[Any]) -> list[Any]:
    # The common CSV case: nothing to parse, only '' becomes NULL.
    return [v if v else None for v in raw] if "" in raw else raw


# Exact spellings spreadsheets write, looked up with no per-cell Python frame; anything
# else (spaces, 'tRuE', bad values) falls back to the per-cell parser.
_BOOL_FAST = {"": None, **{form: value for word, value in _BOOL_WORDS.items()
                           for form in (word, word.upper(), word.title())}}


def _booleans(raw: list[Any]) -> list[Any]:
    try:
        return list(map(_BOOL_FAST.__getitem__, raw))
    except KeyError:
        return list(map(_bool_from_str, raw))


_ALL_STR = {"string": _strings, "boolean": _booleans}


# Columns of one already-typed kind (JSON connectors' Decimals, ints, bools) converted
# without a Python call per cell. Each returns None when any value needs the per-cell
# handler (which then reports it); otherwise exactly what that handler would give.
_to_money = methodcaller("quantize", MONEY_SCALE, ROUND_HALF_EVEN)


def _whole_decimals(raw: list[Decimal]) -> list[Decimal] | None:
    try:
        values = list(map(_to_money, raw))  # inf, sNaN, 10^30: InvalidOperation
        # NaN fails the comparisons (a quiet NaN compares False, a signaling one raises)
        if not (-MONEY_LIMIT < min(values) and max(values) < MONEY_LIMIT):
            return None
    except (InvalidOperation, ValueError):
        return None
    return values


def _whole_ints(raw: list[int]) -> list[int] | None:
    return list(raw) if INT_MIN <= min(raw) and max(raw) <= INT_MAX else None


def _whole_bools(raw: list[bool]) -> list[bool]:
    return list(raw)


_WHOLE_COLUMN: dict[tuple[str, type], Callable[[list[Any]], list[Any] | None]] = {
    ("decimal", Decimal): _whole_decimals,
    ("integer", int): _whole_ints,
    ("boolean", bool): _whole_bools,
}


def column_converter(logical_type: str) -> Callable[[list[Any]], list[Any]]:
    """A function converting a whole column (a list of raw values) at once.

    Columns are nearly always of one Python type (all str from CSV), so the handler is
    chosen once per column instead of once per cell. Raises ``CoerceError`` at the first
    bad value; use ``converter`` to find every bad one.
    """
    convert = converter(logical_type)
    handlers = _HANDLERS[logical_type]
    all_str = _ALL_STR.get(logical_type)
    if all_str is None:
        str_handler = handlers[str]

        def all_str(raw: list[Any]) -> list[Any]:
            return list(map(str_handler, raw))

    def convert_column(raw: list[Any]) -> list[Any]:
        kinds = set(map(type, raw))
        if kinds == {str}:
            return all_str(raw)
        if len(kinds) == 1:
            kind = kinds.pop()
            whole = _WHOLE_COLUMN.get((logical_type, kind))
            if whole is not None:
                values = whole(raw)
                if values is not None:
                    return values
            handler = handlers.get(kind)
            if handler is not None:
                return list(map(handler, raw))
        return list(map(convert, raw))

    return convert_column


# -- whole pages ---------------------------------------------------------------------------
# Pages are converted column by column (one converter mapped over a list), several times
# faster in CPython than a per-cell loop over rows; the slow path that finds each bad value
# runs only when a column fails.

_BAD = object()  # stands for a value already reported, so it is not reported twice


@dataclass
class CoercedPage:
    table: Table
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    sources: set[Any]  # values of the ``source`` column, for full-refresh replacement
    arrow: Any = None  # a pyarrow.Table in place of ``rows`` (sync/arrow_pages.py)

    @property
    def count(self) -> int:
        return len(self.rows) if self.arrow is None else self.arrow.num_rows


class TableCoercer:
    """Converters for every column of one canonical table, built once per sync."""

    def __init__(self, table: Table, default_source: str | None = None):
        self.table = table
        self.columns = table.column_names
        self.converters = {c.name: converter(c.type) for c in table.columns}
        self.column_converters = {c.name: column_converter(c.type) for c in table.columns}
        self.key_idx = [self.columns.index(k) for k in table.primary_key]
        self.required_idx = [i for i, c in enumerate(table.columns)
                             if not c.nullable and c.name not in table.primary_key]
        self.source_idx = self.columns.index("source") if "source" in self.columns else None
        # Fill ``source`` only where it names the connector (it is part of the key); in
        # ``sessions`` the column is the traffic source and stays as the data says.
        self.default_source = default_source if "source" in table.primary_key else None

    def coerce(self, rows: Sequence[dict[str, Any]], origins: Sequence[str],
               problems: list[str]) -> CoercedPage:
        """Typed tuples in table column order, keys unique (last row wins). Problems are
        appended as 'FILE:LINE: ...' lines in row order; the rows are only usable when
        none were."""
        found: list[tuple[int, str]] = []  # (row index, line): columns are done in turn
        names: set[str] = set()
        for row in rows:
            names.update(row)
        unknown = names.difference(self.columns)
        if unknown:
            self._report_unknown(rows, origins, unknown, found)

        n = len(rows)
        out: list[list[Any]] = []
        for col in self.columns:
            if col not in names:
                fill = self.default_source if col == "source" else None
                out.append([fill] * n)
                continue
            try:
                raw = list(map(itemgetter(col), rows))
            except KeyError:  # some rows lack the column: NULL there
                raw = [row.get(col) for row in rows]
            try:
                values = self.column_converters[col](raw)
            except CoerceError:
                values = self._locate_bad(col, self.converters[col], raw, origins, found)
            if col == "source" and self.default_source is not None and None in values:
                values = [self.default_source if v is None else v for v in values]
            out.append(values)

        for i in self.key_idx:
            if None in out[i]:
                col = self.columns[i]
                found.extend(
                    (j, f"{origins[j]}: column {col!r}: missing value for a primary key column "
                    f"of {self.table.name!r}") for j, v in enumerate(out[i]) if v is None)
        for i in self.required_idx:
            if None in out[i]:
                col = self.columns[i]
                found.extend(
                    (j, f"{origins[j]}: column {col!r}: a value is required in "
                        f"{self.table.name!r}") for j, v in enumerate(out[i]) if v is None)
        found.sort(key=lambda item: item[0])  # stable: column order within a row
        problems.extend(line for _, line in found)

        tuples = list(zip(*out, strict=True)) if n else []
        sources = set(out[self.source_idx]) if self.source_idx is not None and n else set()
        return CoercedPage(self.table, self.columns, self._last_row_wins(tuples), sources)

    def _locate_bad(self, col: str, conv: Converter, raw: list[Any], origins: Sequence[str],
                    found: list[tuple[int, str]]) -> list[Any]:
        values: list[Any] = []
        for i, v in enumerate(raw):
            try:
                values.append(conv(v))
            except CoerceError as exc:
                found.append((i, f"{origins[i]}: column {col!r}: {exc}"))
                values.append(_BAD)
        return values

    def _report_unknown(self, rows: Sequence[dict[str, Any]], origins: Sequence[str],
                        unknown: set[str], found: list[tuple[int, str]]) -> None:
        # One line per file and column, not per row: the header is what is wrong.
        reported: set[tuple[str, str]] = set()
        for i, (row, origin) in enumerate(zip(rows, origins, strict=True)):
            for col in sorted(unknown.intersection(row)):
                where = file_of(origin)
                if (where, col) in reported:
                    continue
                reported.add((where, col))
                hint = did_you_mean(col, set(self.columns))
                found.append((i, f"{where}: unknown column {col!r} for table "
                                  f"{self.table.name!r}{hint}"))

    def _last_row_wins(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Drop earlier rows whose key repeats later in the page."""
        key = itemgetter(*self.key_idx)
        by_key = {key(r): r for r in rows}
        return rows if len(by_key) == len(rows) else list(by_key.values())


def file_of(origin: str) -> str:
    """'data/orders.csv:12' -> 'data/orders.csv'; 'x.parquet:row 3' -> 'x.parquet'."""
    head, sep, tail = origin.rpartition(":")
    if sep and head and (tail.isdigit() or tail.startswith("row ")):
        return head
    return origin
