"""The ``ga4`` connector: GA4 BigQuery export files (JSON Lines, Parquet) -> sessions.

Sessions are built set-based by one DuckDB query per batch of days; Python only hands the
resulting session rows to the engine, a page at a time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from kpi_engine.connectors import Connector, Page, SyncContext
from kpi_engine.embedded_threads import threads_within
from kpi_engine.errors import SyncError

from .bad_line import first_bad_line, named_file
from .countries import country_codes
from .export_files import (
    ExportDay,
    days_to_read,
    find_days,
    fingerprint,
    make_cursor,
    read_cursor,
)
from .export_schema import json_columns, json_select, needed_paths, parquet_paths, parquet_select
from .settings import Ga4Settings

STREAM = "events"
PAGE_ROWS = 50_000


class Ga4Connector(Connector):
    name = "ga4"
    description = "Google Analytics 4 BigQuery export files (events_YYYYMMDD) into sessions"
    settings_model = Ga4Settings
    tables = ("sessions",)
    # The export folder is one snapshot: its sessions and the cursor commit together.
    atomic = True
    settings: Ga4Settings

    def read(self, context: SyncContext) -> Iterator[Page]:
        days = find_days(self.settings.path)
        through, seen = read_cursor(context.cursors.get(STREAM))
        chosen = days_to_read(days, through, self.settings.lookback_days)
        if not chosen:
            context.progress("ga4: no export days found")
            return
        files = fingerprint(days, chosen)
        if files == seen:
            context.progress(f"ga4: export unchanged since the last sync (days from "
                             f"{chosen[0]} on); nothing to rebuild")
            return
        cursor = make_cursor(max(days), files)
        batches = _batches(chosen, self.settings.days_per_batch)
        with tempfile.TemporaryDirectory(prefix="kpi-ga4-") as spill:
            con = _connect(self.settings.memory_limit, spill)
            try:
                for number, batch in enumerate(batches, 1):
                    context.progress(f"ga4: sessionising {batch[0]}..{batch[-1]}")
                    last = number == len(batches)
                    yield from self._batch_pages(con, days, batch, cursor if last else None)
            finally:
                con.close()

    def _batch_pages(self, con: Any, days: dict[date, ExportDay], batch: list[date],
                     cursor: str | None) -> Iterator[Page]:
        context_day = batch[0] - timedelta(days=1)
        read = [days[d] for d in ([context_day] if context_day in days else []) + batch]
        events_sql, params = _events_relation(read)
        params.append(batch[0].strftime("%Y%m%d"))
        import pyarrow as pa

        from .sessions_sql import sessions_query  # imports sqlglot: only when GA4 syncs

        try:
            # Handed over in columns (Arrow), a batch at a time: no Python object per value.
            relation = con.sql(sessions_query(events_sql), params=params)
            reader = (getattr(relation, "to_arrow_reader", None)
                      or relation.fetch_arrow_reader)(PAGE_ROWS)
            for rows in reader:
                if rows.num_rows:
                    yield Page("sessions", [], stream=STREAM,
                               arrow=pa.Table.from_batches([rows]))
        except (_duckdb_error(), pa.ArrowException) as exc:
            raise SyncError(_read_error(exc, batch, read)) from None
        # The cursor goes with the last page; an empty one if the days had no sessions.
        if cursor is not None:
            yield Page("sessions", [], stream=STREAM, cursor=cursor)


def _read_error(exc: Exception, batch: list[date], read: list[ExportDay]) -> str:
    """One line for a failed read: the file and line of a malformed JSON line when the
    file DuckDB names has one (DuckDB's own line number can be off), else its message."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = f"ga4: cannot read the export of {batch[0]}..{batch[-1]}"
    json_files = [f for d in read if d.format == "json" for f in d.files]
    path = named_file(first, json_files)
    bad = first_bad_line(path) if path is not None else None
    if bad is not None:
        return f"{where}: {path}, line {bad[0]}, {bad[1]}"
    return (f"{where} ({', '.join(str(f) for d in read for f in d.files[:1])}, ...): "
            f"{first}")


def _batches(chosen: list[date], size: int) -> list[list[date]]:
    return [chosen[i:i + size] for i in range(0, len(chosen), size)]


def _events_relation(read: list[ExportDay]) -> tuple[str, list[Any]]:
    """UNION ALL of one read per format and Parquet schema, with its parameters."""
    selects: list[str] = []
    params: list[Any] = []
    json_files = [str(f) for d in read if d.format == "json" for f in d.files]
    if json_files:
        selects.append(json_select())
        params += [json_files, json_columns()]
    by_schema: dict[frozenset, list[str]] = {}
    for day in read:
        if day.format == "parquet":
            for path in day.files:
                by_schema.setdefault(needed_paths(parquet_paths(path)), []).append(str(path))
    for present, files in by_schema.items():
        selects.append(parquet_select(set(present)))
        params.append(files)
    return " UNION ALL ".join(selects), params


def _duckdb_error() -> type[Exception]:
    import duckdb

    return duckdb.Error


def _connect(memory_limit: str, spill: str) -> Any:
    import duckdb
    import pyarrow as pa

    con = duckdb.connect()
    con.execute("SET memory_limit = ?", [memory_limit])
    con.execute("SET threads = ?", [threads_within(memory_limit)])
    con.execute("SET temp_directory = ?", [spill])
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    names = country_codes()
    table = pa.table({"name": list(names), "code": list(names.values())})
    con.register("ga4_countries_arrow", table)
    con.execute("CREATE TEMP TABLE ga4_countries AS SELECT * FROM ga4_countries_arrow")
    con.unregister("ga4_countries_arrow")
    from .sessions_sql import MACROS  # imports sqlglot: only when GA4 syncs

    con.execute(MACROS)
    return con
