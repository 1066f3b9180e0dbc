"""Embedded DuckDB: the default warehouse (``duckdb:///kpi.duckdb``, ``duckdb:///:memory:``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import WarehouseError
from ..schema import Table
from .base import QueryResult, Warehouse
from .database_file import database_file
from .ddl import create_table_sql, logical_to_sql
from .identifiers import quote_identifier
from .url import URLError, WarehouseURL

_DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "decimal": "DECIMAL(18, 4)",
                 "float": "DOUBLE", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP",
                 "date": "DATE"}


class DuckDBWarehouse(Warehouse):
    dialect = "duckdb"
    scheme = "duckdb"
    param = "?"

    def __init__(self, url: str, schema: str | None = None, *, create: bool = True):
        super().__init__(url, schema)
        import duckdb

        self.address = WarehouseURL.parse(url)
        unknown = sorted(set(self.address.param_names()) - {"schema"})
        if unknown:
            raise URLError(f"unknown DuckDB URL parameter(s) {', '.join(unknown)} "
                           "(known: schema)")
        self.schema = self.address.schema(schema)
        self.path = database_file(self.address, "DuckDB", create)
        try:
            self.con = self._open(duckdb, read_only=not create and self.path != ":memory:")
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open DuckDB database {self.path!r}: "
                                 f"{str(exc).splitlines()[0]}") from None
        self.con.execute("SET TimeZone = 'UTC'")
        if self.schema:
            self._use_schema(create)

    def _open(self, duckdb, read_only: bool):
        """A read command opens the file read-only: it cannot write by accident. DuckDB
        refuses that while this process holds the file open for writing; the file exists
        then, so a plain connection creates nothing either."""
        try:
            return duckdb.connect(self.path, read_only=read_only)
        except duckdb.ConnectionException as exc:
            if read_only and "different configuration" in str(exc):
                return duckdb.connect(self.path)
            raise

    def _use_schema(self, create: bool) -> None:
        exists = self.con.execute("SELECT 1 FROM information_schema.schemata WHERE "
                                  "schema_name = ?", [self.schema]).fetchall()
        if exists:
            return
        if not create:
            self.close()
            raise WarehouseError(f"no data yet: DuckDB database {self.path!r} has no schema "
                                 f"{self.schema!r} (load it first with `kpi sync "
                                 "<connector>`)")
        self.execute(f"CREATE SCHEMA IF NOT EXISTS "
                     f"{quote_identifier(self.schema, self.dialect)}")

    def _statement(self, sql: str):
        """The one statement in ``sql``: DuckDB would run every statement of a string."""
        statements = self.con.extract_statements(sql)
        if len(statements) != 1:
            raise WarehouseError(f"DuckDB: expected one SQL statement, got "
                                 f"{len(statements)}")
        return statements[0]

    def query(self, sql: str) -> QueryResult:
        return self.query_params(sql, ())

    def query_params(self, sql: str, params: Sequence[Any]) -> QueryResult:
        import duckdb

        try:
            cur = self.con.execute(self._statement(sql), list(params))
            rows = cur.fetchall()
            columns = [d[0] for d in cur.description or []]
        except duckdb.Error as exc:
            raise WarehouseError(f"DuckDB: {str(exc).splitlines()[0]}") from None
        return QueryResult(columns, rows)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        import duckdb

        try:
            self.con.execute(self._statement(sql), list(params))
        except duckdb.Error as exc:
            raise WarehouseError(f"DuckDB: {str(exc).splitlines()[0]}") from None

    def table_exists(self, name: str) -> bool:
        rows = self.con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = ? "
            "AND table_schema = COALESCE(?, current_schema())", [name, self.schema]).fetchall()
        return bool(rows)

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
            self.execute(create_table_sql(table, self.qualify(table.name), _DUCKDB_TYPES,
                                          self.dialect))
            return
        have = set(self.existing_columns(table.name))
        for col in table.columns:
            if col.name not in have:
                self.execute(f"ALTER TABLE {self.qualify(table.name)} ADD COLUMN "
                             f"{quote_identifier(col.name, self.dialect)} "
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
