"""SQLite through the standard library: ``sqlite:///path/to/file.db`` or
``sqlite:///:memory:``.

SQLite has no timestamp or decimal types, so values are stored in forms its functions and
comparisons understand: timestamps as ISO text ``YYYY-MM-DD HH:MM:SS`` (UTC; the text
sorts and compares like the instant), dates as ``YYYY-MM-DD``, decimals in NUMERIC
columns (SQLite keeps them as 8-byte floats, so sums are exact to about 15 significant
digits), booleans as 0/1. The compiler's SQLite adapter emits SQL for exactly these forms.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import WarehouseError
from ..schema import Table
from .base import MergeCounts
from .database_file import database_file
from .dbapi import DBAPIWarehouse, first_line
from .file_lock import FileLocks
from .upsert_sql import MergePlan, on_conflict_sql
from .url import URLError, WarehouseURL

_TYPES = {"string": "TEXT", "integer": "INTEGER", "decimal": "NUMERIC",
          "float": "REAL", "boolean": "INTEGER", "timestamp": "TEXT", "date": "TEXT"}


def _store(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


class SQLiteWarehouse(DBAPIWarehouse):
    dialect = "sqlite"
    scheme = "sqlite"
    label = "SQLite"
    param = "?"
    types = _TYPES
    driver_errors = (sqlite3.Error,)
    read_only_begin = "BEGIN"

    @contextmanager
    def read_only(self) -> Iterator[None]:
        # SQLite has no read-only transaction; query_only refuses every write meanwhile.
        self.execute("PRAGMA query_only = ON")
        try:
            with super().read_only():
                yield
        finally:
            self.execute("PRAGMA query_only = OFF")

    def __init__(self, url: str, schema: str | None = None, *, create: bool = True):
        super().__init__(url, None)
        self.address = WarehouseURL.parse(url)
        if self.address.params:
            raise URLError("SQLite takes no URL parameters (it has no schemas): remove "
                           "'?...' from the URL")
        if schema:
            raise WarehouseError("SQLite has no schemas: remove 'schema' from kpi.yaml")
        self.path = database_file(self.address, "SQLite", create)
        try:
            # Autocommit; the base class issues BEGIN/COMMIT itself. A read command
            # opens the file read-only ("mode=ro"), so it can neither create nor write.
            if create or self.path == ":memory:":
                self.con = sqlite3.connect(self.path, isolation_level=None)
            else:
                uri = f"file:{quote(str(Path(self.path).resolve()))}?mode=ro"
                self.con = sqlite3.connect(uri, isolation_level=None, uri=True)
        except sqlite3.Error as exc:
            raise WarehouseError(f"cannot open SQLite database {self.path!r}: "
                                 f"{first_line(exc)}") from None

    def query_params(self, sql: str, params: Any) -> Any:
        from .base import QueryResult

        try:  # sqlite3 wants a sequence, never None, for "no parameters"
            cur = self.con.execute(sql, tuple(params or ()))
            rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
            return QueryResult([d[0] for d in cur.description or []], rows)
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def execute(self, sql: str, params: Any = ()) -> None:
        try:
            self.con.execute(sql, tuple(params or ()))
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def table_exists(self, name: str) -> bool:
        rows = self.query_params("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                 "name = ?", (name,)).rows
        return bool(rows)

    def existing_tables(self, names: Sequence[str]) -> set[str]:
        if not names:
            return set()
        marks = ", ".join("?" * len(names))
        return {r[0] for r in self.query_params(
            f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({marks})",
            tuple(names)).rows}

    def existing_columns(self, name: str) -> list[str]:
        return [r[1] for r in self.query(f"PRAGMA table_info({self.quote(name)})").rows]

    # -- primary keys: SQLite cannot add a constraint to a table, a unique index does --------
    def has_primary_key(self, name: str) -> bool:
        for row in self.query(f"PRAGMA index_list({self.quote(name)})").rows:
            # (seq, name, unique, origin 'c'/'u'/'pk', partial)
            if row[2] and (row[3] == "pk" or row[1] == f"{name}_kpi_pkey"):
                return True
        return False

    def add_key_sql(self, table: Table) -> list[str]:
        cols = ", ".join(self.quote(k) for k in table.primary_key)
        index = self.quote(f"{table.name}_kpi_pkey")
        return [f"CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {self.quote(table.name)} "
                f"({cols})"]

    # -- merge -------------------------------------------------------------------------
    def adapt_rows(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [tuple(_store(v) for v in row) for row in rows]

    null_safe_equal = "{a} IS {b}"

    def merge_rows(self, table: Table, plan: MergePlan, rows: list[tuple[Any, ...]]
                   ) -> MergeCounts:
        cols = plan.column_list()
        self.execute(f"CREATE TEMPORARY TABLE {plan.stage} AS SELECT {cols} FROM "
                     f"{plan.target} WHERE 0")
        marks = ", ".join("?" for _ in plan.columns)
        self.executemany(f"INSERT INTO {plan.stage} ({cols}) VALUES ({marks})", rows)
        counts = self.count_staged(plan)
        self.execute(on_conflict_sql(plan, excluded="excluded", where_true=True))
        self.execute(f"DROP TABLE {plan.stage}")
        return counts

    # -- one sync per connector: a lock file beside the database file ----------------------
    @cached_property
    def _locks(self) -> FileLocks:
        return FileLocks(self.path)

    def try_sync_lock(self, connector: str) -> bool:
        return self._locks.try_lock(connector)

    def release_sync_lock(self, connector: str) -> None:
        self._locks.release(connector)

    def lock_scope(self) -> str:
        return f"SQLite database {self.path!r}"

    def close(self) -> None:
        self._locks.release_all()
        super().close()
