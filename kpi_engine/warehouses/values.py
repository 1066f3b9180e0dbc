"""Python values for the canonical logical types, before they go to a driver.

Connectors hand over whatever their API gave (ISO strings, floats, aware datetimes); every
warehouse stores the same thing: money as a Decimal with 4 places (rounded half up),
timestamps as naive UTC, dates as dates. Doing it once here keeps the engines equal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..errors import WarehouseError
from ..schema import Table

MONEY_SCALE = Decimal("0.0001")  # decimal -> DECIMAL(18, 4) everywhere

_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}


def to_utc_naive(value: Any) -> Any:
    """An aware datetime converted to UTC without tzinfo; ISO strings parsed."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


def _to_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value.strip()[:10])
    return value


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        value = Decimal(repr(value))  # repr: the shortest decimal that round-trips
    elif isinstance(value, int | str):
        value = Decimal(str(value).strip())
    if isinstance(value, Decimal) and value.is_finite():
        return value.quantize(MONEY_SCALE, rounding=ROUND_HALF_UP)
    return value


def _to_float(value: Any) -> Any:
    if isinstance(value, Decimal | int | str) and not isinstance(value, bool):
        return float(value)
    return value


def _to_int(value: Any) -> Any:
    if isinstance(value, str):
        return int(value.strip())
    if isinstance(value, Decimal | float) and value == int(value):
        return int(value)
    return value


def _to_bool(value: Any) -> Any:
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return value


def _to_str(value: Any) -> Any:
    return value if isinstance(value, str) else str(value)


_COERCE: dict[str, Callable[[Any], Any]] = {
    "timestamp": to_utc_naive, "date": _to_date, "decimal": _to_decimal,
    "float": _to_float, "integer": _to_int, "boolean": _to_bool, "string": _to_str,
}


def column_types(table: Table, columns: Sequence[str]) -> list[str | None]:
    """The logical type of each column, None for columns the table does not declare."""
    out: list[str | None] = []
    for name in columns:
        col = table.column(name)
        out.append(col.type if col is not None else None)
    return out


def coerce_rows(table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows with every value converted to the Python type of its logical column type."""
    funcs = [_COERCE.get(t or "") for t in column_types(table, columns)]
    out = []
    for row in rows:
        if len(row) != len(columns):
            raise WarehouseError(f"{table.name}: a row has {len(row)} values for "
                                 f"{len(columns)} columns")
        values = []
        for name, func, value in zip(columns, funcs, row, strict=True):
            if value is None or func is None:
                values.append(value)
                continue
            try:
                values.append(func(value))
            except (ValueError, TypeError, InvalidOperation):
                shown = repr(value)[:60]
                logical = table.column(name).type  # type: ignore[union-attr]
                raise WarehouseError(f"{table.name}.{name}: cannot store {shown} as "
                                     f"{logical}") from None
        out.append(tuple(values))
    return out
