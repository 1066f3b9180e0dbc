"""Embedded DuckDB: the default warehouse (``duckdb:///kpi.duckdb``, ``duckdb:///:memory:``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import WarehouseError
from ..schema import Table
from .base import QueryResult, Warehouse, file_path_from_url
from .ddl import create_table_sql, logical_to_sql

_DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "decimal": "DECIMAL(18, 4)",
                 "float": "DOUBLE", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP",
                 "date": "DATE"}


class DuckDBWarehouse(Warehouse):
    dialect = "duckdb"
    scheme = "duckdb"
    param = "?"
    read_only_begin = "BEGIN TRANSACTION READ ONLY"

    @contextmanager
    def read_only(self) -> Iterator[None]:
        # Nor may a table name resolve to a variable of this Python process.
        self.execute("SET python_enable_replacements = false")
        with super().read_only():
            yield

    def __init__(self, url: str, schema: str | None = None):
        super().__init__(url, schema)
        import duckdb

        self.path = file_path_from_url(url)
        try:
            self.con = duckdb.connect(self.path)
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open DuckDB database {self.path!r}: {exc}") from None
        self.con.execute("SET TimeZone = 'UTC'")
        if schema:
            self.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')

    def query(self, sql: str) -> QueryResult:
        return self.query_params(sql, ())

    def query_params(self, sql: str, params: Sequence[Any]) -> QueryResult:
        import duckdb

        try:
            cur = self.con.execute(sql, list(params))
            rows = cur.fetchall()
            columns = [d[0] for d in cur.description or []]
        except duckdb.Error as exc:
            raise WarehouseError(f"DuckDB: {str(exc).splitlines()[0]}") from None
        return QueryResult(columns, rows)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        import duckdb

        try:
            self.con.execute(sql, list(params))
        except duckdb.Error as exc:
            raise WarehouseError(f"DuckDB: {str(exc).splitlines()[0]}") from None

    def table_exists(self, name: str) -> bool:
        rows = self.con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = ? "
            "AND table_schema = COALESCE(?, current_schema())", [name, self.schema]).fetchall()
        return bool(rows)

    def existing_tables(self, names: Sequence[str]) -> set[str]:
        if not names:
            return set()
        marks = ", ".join("?" * len(names))
        rows = self.con.execute(
            f"SELECT table_name FROM information_schema.tables WHERE table_name IN ({marks}) "
            "AND table_schema = COALESCE(?, current_schema())", [*names, self.schema]).fetchall()
        return {r[0] for r in rows}

    def existing_columns(self, name: str) -> list[str]:
        rows = self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = COALESCE(?, current_schema()) ORDER BY ordinal_position",
            [name, self.schema]).fetchall()
        return [r[0] for r in rows]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def ensure_table(self, table: Table) -> None:
        if not self.table_exists(table.name):
            self.execute(create_table_sql(table, self.qualify(table.name), _DUCKDB_TYPES, '"'))
            return
        have = set(self.existing_columns(table.name))
        for col in table.columns:
            if col.name not in have:
                self.execute(f'ALTER TABLE {self.qualify(table.name)} ADD COLUMN "{col.name}" '
                             f"{logical_to_sql(col.type, _DUCKDB_TYPES)}")

    def merge(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              key: Sequence[str] | None = None) -> int:
        import pyarrow as pa

        if not rows:
            return 0
        key = list(key or table.primary_key)
        arrays = list(zip(*rows, strict=True))
        arrow = pa.table({c: pa.array(list(v)) for c, v in zip(columns, arrays, strict=True)})
        self.con.register("_kpi_stage", arrow)
        try:
            target = self.qualify(table.name)
            keys = ", ".join(f'"{k}"' for k in key)
            on = " AND ".join(f't."{k}" IS NOT DISTINCT FROM s."{k}"' for k in key)
            self.execute(f"DELETE FROM {target} AS t WHERE EXISTS "
                         f"(SELECT 1 FROM (SELECT DISTINCT {keys} FROM _kpi_stage) AS s "
                         f"WHERE {on})")
            cols = ", ".join(f'"{c}"' for c in columns)
            self.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM _kpi_stage")
        finally:
            self.con.unregister("_kpi_stage")
        return len(rows)

    def close(self) -> None:
        self.con.close()
