"""Find the line of a JSON Lines export file that is not a JSON object, for the error.

DuckDB's reader names the file of a parse error, but its line number can be wrong (2.0
reports the line after the bad one), so when a read fails the connector reads the named
file again here, line by line: only after an error, never during a good sync.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import orjson

_FILE = re.compile(r'in file "(?P<path>[^"]+)"')


def named_file(message: str, candidates: list[Path]) -> Path | None:
    """The export file DuckDB's error ``message`` names, if it is one of ``candidates``."""
    match = _FILE.search(message)
    if match is None:
        return None
    by_name = {str(p): p for p in candidates}
    return by_name.get(match["path"])


def first_bad_line(path: Path) -> tuple[int, str] | None:
    """(line number, reason) of the first non-empty line that is not a JSON object."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                return number, f"column {exc.colno}: malformed JSON ({exc.msg})"
            if not isinstance(value, dict):
                return number, "not a JSON object"
    return None
