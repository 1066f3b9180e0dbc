"""Find the GA4 export files in a folder and decide which days a sync reads.

The export writes one table per day, ``events_YYYYMMDD``, and during the day an
``events_intraday_YYYYMMDD`` that the daily table replaces once it is written. Exported to
files, a table becomes one file or several shards named after it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from kpi_engine.errors import SyncError

_NAME = re.compile(
    r"^events_(?P<intraday>intraday_)?(?P<day>\d{8})(?:[-_.][\w.-]*?)?"
    r"\.(?P<ext>jsonl|ndjson|json|parquet)(?P<gz>\.gz)?$")


@dataclass
class ExportDay:
    """The files that hold one day of events (the daily table's, else the intraday's)."""

    day: date
    format: str  # "json" or "parquet"
    files: list[Path] = field(default_factory=list)
    intraday: bool = False


def find_days(folder: Path) -> dict[date, ExportDay]:
    """Every exported day in ``folder`` (searched recursively), daily files preferred."""
    if not folder.exists():
        raise SyncError(f"ga4: setting 'path': {folder} does not exist")
    candidates = [folder] if folder.is_file() else sorted(
        p for p in folder.rglob("events_*") if p.is_file())
    daily: dict[date, ExportDay] = {}
    intraday: dict[date, ExportDay] = {}
    for path in candidates:
        match = _NAME.match(path.name)
        if match is None:
            continue
        try:
            day = date(int(match["day"][:4]), int(match["day"][4:6]), int(match["day"][6:]))
        except ValueError:
            raise SyncError(f"{path}: 'events_{match['day']}' is not a valid day") from None
        fmt = "parquet" if match["ext"] == "parquet" else "json"
        into = intraday if match["intraday"] else daily
        entry = into.setdefault(day, ExportDay(day, fmt, intraday=bool(match["intraday"])))
        if entry.format != fmt:
            raise SyncError(f"{path}: day {day} is exported both as JSON and as Parquet; "
                            "keep one format per day")
        entry.files.append(path)
    if not daily and not intraday and folder.is_file():
        raise SyncError(f"{folder}: not a GA4 export file (expected events_YYYYMMDD.jsonl "
                        "or .parquet)")
    days = dict(intraday)
    days.update(daily)  # the daily table replaces the intraday one of its day
    return dict(sorted(days.items()))


def days_to_read(days: dict[date, ExportDay], through: date | None,
                 lookback_days: int) -> list[date]:
    """The days a sync rebuilds: all on the first run, else those from ``lookback_days``
    before the last loaded daily day on (rewritten by late events, or new)."""
    if through is None:
        return list(days)
    start = through - timedelta(days=lookback_days)
    return [d for d in days if d >= start]


def fingerprint(days: dict[date, ExportDay], chosen: list[date]) -> str:
    """A short hash of the chosen days' files (name, size, modification time): unchanged
    files mean nothing to rebuild."""
    digest = hashlib.sha256()
    for day in chosen:
        for path in days[day].files:
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


_CURSOR = re.compile(r"^through (\d{4}-\d{2}-\d{2}); files ([0-9a-f]{16})$")


def make_cursor(through: date, files: str) -> str:
    # Not starting with a date on purpose: the engine caps date-like cursors at today.
    return f"through {through.isoformat()}; files {files}"


def read_cursor(cursor: str | None) -> tuple[date | None, str | None]:
    if not cursor:
        return None, None
    match = _CURSOR.match(cursor)
    if match is None:
        raise SyncError(f"ga4: saved cursor {cursor[:60]!r} is not one this connector "
                        "writes; run with --full-refresh")
    return date.fromisoformat(match[1]), match[2]
