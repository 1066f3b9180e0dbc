"""Which files to load, into which canonical table, in which format."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from kpi_engine.errors import SyncError, did_you_mean
from kpi_engine.schema import TABLES

from .settings import FilesSettings

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


@dataclass(frozen=True)
class FileToLoad:
    path: Path
    label: str  # how errors name the file: the path as the user wrote it, plus the name
    table: str
    format: str


def files_to_load(settings: FilesSettings) -> tuple[list[FileToLoad], list[str]]:
    """The files under ``settings.path`` in name order, and notes for patterns in
    ``tables`` that matched nothing. Raises SyncError naming every file that cannot be
    placed."""
    root = settings.path
    _check_tables_setting(settings.tables)
    if root.is_file():
        candidates = [(root, root.name)]
    elif root.is_dir():
        candidates = _folder_candidates(root, settings.tables)
    else:
        raise SyncError(f"files: path '{root}' does not exist")
    if not candidates:
        raise SyncError(f"files: no .csv, .jsonl or .parquet files in '{root}'")

    planned: list[FileToLoad] = []
    problems: list[str] = []
    for path, rel in candidates:
        label = str(path)
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            problems.append(f"{label}: unsupported file type (use .csv, .jsonl or .parquet)")
            continue
        table = _table_for(rel, path, settings.tables)
        if table not in TABLES:
            hint = did_you_mean(table, set(TABLES))
            problems.append(f"{label}: maps to no known table{hint}; name the file after a "
                            "table or map it with the 'tables' setting")
            continue
        planned.append(FileToLoad(path, label, table, fmt))
    if problems:
        raise SyncError("\n".join(problems))
    notes = [f"files: 'tables' pattern {pattern!r} matches no file in '{root}'"
             for pattern in settings.tables
             if root.is_dir() and not any(_matches(rel, pattern) for _, rel in candidates)]
    return planned, notes


def _folder_candidates(root: Path, tables: dict[str, str]) -> list[tuple[Path, str]]:
    found: dict[str, Path] = {}
    for path in root.iterdir():
        if path.is_file() and not path.name.startswith(".") \
                and path.suffix.lower() in FORMATS:
            found[path.name] = path
    # Patterns may reach into sub-folders ("2024/*.csv") or name other extensions.
    for pattern in tables:
        for path in root.glob(pattern):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = path
    return [(found[rel], rel) for rel in sorted(found)]


def _matches(rel: str, pattern: str) -> bool:
    return rel == pattern or fnmatch.fnmatchcase(rel, pattern)


def _table_for(rel: str, path: Path, tables: dict[str, str]) -> str:
    for pattern, table in tables.items():
        if _matches(rel, pattern) or _matches(path.name, pattern):
            return table
    return path.name[: -len(path.suffix)].lower() if path.suffix else path.name.lower()


def _check_tables_setting(tables: dict[str, str]) -> None:
    bad = [f"files: setting 'tables': {pattern!r} maps to unknown table {table!r}"
           f"{did_you_mean(table, set(TABLES))}"
           for pattern, table in tables.items() if table not in TABLES]
    if bad:
        raise SyncError("\n".join(bad))


def check_mapping(mapping: dict[str, dict[str, str | None]]) -> None:
    """Every mapped table and target column must exist, so a typo is not silently a
    NULL column."""
    bad = []
    for table, renames in mapping.items():
        spec = TABLES.get(table)
        if spec is None:
            bad.append(f"files: setting 'mapping': unknown table {table!r}"
                       f"{did_you_mean(table, set(TABLES))}")
            continue
        for source_col, target in renames.items():
            if target is not None and spec.column(target) is None:
                bad.append(f"files: setting 'mapping.{table}': {source_col!r} maps to "
                           f"{target!r}, which is not a column of {table!r}"
                           f"{did_you_mean(target, set(spec.column_names))}")
    if bad:
        raise SyncError("\n".join(bad))
