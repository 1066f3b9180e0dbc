"""Read CSV, JSON Lines and Parquet files as chunks of (row dicts, origins).

Each reader renames columns as it goes (``rename``: file column -> canonical column, None
drops it) and tags every row with where it came from: ``file:line`` for text formats,
``file:row N`` for Parquet.

CSV is read strictly: a quote left open would otherwise swallow every following line into
one value and the sync would load fewer rows without a word. Long JSON numbers stay text
(a ``Decimal``) so the engine's coercion bounds them instead of ``int()`` running for
minutes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpi_engine.errors import SyncError

PAGE_ROWS = 50_000

Chunk = tuple[list[dict[str, Any]], list[str]]
Reader = Callable[[Path, str, dict[str, str | None]], Iterator[Chunk]]


def read_csv(path: Path, label: str, rename: dict[str, str | None]) -> Iterator[Chunk]:
    # utf-8-sig reads plain UTF-8 too and drops the BOM spreadsheet programs write.
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from _csv_chunks(csv.reader(fh, strict=True), label, rename)
    except UnicodeDecodeError as exc:
        raise SyncError(f"{label}: not UTF-8 text (byte {exc.start}); save it as UTF-8") \
            from None


def _csv_chunks(reader: Any, label: str, rename: dict[str, str | None]) -> Iterator[Chunk]:
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise SyncError(f"{label}:1: {exc}") from None
    names = [rename.get(h.strip(), h.strip()) for h in header]
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise SyncError(f"{label}:1: column {name!r} appears twice")
        seen.add(name or "")
    keep = [(i, n) for i, n in enumerate(names) if n]  # unnamed or dropped columns go
    plain = len(keep) == len(names)
    width = len(names)

    rows: list[dict[str, Any]] = []
    origins: list[str] = []
    line = reader.line_num + 1  # where the next record starts (quoted fields span lines)
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record:
                continue  # blank line
            if len(record) != width:
                raise SyncError(f"{label}:{start}: {len(record)} values but the header has "
                                f"{width} columns")
            rows.append(dict(zip(names, record, strict=True)) if plain
                        else {n: record[i] for i, n in keep})
            origins.append(f"{label}:{start}")
            if len(rows) >= PAGE_ROWS:
                yield rows, origins
                rows, origins = [], []
    except csv.Error as exc:
        raise SyncError(_csv_problem(label, line, reader.line_num, exc)) from None
    if rows:
        yield rows, origins


def _csv_problem(label: str, start: int, line: int, exc: csv.Error) -> str:
    """One line for a broken record, at the line where the record began."""
    if "unexpected end of data" in str(exc):
        return (f"{label}:{start}: a quoted value opened in this record is never closed "
                f"(the file ends inside it, at line {line})")
    if start < line:
        return (f"{label}:{start}: {exc} (in a quoted value spanning lines {start}-{line}: "
                "is a quote left open?)")
    return f"{label}:{start}: {exc}"


_LONG_INTEGER = 100  # digits; a longer JSON integer is handed over as a Decimal


def _json_int(text: str) -> int | Decimal:
    # int() of a few thousand digits is quadratic (and refused past 4,300 digits);
    # Decimal reads any length in linear time and coercion reports it as out of range.
    return int(text) if len(text) <= _LONG_INTEGER else Decimal(text)


def read_jsonl(path: Path, label: str, rename: dict[str, str | None]) -> Iterator[Chunk]:
    rows: list[dict[str, Any]] = []
    origins: list[str] = []
    try:
        with path.open(encoding="utf-8-sig") as fh:
            for lineno, text in enumerate(fh, 1):
                if not text.strip():
                    continue
                try:
                    # Decimal, not float, so money such as 19.99 stays exact.
                    obj = json.loads(text, parse_float=Decimal, parse_int=_json_int)
                except json.JSONDecodeError as exc:
                    raise SyncError(f"{label}:{lineno}: not valid JSON: {exc.msg} "
                                    f"(column {exc.colno})") from None
                except RecursionError:
                    raise SyncError(f"{label}:{lineno}: JSON nested too deeply") from None
                if not isinstance(obj, dict):
                    raise SyncError(f"{label}:{lineno}: expected a JSON object, got "
                                    f"{type(obj).__name__}")
                if rename:
                    obj = {rename.get(k, k): v for k, v in obj.items()}
                    obj.pop(None, None)  # type: ignore[call-overload]
                rows.append(obj)
                origins.append(f"{label}:{lineno}")
                if len(rows) >= PAGE_ROWS:
                    yield rows, origins
                    rows, origins = [], []
    except UnicodeDecodeError as exc:
        raise SyncError(f"{label}: not UTF-8 text (byte {exc.start}); save it as UTF-8") \
            from None
    if rows:
        yield rows, origins


def read_parquet(path: Path, label: str, rename: dict[str, str | None]) -> Iterator[Chunk]:
    for batch, done in parquet_batches(path, label, rename):
        yield parquet_rows(batch, label, done)


def parquet_batches(path: Path, label: str,
                    rename: dict[str, str | None]) -> Iterator[tuple[Any, int]]:
    """The file's record batches of at most PAGE_ROWS rows, columns renamed, each with
    the number of rows before it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise SyncError(f"{label}: cannot read Parquet: {exc}") from None
    names = [rename.get(n, n) for n in parquet.schema_arrow.names]
    keep = [i for i, n in enumerate(names) if n is not None]
    done = 0
    with parquet:
        for batch in parquet.iter_batches(batch_size=PAGE_ROWS):
            batch = pa.RecordBatch.from_arrays(
                [_to_python_friendly(batch.column(i)) for i in keep],
                names=[names[i] for i in keep])
            yield batch, done
            done += batch.num_rows


def parquet_rows(batch: Any, label: str, done: int) -> Chunk:
    """A renamed batch as row dicts, each tagged 'FILE:row N' (N counted from 1)."""
    rows = batch.to_pylist()
    return rows, [f"{label}:row {done + i}" for i in range(1, len(rows) + 1)]


def _to_python_friendly(array: Any) -> Any:
    """Nanosecond timestamps become microseconds: Python datetimes hold no finer unit."""
    import pyarrow as pa

    t = array.type
    if pa.types.is_timestamp(t) and t.unit == "ns":
        return array.cast(pa.timestamp("us", t.tz), safe=False)
    return array


READERS: dict[str, Reader] = {"csv": read_csv, "jsonl": read_jsonl, "parquet": read_parquet}
