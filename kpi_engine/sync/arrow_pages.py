"""Check and type a page given in columns (``Page.arrow``), as ``TableCoercer`` does rows.

A connector that maps set-based (in DuckDB) hands over a ``pyarrow.Table``. Each column is
cast to its canonical Arrow type with Arrow's safe cast, which refuses a value that does
not fit (a decimal beyond DECIMAL(18, 4), an integer beyond 64 bits) instead of rounding
or wrapping it; a missing ``source`` is filled with the connector's name, other missing
columns are NULL; key and required columns must have values; and a key repeated within
the page keeps its last row, as for row pages. Problems are reported as
'ORIGIN row N: column ...' lines, ORIGIN naming the connector, table and page.
"""

from __future__ import annotations

from typing import Any

from ..arrow_keys import distinct_keys
from ..errors import did_you_mean
from ..schema import Table
from .coerce import CoercedPage

_TYPES = {"string": "string", "integer": "int64", "decimal": ("decimal128", 18, 4),
          "float": "float64", "boolean": "bool_", "timestamp": ("timestamp", "us"),
          "date": "date32"}
_MAX_LISTED = 20  # rows listed for one column's missing values


def arrow_type(pa: Any, logical: str) -> Any:
    spec = _TYPES[logical]
    if isinstance(spec, tuple):
        return getattr(pa, spec[0])(*spec[1:])
    return getattr(pa, spec)()


class ArrowCoercer:
    """Casts and checks for one canonical table's Arrow pages."""

    def __init__(self, table: Table, default_source: str | None = None):
        self.table = table
        self.default_source = default_source if "source" in table.primary_key else None

    def coerce(self, data: Any, origin: str, problems: list[str],
               keys_unique: bool = False) -> CoercedPage:
        """``keys_unique``: the connector vouches that no key repeats (``Page``), so the
        count of distinct keys, about 0.7 s of a million rows, is skipped."""
        import pyarrow as pa
        import pyarrow.compute as pc

        table = self.table
        unknown = sorted(set(data.column_names) - set(table.column_names))
        for name in unknown:
            problems.append(f"{origin}: unknown column {name!r} for table {table.name!r}"
                            f"{did_you_mean(name, set(table.column_names))}")
        n = data.num_rows
        arrays = []
        for col in table.columns:
            kind = arrow_type(pa, col.type)
            if col.name not in data.column_names:
                fill = self.default_source if col.name == "source" else None
                arrays.append(pa.array([fill] * n, type=kind) if fill is not None
                              else pa.nulls(n, type=kind))
                continue
            values = data.column(col.name)
            if values.type != kind:
                try:
                    values = pc.cast(values, kind, safe=True)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    problems.append(f"{origin}: column {col.name!r}: cannot read it as "
                                    f"{col.type}: {str(exc).splitlines()[0][:200]}")
                    values = pa.nulls(n, type=kind)
            if col.name == "source" and self.default_source is not None \
                    and values.null_count:
                values = pc.fill_null(values, self.default_source)
            arrays.append(values)
        typed = pa.Table.from_arrays(arrays, names=list(table.column_names))
        for col in table.columns:
            what = ("missing value for a primary key column" if col.name in
                    table.primary_key else None if col.nullable else "a value is required")
            if what is not None and typed.column(col.name).null_count:
                self._report_nulls(typed, col.name, what, origin, problems)
        if not keys_unique:
            typed = self._last_row_wins(typed)
        sources: set[Any] = set()
        if "source" in typed.column_names and typed.num_rows:
            sources = set(pc.unique(typed.column("source")).to_pylist())
        return CoercedPage(table, table.column_names, [], sources, arrow=typed)

    def _report_nulls(self, typed: Any, name: str, what: str, origin: str,
                      problems: list[str]) -> None:
        import pyarrow.compute as pc

        rows = pc.indices_nonzero(pc.is_null(typed.column(name))).to_pylist()
        for i in rows[:_MAX_LISTED]:
            problems.append(f"{origin} row {i + 1}: column {name!r}: {what} of "
                            f"{self.table.name!r}")
        if len(rows) > _MAX_LISTED:
            problems.append(f"{origin}: column {name!r}: {len(rows) - _MAX_LISTED:,} more "
                            "rows without a value")

    def _last_row_wins(self, typed: Any) -> Any:
        """Drop earlier rows whose key repeats later in the page (rare: counted first)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        key = list(self.table.primary_key)
        if not key or typed.num_rows < 2:
            return typed
        # A key column with one value throughout (source, mostly) tells no rows apart:
        # leaving it out halves the cost of the count on a page of a single source.
        varying = [k for k in key if not _constant(pc, typed.column(k))] or key[:1]
        if distinct_keys([typed.column(k) for k in varying]) == typed.num_rows:
            return typed
        numbered = typed.append_column("_kpi_row", pa.array(range(typed.num_rows),
                                                            type=pa.int64()))
        last = numbered.group_by(varying).aggregate([("_kpi_row", "max")])
        keep = pc.sort_indices(last.column("_kpi_row_max"))
        return typed.take(pc.take(last.column("_kpi_row_max"), keep))


def _constant(pc: Any, column: Any) -> bool:
    """Whether every value of ``column`` is the first one (no NULLs)."""
    if column.null_count or not len(column):
        return False
    return bool(pc.all(pc.equal(column, column[0])).as_py())
