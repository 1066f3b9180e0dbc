"""Settings of the ``ga4`` connector (GA4 BigQuery export files)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from kpi_engine.connectors import ConnectorSettings


class Ga4Settings(ConnectorSettings):
    """Where the export files are and how far back each sync re-reads them.

    - ``path``: the folder holding ``events_YYYYMMDD`` and ``events_intraday_YYYYMMDD``
      files (``.jsonl``/``.json``/``.ndjson``, optionally ``.gz``, or ``.parquet``; a day
      may be split in shards such as ``events_20240301-000000000001.parquet``);
    - ``lookback_days``: days before the last loaded day that every sync reads again,
      because the export rewrites them when late events arrive (GA4: up to 3 days);
    - ``days_per_batch``: days sessionised together in one DuckDB query (memory bound);
    - ``memory_limit``: DuckDB's memory limit while sessionising (it spills beyond it).
    """

    path: Path = Field(description="Folder of events_YYYYMMDD export files, or one file.")
    lookback_days: int = Field(3, ge=0, le=60, description="Days before the last loaded "
                               "day that every sync reads again (late events).")
    days_per_batch: int = Field(7, ge=1, le=366,
                                description="Days sessionised by one DuckDB query.")
    memory_limit: str = Field("512MB", pattern=r"^\d{1,6}(\.\d+)?\s?(KB|MB|GB|KiB|MiB|GiB)$")
