"""A page of typed rows as an Arrow table, to stage it in an embedded engine (DuckDB).

Each column is built with its canonical Arrow type (the sync engine has coerced the values
already), which pyarrow converts about twice as fast as when it infers the type from every
value. A column it cannot build that way (a decimal with more than 4 places from a caller
outside the engine, say) is built by inference as before; the engine then casts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from ..schema import Table

_tzinfo = attrgetter("tzinfo")

_ARROW_TYPES = {"string": "string", "integer": "int64", "decimal": ("decimal128", 18, 4),
                "float": "float64", "boolean": "bool_", "timestamp": ("timestamp", "us"),
                "date": "date32"}


def _any_aware(column: Sequence[Any]) -> bool:
    """Aware datetimes (from a caller outside the engine, which makes them naive UTC) go
    by inference as before: the engine then converts them in its session's time zone."""
    return any(map(_tzinfo, filter(None, column)))


def _arrow_type(pa: Any, logical: str) -> Any:
    spec = _ARROW_TYPES.get(logical)
    if spec is None:
        return None
    if isinstance(spec, tuple):
        return getattr(pa, spec[0])(*spec[1:])
    return getattr(pa, spec)()


def arrow_table(table: Table, columns: Sequence[str], values: Sequence[Sequence[Any]]) -> Any:
    """``values[i]`` is column ``columns[i]``'s list; returns a ``pyarrow.Table``."""
    import pyarrow as pa

    logical = {c.name: c.type for c in table.columns}
    arrays = {}
    for name, column in zip(columns, values, strict=True):
        kind = _arrow_type(pa, logical.get(name, ""))
        if logical.get(name) == "timestamp" and _any_aware(column):
            kind = None
        try:
            if kind is None:
                raise TypeError
            arrays[name] = pa.array(column, type=kind)
        except (TypeError, ValueError, OverflowError, pa.ArrowException):
            arrays[name] = pa.array(list(column))
    return pa.table(arrays)
