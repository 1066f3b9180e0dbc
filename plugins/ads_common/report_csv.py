"""Reading a report CSV exported from an ad platform's web UI.

The exports start with title lines (report name, date range) before the header, end with
"Total" lines, write numbers with thousands separators ("1,234.56") and "--" for none,
and come as UTF-8 (often with a byte-order mark) or, for "Excel" exports, as UTF-16 with
tabs. The header is found by the columns a connector needs.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kpi_engine.errors import SyncError

MAX_BYTES = 200_000_000  # a UI export larger than this is not a UI export
_NUMBER = re.compile(r"^-?[\d,]*\.?\d*$")


def report_files(path: Path) -> list[Path]:
    if not path.exists():
        raise SyncError(f"report CSV {path} does not exist")
    files = [path] if path.is_file() else sorted(
        p for p in path.iterdir() if p.suffix.lower() in (".csv", ".tsv"))
    if not files:
        raise SyncError(f"no .csv files in {path}")
    return files


def _text(path: Path) -> str:
    if path.stat().st_size > MAX_BYTES:
        raise SyncError(f"{path}: larger than {MAX_BYTES // 1_000_000} MB")
    raw = path.read_bytes()
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SyncError(f"{path}: not UTF-8 or UTF-16 text ({exc.reason} at byte "
                        f"{exc.start})") from None


def read_rows(path: Path, find: dict[str, tuple[str, ...]], required: tuple[str, ...]
              ) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {field: cell}) for each data row of ``path``.

    ``find`` maps each field to the header names it may have (case-insensitive; a name
    ending in "*" matches as a prefix, as in "Amount spent (EUR)"); the header is the first
    line holding every ``required`` field. Total lines and blank lines are skipped.
    """
    text = _text(path)
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns: dict[str, int] | None = None
    for line, cells in enumerate(reader, 1):
        if columns is None:
            columns = _header(cells, find)
            if columns is not None and not all(f in columns for f in required):
                columns = None
            continue
        if not any(c.strip() for c in cells) or cells[0].strip().lower().startswith("total"):
            continue
        yield line, {f: cells[i].strip() if i < len(cells) else "" for f, i in columns.items()}
    if columns is None:
        names = ", ".join(repr(find[f][0]) for f in required)
        raise SyncError(f"{path}: no header line with the columns {names}")


def _header(cells: list[str], find: dict[str, tuple[str, ...]]) -> dict[str, int] | None:
    lowered = [c.strip().lower() for c in cells]
    found: dict[str, int] = {}
    for field, names in find.items():
        for name in names:
            name = name.lower()
            hits = [i for i, c in enumerate(lowered)
                    if (c.startswith(name[:-1]) if name.endswith("*") else c == name)]
            if hits:
                found[field] = hits[0]
                break
    return found or None


def number(value: str, where: str, column: str) -> Decimal | None:
    """'1,234.56' -> Decimal; '', '--' and ' --' -> None; anything else an error."""
    text = value.strip().replace("\u00a0", "").replace(" ", "")
    if text in ("", "--", "-"):
        return None
    if len(text) > 40 or not _NUMBER.match(text):
        raise SyncError(f"{where}: column {column!r}: cannot read {value[:40]!r} as a number")
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise SyncError(f"{where}: column {column!r}: cannot read {value[:40]!r} as a "
                        "number") from None


def integer(value: str, where: str, column: str) -> int | None:
    parsed = number(value, where, column)
    if parsed is None:
        return None
    if parsed != parsed.to_integral_value():
        raise SyncError(f"{where}: column {column!r}: {value!r} is not a whole number")
    return int(parsed)


_DATE_FORMATS = ("%Y-%m-%d", "%b %d, %Y", "%B %d, %Y", "%d/%m/%Y", "%Y/%m/%d")


def day(value: str, where: str, column: str) -> date:
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise SyncError(f"{where}: column {column!r}: cannot read {value[:40]!r} as a day "
                    "(2024-03-01 or Mar 1, 2024)")
