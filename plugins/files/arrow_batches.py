"""A Parquet record batch as a typed Arrow page, or None where the row path must read it.

The row path (``readers.read_parquet`` + the engine's ``TableCoercer``) defines the
outcome; this module only takes a shortcut where it gives exactly the same values:

- a column is cast by Arrow only for type pairs where a *safe* cast that succeeds yields
  what the Python converter yields (``_FAST``); a decimal that would need rounding, an
  integer beyond 2^53 read as a float, a NaN... make the cast fail or the check refuse;
- any other column is converted by the row path's own column converter
  (``coerce.column_converter``) on its Python values, then back to Arrow;
- a page with anything the row path would report (a bad value, a missing key or required
  value, an unknown or repeated column, a ``source`` that is not text) returns None: the
  connector then hands over that page as rows, and the engine reports each problem at
  its file and row as before.
"""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from kpi_engine.schema import Table
from kpi_engine.sync.arrow_pages import arrow_type
from kpi_engine.sync.coerce import CoerceError, column_converter


def _is_text(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _is_text(t.value_type)
    return pa.types.is_string(t) or pa.types.is_large_string(t) \
        or pa.types.is_string_view(t)


def _is_float(t: pa.DataType) -> bool:  # float16 stays on the row path
    return pa.types.is_float32(t) or pa.types.is_float64(t)


_is_int, _is_bool = pa.types.is_integer, pa.types.is_boolean
_is_decimal, _is_timestamp, _is_date32 = (pa.types.is_decimal, pa.types.is_timestamp,
                                          pa.types.is_date32)


# (canonical type, source type test): a safe Arrow cast that succeeds gives exactly the
# Python converter's value. int -> decimal is not here: Arrow refuses it at precision 18.
_FAST = {
    "string": (_is_text, _is_int),  # str(int) and Arrow print integers alike
    "integer": (_is_int,),
    "float": (_is_float, _is_int),  # int -> float refuses beyond 2^53, where float() rounds
    "decimal": (_is_decimal,),  # a rescale that loses digits or a 10^14 is refused
    "boolean": (_is_bool,),
    "timestamp": (_is_timestamp,),  # an aware value keeps its UTC instant, made naive
    "date": (_is_date32,),
}

# Python's datetime and date cover years 1-9999; the row path cannot read values outside.
_TS_MIN, _TS_MAX = datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)
# An aware value is read by the row path in its own zone first: keep a day clear of the
# ends so no offset takes it outside years 1-9999.
_TS_MIN_AWARE, _TS_MAX_AWARE = datetime(1, 1, 2), datetime(9999, 12, 30)
_DATE_MIN, _DATE_MAX = date(1, 1, 1), date(9999, 12, 31)


class _RowPath(Exception):
    """This page goes the row path."""


def typed_page(batch: pa.RecordBatch, table: Table, source: str | None) -> pa.Table | None:
    """``batch`` (columns already renamed) in ``table``'s canonical Arrow types, with
    ``source`` filled where it is empty (``source`` None: the table's key has no
    ``source``); None where the row path must take the page."""
    names = batch.schema.names
    if len(set(names)) != len(names) or not set(names) <= set(table.column_names):
        return None  # the row path reports the unknown column or reads the last one
    try:
        columns = {name: _column(batch.column(i), table.column(name).type)
                   for i, name in enumerate(names)}
        if source is not None:
            columns["source"] = _filled_source(batch, source)
    except _RowPath:
        return None
    for col in table.columns:
        must = col.name in table.primary_key or not col.nullable
        if must and (col.name not in columns or columns[col.name].null_count):
            return None  # the row path names each row without its value
    order = [c for c in table.column_names if c in columns]
    return pa.Table.from_arrays([columns[c] for c in order], names=order)


def _filled_source(batch: pa.RecordBatch, source: str) -> pa.Array:
    """The connector's fill, as on rows: where a row's ``source`` is null or ''."""
    kind = pa.string()
    if "source" not in batch.schema.names:
        return pa.array([source] * batch.num_rows, type=kind)
    raw = batch.column("source")
    if not _is_text(raw.type):
        raise _RowPath  # 0 or False is empty to the row path too: let it decide
    values = _text(raw)
    return pc.fill_null(values, pa.scalar(source, kind)) if values.null_count else values


def _text(raw: pa.Array) -> pa.Array:
    """As text, '' read as NULL (the row path's string converter)."""
    values = pc.cast(raw, pa.string())
    empty = pc.equal(values, "")
    if pc.any(empty).as_py():
        values = pc.if_else(empty, pa.scalar(None, pa.string()), values)
    return values


def _column(raw: pa.Array, logical: str) -> pa.Array:
    kind = arrow_type(pa, logical)
    t = raw.type
    if _is_timestamp(t) and t.unit == "ns":
        # As the row path reads it: Python datetimes hold microseconds.
        raw = raw.cast(pa.timestamp("us", t.tz), safe=False)
        t = raw.type
    if any(test(t) for test in _FAST[logical]):
        try:
            values = _text(raw) if logical == "string" else pc.cast(raw, kind, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values = None
        if values is not None and _exact(values, logical, t):
            return values
    return _by_python(raw, logical, kind)


def _exact(values: pa.Array, logical: str, source_type: pa.DataType) -> bool:
    """Whether a cast value is one the row path reads alike (finite, in Python's range)."""
    if values.null_count == len(values):
        return True
    if logical == "float":
        return pc.all(pc.is_finite(values)).as_py() is not False
    if logical == "timestamp":
        aware = getattr(source_type, "tz", None) is not None
        low, high = (_TS_MIN_AWARE, _TS_MAX_AWARE) if aware else (_TS_MIN, _TS_MAX)
        # Compared as microseconds: as_py() of a value past year 9999 would raise.
        bounds = pc.min_max(pc.cast(values, pa.int64()))
        return _micros(low) <= bounds["min"].as_py() and bounds["max"].as_py() <= _micros(high)
    if logical == "date":
        bounds = pc.min_max(pc.cast(values, pa.int32()))
        return (_DATE_MIN.toordinal() - _EPOCH_DAY <= bounds["min"].as_py()
                and bounds["max"].as_py() <= _DATE_MAX.toordinal() - _EPOCH_DAY)
    return True


_EPOCH_DAY = date(1970, 1, 1).toordinal()


def _micros(moment: datetime) -> int:
    """Microseconds since 1970 of a naive (UTC) datetime, without float rounding."""
    delta = moment - datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _by_python(raw: pa.Array, logical: str, kind: pa.DataType) -> pa.Array:
    """The row path's own column converter on the Python values; any failure (a bad
    value, a value Python cannot hold) sends the page to the row path."""
    try:
        values = column_converter(logical)(raw.to_pylist())
        return pa.array(values, type=kind)
    except (CoerceError, ValueError, OverflowError, TypeError, pa.ArrowException):
        raise _RowPath from None
