"""The warehouse interface: run compiled SQL, create canonical tables, merge rows.

A warehouse never aggregates in Python: ``query`` runs SQL where the data is and returns
only the (small) result. Loading is transactional: ``merge`` replaces rows by primary key
inside one transaction together with the sync state, so a crash leaves either the old
page or the new page, never half of one. Engines with constraints keep the key as a
PRIMARY KEY and merge with an upsert on it, so two writers can never duplicate a key;
``sync_lock`` lets one sync per connector and warehouse run at a time.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..arrow_keys import repeated_key_row
from ..errors import WarehouseError
from ..schema import Column, Table

# Rows of an Arrow page made Python values at a time by the engines that take rows
# (upsert_arrow): bounds their memory whatever a connector's page size.
ROW_SLICE = 50_000

# Saved cursors, one row per connector, source (the account a connector instance reads,
# Connector.source_identity) and stream.
CURSOR_TABLE = "kpi_sync_cursors"
CURSORS = Table(CURSOR_TABLE, "one stream of one source of one connector",
                ("connector", "source", "stream"),
                (Column("connector", "string"), Column("source", "string"),
                 Column("stream", "string"), Column("cursor", "string")))
# Before: one row per connector and stream, whatever account it read. Only read now, to
# hand its cursors to the source they belonged to (sync/legacy_cursors.py).
STATE_TABLE = "kpi_sync_state"
SYNC_LOCK_WAIT = 3600.0  # seconds a sync waits for another sync of its connector
_LOCK_POLL = 0.25


@dataclass
class MergeCounts:
    """What one merge did: rows given, and (where the engine can tell) how many were new,
    changed, or identical to the stored row. None where the engine cannot tell (Spark)."""

    rows: int = 0
    inserted: int | None = 0
    updated: int | None = 0
    unchanged: int | None = 0

    def __iadd__(self, other: MergeCounts) -> MergeCounts:
        self.rows += other.rows
        for name in ("inserted", "updated", "unchanged"):
            mine, theirs = getattr(self, name), getattr(other, name)
            setattr(self, name, None if mine is None or theirs is None else mine + theirs)
        return self


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def check_keys(table: Table, columns: list[str], rows: Sequence[Sequence[Any]],
               key: list[str]) -> None:
    """Every row needs its whole key: key columns are NOT NULL (the sync engine reports
    such rows at their line before they get here)."""
    for k in key:
        i = columns.index(k)
        empty = sum(1 for row in rows if row[i] is None)
        if empty:
            raise WarehouseError(f"{table.name}: {empty:,} row(s) have no value in key column "
                                 f"{k!r}; every row needs its key "
                                 f"({', '.join(table.primary_key)})")


def repeated_key_error(table: Table, names: Sequence[str], value: Sequence[Any]
                       ) -> WarehouseError:
    shown = ", ".join(f"{k}={v!r:.60}" for k, v in zip(names, value, strict=True))
    return WarehouseError(f"{table.name}: the page repeats the key ({shown}); a page's "
                          "keys must be unique")


def redact_url(url: str) -> str:
    """The URL with every credential replaced, safe to print (see ``url.WarehouseURL``)."""
    from .url import redact_url as redact

    return redact(url)


class Warehouse(ABC):
    """One connection to one warehouse. Subclasses set ``dialect`` (a sqlglot dialect)."""

    dialect: str = "duckdb"
    scheme: str = ""

    def __init__(self, url: str, schema: str | None = None):
        self.url = url
        self.schema = schema

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {redact_url(self.url)}>"

    # -- reading ---------------------------------------------------------------
    @abstractmethod
    def query(self, sql: str) -> QueryResult:
        """Run one SELECT and return its rows."""

    @abstractmethod
    def table_exists(self, name: str) -> bool: ...

    def existing_tables(self, names: Sequence[str]) -> set[str]:
        """Which of ``names`` exist; engines answer with one catalog query."""
        return {n for n in names if self.table_exists(n)}

    # -- writing ---------------------------------------------------------------
    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all."""

    @abstractmethod
    def ensure_table(self, table: Table) -> None:
        """Create ``table`` with proper types if missing; add missing columns."""

    def merge(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              key: Sequence[str] | None = None) -> int:
        """Insert rows, replacing existing rows with the same key. Keys are unique within
        ``rows`` (the sync engine keeps the last row of a repeated key). Call inside
        ``transaction()``. Returns the number of rows written."""
        return self.upsert(table, columns, rows, key).rows

    def upsert(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               key: Sequence[str] | None = None) -> MergeCounts:
        """``merge``, returning how many rows were inserted, updated and unchanged.

        Engines implement this one; a warehouse plugin that implements only ``merge``
        still works, its counts unknown (None)."""
        if type(self).merge is Warehouse.merge:
            raise NotImplementedError(f"{type(self).__name__} implements neither upsert "
                                      "nor merge")
        return MergeCounts(self.merge(table, columns, rows, key), None, None, None)

    def upsert_arrow(self, table: Table, data: Any, key: Sequence[str] | None = None, *,
                     verify_keys: bool = False) -> MergeCounts:
        """``upsert`` of a page given as a ``pyarrow.Table`` (typed by the sync engine).

        Engines that can stage Arrow as it is (DuckDB) override this; the others get the
        rows as Python values, ``ROW_SLICE`` rows at a time, one column at a time, all
        in the caller's transaction. ``verify_keys``: the engine did not
        remove repeated keys (the connector vouched for them, ``Page.keys_unique``), so a
        repeated key is refused here rather than merged twice."""
        columns = list(data.column_names)
        if verify_keys:
            names = [k for k in (key or table.primary_key) if k in columns]
            row = repeated_key_row([data.column(k) for k in names]) if names else None
            if row is not None:
                raise repeated_key_error(table, names,
                                         [data.column(k)[row].as_py() for k in names])
        # A slice at a time: a whole page as Python values (a tuple and an object per
        # value) took several times its Arrow size.
        counts = MergeCounts()
        for start in range(0, data.num_rows, ROW_SLICE) or [0]:
            part = data.slice(start, ROW_SLICE)
            values = [part.column(c).to_pylist() for c in columns]
            counts += self.upsert(table, columns, list(zip(*values, strict=True)), key)
        return counts

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement with driver parameters (used for state and DDL)."""

    def delete_rows(self, table: str, column: str | None = None,
                    values: Sequence[Any] = ()) -> None:
        """Delete a table's rows whose ``column`` is one of ``values`` (all rows when
        ``column`` is None). Call inside ``transaction()``."""
        from sqlglot import exp

        target = self.qualify(table)
        if column is None:
            self.execute(f"DELETE FROM {target}")
            return
        col = exp.to_identifier(column, quoted=True).sql(self.dialect)
        marks = ", ".join([self.param] * len(values))
        self.execute(f"DELETE FROM {target} WHERE {col} IN ({marks})", tuple(values))

    def drop_table(self, name: str) -> None:
        """Drop a table if it exists (a table a failed atomic load created)."""
        self.execute(f"DROP TABLE IF EXISTS {self.qualify(name)}")

    def close(self) -> None:  # noqa: B027 - optional
        """Release the connection."""

    # -- read-only evaluation ------------------------------------------------------
    read_only_begin: str = ""  # opens a read-only transaction; "" when the engine has none

    @contextmanager
    def read_only(self) -> Iterator[None]:
        """Run the block in a read-only transaction, rolled back at the end.

        Evaluation only reads. Specs are checked against an allow list, and this is the
        second wall: should a statement ever try to write, the engine refuses it, and what
        an engine still lets through (PostgreSQL's lo_create) the rollback undoes. Engines
        without read-only transactions (Spark) run the block unchanged.
        """
        from ..errors import WarehouseError

        if not self.read_only_begin or getattr(self, "_depth", 0):
            yield  # no such transaction, or already inside one (cannot nest)
            return
        self.execute(self.read_only_begin)
        try:
            yield
        finally:
            try:
                self.execute("ROLLBACK")
            except WarehouseError:
                pass  # the connection is gone; the server rolls back by itself

    # -- one sync at a time ---------------------------------------------------------
    @contextmanager
    def sync_lock(self, connector: str, log: Callable[[str], None] | None = None,
                  wait: float = SYNC_LOCK_WAIT) -> Iterator[None]:
        """Hold the lock of ``connector`` on this warehouse (schema) while a sync runs.

        A second sync of the same connector into the same warehouse waits, saying so,
        and gives up with one clear line after ``wait`` seconds. The lock belongs to the
        connection (or an open file), so a killed sync releases it.
        """
        if not self.try_sync_lock(connector):
            where = self.lock_scope()
            if log is not None:
                log(f"another {connector!r} sync into {where} is running; waiting for it "
                    "to finish")
            deadline = time.monotonic() + wait
            while not self.try_sync_lock(connector):
                if time.monotonic() >= deadline:
                    raise WarehouseError(f"another {connector!r} sync into {where} is still "
                                         f"running after {wait:.0f}s; try again later")
                time.sleep(_LOCK_POLL)
        try:
            yield
        finally:
            self.release_sync_lock(connector)

    def try_sync_lock(self, connector: str) -> bool:
        """Take the lock without waiting; True when taken. Engines without locks (Spark)
        always succeed."""
        return True

    def release_sync_lock(self, connector: str) -> None:  # noqa: B027 - optional
        """Give the lock back."""

    def lock_scope(self) -> str:
        """Where the lock applies, for messages (no credentials)."""
        return self.schema or redact_url(self.url)

    # -- sync state --------------------------------------------------------------
    def _q(self, name: str) -> str:
        """A column name quoted for this dialect ("cursor" is reserved in MySQL)."""
        from sqlglot import exp

        return exp.to_identifier(name, quoted=True).sql(self.dialect)

    def get_state(self, connector: str, stream: str, source: str = "") -> str | None:
        """The cursor saved for one stream of one source of ``connector``."""
        return self.get_states(connector, source).get(stream)

    def get_states(self, connector: str, source: str = "") -> dict[str, str]:
        """Every stream cursor saved for ``source`` of ``connector``."""
        self._ensure_state_table()
        q = self._q
        result = self.query_params(
            f"SELECT {q('stream')}, {q('cursor')} FROM {self.qualify(CURSOR_TABLE)} "
            f"WHERE {q('connector')} = {self.param} AND {q('source')} = {self.param}",
            (connector, source))
        return {stream: cursor for stream, cursor in result.rows}

    def cursor_sources(self, connector: str) -> dict[str, dict[str, str]]:
        """source -> {stream: cursor} for every source of ``connector`` with a cursor."""
        self._ensure_state_table()
        q = self._q
        result = self.query_params(
            f"SELECT {q('source')}, {q('stream')}, {q('cursor')} FROM "
            f"{self.qualify(CURSOR_TABLE)} WHERE {q('connector')} = {self.param}",
            (connector,))
        out: dict[str, dict[str, str]] = {}
        for source, stream, cursor in result.rows:
            out.setdefault(source, {})[stream] = cursor
        return out

    def set_state(self, connector: str, stream: str, cursor: str | None,
                  source: str = "") -> None:
        """Save a stream's cursor; call inside the transaction that wrote its page."""
        self._ensure_state_table()
        q = self._q
        self.execute(f"DELETE FROM {self.qualify(CURSOR_TABLE)} WHERE {q('connector')} = "
                     f"{self.param} AND {q('source')} = {self.param} AND {q('stream')} = "
                     f"{self.param}", (connector, source, stream))
        if cursor is not None:
            cols = ", ".join(q(c) for c in CURSORS.column_names)
            self.execute(f"INSERT INTO {self.qualify(CURSOR_TABLE)} ({cols}) VALUES "
                         f"({self.param}, {self.param}, {self.param}, {self.param})",
                         (connector, source, stream, cursor))

    def clear_state(self, connector: str, source: str = "") -> None:
        """Forget the cursors of one source of ``connector`` (a full refresh of it)."""
        self._ensure_state_table()
        q = self._q
        self.execute(f"DELETE FROM {self.qualify(CURSOR_TABLE)} WHERE {q('connector')} = "
                     f"{self.param} AND {q('source')} = {self.param}", (connector, source))

    def legacy_states(self, connector: str) -> dict[str, str]:
        """Cursors an earlier version saved for ``connector`` in ``kpi_sync_state`` (one
        per stream, for whichever account it read); {} without that table."""
        if not self.table_exists(STATE_TABLE):
            return {}
        q = self._q
        result = self.query_params(
            f"SELECT {q('stream')}, {q('cursor')} FROM {self.qualify(STATE_TABLE)} "
            f"WHERE {q('connector')} = {self.param}", (connector,))
        return {stream: cursor for stream, cursor in result.rows if cursor is not None}

    def clear_legacy_states(self, connector: str) -> None:
        """Delete ``connector``'s rows of ``kpi_sync_state`` (once handed on)."""
        if self.table_exists(STATE_TABLE):
            self.execute(f"DELETE FROM {self.qualify(STATE_TABLE)} WHERE "
                         f"{self._q('connector')} = {self.param}", (connector,))

    param: str = "?"

    def query_params(self, sql: str, params: Sequence[Any]) -> QueryResult:
        raise NotImplementedError

    def _ensure_state_table(self) -> None:
        if not self.table_exists(CURSOR_TABLE):
            self.ensure_table(CURSORS)

    def qualify(self, name: str) -> str:
        """A table name with the configured schema, quoted for this dialect."""
        from sqlglot import exp

        table = exp.table_(name, db=self.schema, quoted=True)
        return table.sql(self.dialect)
