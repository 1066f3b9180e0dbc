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
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import WarehouseError
from ..schema import Table
from .database_file import database_file
from .dbapi import DBAPIWarehouse, first_line
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

    def existing_columns(self, name: str) -> list[str]:
        return [r[1] for r in self.query(f"PRAGMA table_info({self.quote(name)})").rows]

    def create_index_sql(self, table: Table) -> list[str]:
        if not table.primary_key:
            return []
        cols = ", ".join(self.quote(k) for k in table.primary_key)
        index = self.quote(f"{table.name}_kpi_key")
        return [f"CREATE INDEX IF NOT EXISTS {index} ON {self.quote(table.name)} ({cols})"]

    def adapt_rows(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [tuple(_store(v) for v in row) for row in rows]

    def key_match(self, left: str, right: str, null_key: bool) -> str:
        return f"{left} IS {right}" if null_key else f"{left} = {right}"

    def merge_rows(self, table: Table, columns: list[str], rows: list[tuple[Any, ...]],
                   key: list[str], null_key: bool) -> None:
        target = self.quote(table.name)
        stage = self.quote(self.stage_name())
        cols = ", ".join(self.quote(c) for c in columns)
        self.execute(f"CREATE TEMPORARY TABLE {stage} AS SELECT {cols} FROM {target} "
                     "WHERE 0")
        marks = ", ".join("?" for _ in columns)
        self.executemany(f"INSERT INTO {stage} ({cols}) VALUES ({marks})", rows)
        on = " AND ".join(self.key_match(f"{target}.{self.quote(k)}",
                                         f"s.{self.quote(k)}", null_key) for k in key)
        self.execute(f"DELETE FROM {target} WHERE EXISTS "
                     f"(SELECT 1 FROM {stage} AS s WHERE {on})")
        self.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage}")
        self.execute(f"DROP TABLE {stage}")
