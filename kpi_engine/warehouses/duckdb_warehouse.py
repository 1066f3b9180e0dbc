"""Embedded DuckDB: the default warehouse (``duckdb:///kpi.duckdb``, ``duckdb:///:memory:``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from ..errors import WarehouseError
from ..schema import Table
from .arrow_stage import arrow_table
from .base import STATE_TABLE, MergeCounts, QueryResult, Warehouse, check_keys, repeated_key_error
from .database_file import database_file
from .ddl import create_table_sql, logical_to_sql
from .file_lock import FileLocks
from .identifiers import quote_identifier
from .upsert_sql import MergePlan, count_sql, on_conflict_sql
from .url import URLError, WarehouseURL

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
            self.execute(create_table_sql(table, self.qualify(table.name), _DUCKDB_TYPES,
                                          self.dialect))
            return
        self.ensure_key(table)
        have = set(self.existing_columns(table.name))
        for col in table.columns:
            if col.name not in have:
                self.execute(f"ALTER TABLE {self.qualify(table.name)} ADD COLUMN "
                             f"{quote_identifier(col.name, self.dialect)} "
                             f"{logical_to_sql(col.type, _DUCKDB_TYPES)}")

    def ensure_key(self, table: Table) -> None:
        """Give a table created by an earlier version its PRIMARY KEY; refuses, naming the
        table, when stored rows repeat a key or lack one (see docs/warehouses.md)."""
        if not table.primary_key or table.name == STATE_TABLE:
            return
        if self.con.execute(
                "SELECT 1 FROM duckdb_constraints() WHERE table_name = ? AND schema_name = "
                "COALESCE(?, current_schema()) AND constraint_type = 'PRIMARY KEY'",
                [table.name, self.schema]).fetchall():
            return
        target = self.qualify(table.name)
        keys = ", ".join(f'"{k}"' for k in table.primary_key)
        empty = " OR ".join(f'"{k}" IS NULL' for k in table.primary_key)
        repeated = self.query(f"SELECT COUNT(*) FROM (SELECT {keys} FROM {target} GROUP BY "
                              f"{keys} HAVING COUNT(*) > 1)").rows[0][0]
        missing = self.query(f"SELECT COUNT(*) FROM {target} WHERE {empty}").rows[0][0]
        if repeated or missing:
            raise WarehouseError(
                f"DuckDB: table {table.name!r} has {repeated:,} repeated and {missing:,} empty "
                f"key(s) ({', '.join(table.primary_key)}), so its primary key cannot be "
                "added; remove those rows (see 'Primary keys' in docs/warehouses.md) and "
                "sync again")
        self.execute(f"ALTER TABLE {target} ADD PRIMARY KEY ({keys})")

    def upsert(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               key: Sequence[str] | None = None) -> MergeCounts:
        if not rows:
            return MergeCounts()
        columns = list(columns)
        key = list(key or table.primary_key)
        absent = [k for k in key if k not in columns]
        if absent:
            raise WarehouseError(f"{table.name}: merge rows lack key column(s) "
                                 f"{', '.join(absent)}")
        check_keys(table, columns, rows, key)
        return self._merge_staged(table, arrow_table(table, columns,
                                                     list(zip(*rows, strict=True))), key)

    def upsert_arrow(self, table: Table, data: Any, key: Sequence[str] | None = None, *,
                     verify_keys: bool = False) -> MergeCounts:
        if not data.num_rows:
            return MergeCounts()
        key = list(key or table.primary_key)
        absent = [k for k in key if k not in data.column_names]
        if absent:
            raise WarehouseError(f"{table.name}: merge rows lack key column(s) "
                                 f"{', '.join(absent)}")
        empty = [k for k in key if data.column(k).null_count]
        if empty:
            raise WarehouseError(f"{table.name}: rows have no value in key column "
                                 f"{empty[0]!r}; every row needs its key")
        return self._merge_staged(table, data, key, verify_keys)

    def _merge_staged(self, table: Table, arrow: Any, key: list[str],
                      verify_keys: bool = False) -> MergeCounts:
        """Merge an Arrow page (keys unique within it) by primary key.

        The counting join says how many rows are new and changed; when every row is new
        (a first sync) the rows are appended with a plain INSERT, which skips the
        upsert's per-row conflict check; when none is new or changed nothing is written."""
        import duckdb

        columns = list(arrow.column_names)
        plan = MergePlan(self.qualify(table.name), "_kpi_stage", columns, key,
                         [c for c in table.column_names if c not in columns],
                         lambda n: '"' + n.replace('"', '""') + '"')
        self.con.register("_kpi_stage", arrow)
        try:
            total = arrow.num_rows
            if not self.query(f"SELECT 1 FROM {plan.target} LIMIT 1").rows:
                new, changed = total, 0
            else:
                if verify_keys:  # ON CONFLICT would keep one of a repeated key's rows
                    # without a word (an empty table's INSERT is refused by the key)
                    self._refuse_repeated_keys(table, plan)
                _, new, changed = (int(v or 0) for v in self.query(count_sql(plan)).rows[0])
            if new == total:
                self.execute(f"INSERT INTO {plan.target} ({plan.column_list()}) "
                             f"SELECT {plan.column_list()} FROM {plan.stage}")
            elif new or changed:
                self.execute(on_conflict_sql(plan, excluded="excluded"))
        except WarehouseError as exc:  # DuckDB's own error names neither table nor key
            if not str(exc).startswith("DuckDB:"):
                raise
            raise WarehouseError(f"{table.name} ({', '.join(key)}): {exc}") from None
        finally:
            try:
                self.con.unregister("_kpi_stage")
            except duckdb.TransactionException:
                pass  # the statement failed (its error is on its way); ROLLBACK drops it
        return MergeCounts(total, new, changed, total - new - changed)

    def _refuse_repeated_keys(self, table: Table, plan: MergePlan) -> None:
        keys = ", ".join(plan.quote(k) for k in plan.key)
        repeated = self.query(f"SELECT {keys} FROM {plan.stage} GROUP BY {keys} "
                              "HAVING COUNT(*) > 1 LIMIT 1").rows
        if repeated:
            raise repeated_key_error(table, plan.key, repeated[0])

    # -- one sync per connector: a lock file beside the database file ----------------------
    @cached_property
    def _locks(self) -> FileLocks:
        return FileLocks(self.path)

    def try_sync_lock(self, connector: str) -> bool:
        return self._locks.try_lock(connector)

    def release_sync_lock(self, connector: str) -> None:
        self._locks.release(connector)

    def lock_scope(self) -> str:
        return f"DuckDB database {self.path!r}"

    def close(self) -> None:
        self._locks.release_all()
        self.con.close()
