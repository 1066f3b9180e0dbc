"""Settings of the ``files`` connector."""

from __future__ import annotations

from pathlib import Path

from kpi_engine.connectors import ConnectorSettings


class FilesSettings(ConnectorSettings):
    """Where the files are and how they map onto canonical tables.

    - ``path``: a folder (its top-level .csv/.jsonl/.ndjson/.parquet files) or one file;
    - ``tables``: file name or glob (relative to the folder) -> canonical table, for files
      not named after their table (``orders.csv`` loads into ``orders`` without it);
    - ``mapping``: per table, file column -> canonical column; map a column to null to
      leave it out;
    - ``source``: the ``source`` value for rows that do not carry one.
    """

    path: Path
    tables: dict[str, str] = {}
    mapping: dict[str, dict[str, str | None]] = {}
    source: str = "files"
