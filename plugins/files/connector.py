"""The ``files`` connector: load a folder of CSV, JSON Lines and Parquet files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kpi_engine.connectors import Connector, Page, SyncContext
from kpi_engine.schema import TABLES

from .discover import FileToLoad, check_mapping, files_to_load
from .readers import READERS, parquet_batches, parquet_rows
from .settings import FilesSettings


class FilesConnector(Connector):
    name = "files"
    description = "CSV (UTF-8), JSON Lines and Parquet files named after canonical tables"
    settings_model = FilesSettings
    tables = ()  # whichever tables the files name
    # A folder of files is one consistent snapshot: load all of it or none of it.
    atomic = True
    settings: FilesSettings

    def read(self, context: SyncContext) -> Iterator[Page]:
        check_mapping(self.settings.mapping)
        planned, notes = files_to_load(self.settings)
        for note in notes:
            context.progress(note)
        source = self.settings.source
        for item in planned:
            rename = self.settings.mapping.get(item.table, {})
            fill_source = "source" in TABLES[item.table].primary_key
            # Each file is the full content of its rows: a full refresh replaces what this
            # source loaded before, also when the file has no rows (only a header, or
            # empty): then the table's rows of this source are deleted.
            replaces = (source,) if fill_source else ()
            empty = True
            for rows, origins, arrow in self._chunks(item, rename, fill_source):
                if arrow is not None:
                    empty = empty and not arrow.num_rows
                    yield Page(item.table, [], replace_all=True, replace_sources=replaces,
                               arrow=arrow)
                    del arrow
                    continue
                empty = empty and not rows
                if fill_source:
                    for row in rows:
                        if not row.get("source"):
                            row["source"] = source
                yield Page(item.table, rows, origins=origins, replace_all=True,
                           replace_sources=replaces)
                # Let the engine's page go before the reader builds the next one: one
                # page in memory at a time, whatever the file's size.
                del rows, origins
            if empty:
                context.progress(f"{item.label}: no rows" + (
                    " (a full refresh empties its table for this source)"
                    if context.full_refresh else ""))
                yield Page(item.table, [], origins=[], replace_all=True,
                           replace_sources=replaces)

    def _chunks(self, item: FileToLoad, rename: dict[str, str | None],
                fill_source: bool) -> Iterator[tuple[list[dict[str, Any]], list[str] | None,
                                                     Any]]:
        """(rows, origins, None) per page, or ([], None, typed Arrow table) for a Parquet
        batch the engine can take in columns (arrow_batches.py: same outcome)."""
        if item.format != "parquet":
            for rows, origins in READERS[item.format](item.path, item.label, rename):
                yield rows, origins, None
            return
        from .arrow_batches import typed_page

        table = TABLES[item.table]
        source = self.settings.source if fill_source else None
        for batch, done in parquet_batches(item.path, item.label, rename):
            typed = typed_page(batch, table, source) if batch.num_rows else None
            chunk = ([], None, typed) if typed is not None \
                else (*parquet_rows(batch, item.label, done), None)
            del batch, typed  # only the page itself stays while the engine has it
            yield chunk
            del chunk
