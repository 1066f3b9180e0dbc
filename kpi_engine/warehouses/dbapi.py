"""What PostgreSQL, MySQL/MariaDB and SQLite share: a DB-API connection in autocommit mode
with explicit BEGIN/COMMIT (savepoints when nested), typed DDL with the canonical PRIMARY
KEY, merges staged in a temporary table then upserted on the key, and a sync state table
with quoted column names (``cursor`` is a reserved word in MySQL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import WarehouseError
from ..schema import Column, Table
from .base import CURSORS, STATE_TABLE, MergeCounts, QueryResult, Warehouse, check_keys
from .upsert_sql import MergePlan, count_sql, key_sql
from .values import coerce_rows


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


class DBAPIWarehouse(Warehouse):
    """Subclasses connect in ``__init__`` (setting ``self.con``) and set the class
    attributes below."""

    label = "SQL"                     # for messages: "PostgreSQL", "MySQL", ...
    quote_char = '"'
    types: dict[str, str] = {}
    key_types: dict[str, str] = {}    # overrides for primary-key columns (MySQL VARCHAR)
    driver_errors: tuple[type[BaseException], ...] = (Exception,)
    batch_size = 1000
    # Extra keywords of cursor.execute(): how a driver is told to run one statement only.
    execute_options: dict[str, Any] = {}

    def __init__(self, url: str, schema: str | None = None):
        super().__init__(url, schema)
        self.con: Any = None
        self._depth = 0
        self._state_ready = False
        self._stage_seq = 0

    # -- helpers -----------------------------------------------------------------
    def quote(self, name: str) -> str:
        q = self.quote_char
        return f"{q}{name.replace(q, q + q)}{q}"

    def _error(self, exc: BaseException) -> WarehouseError:
        return WarehouseError(f"{self.label}: {first_line(exc)}")

    def column_type(self, col: Column, table: Table) -> str:
        if col.name in table.primary_key and col.type in self.key_types:
            return self.key_types[col.type]
        try:
            return self.types[col.type]
        except KeyError:
            raise WarehouseError(f"{table.name}.{col.name}: unknown logical type "
                                 f"{col.type!r}") from None

    # -- reading and writing -------------------------------------------------------
    def query(self, sql: str) -> QueryResult:
        return self.query_params(sql, ())

    def query_params(self, sql: str, params: Sequence[Any]) -> QueryResult:
        cur = self.con.cursor()
        try:
            # No params: no placeholder interpolation, so '%' in compiled SQL is safe.
            cur.execute(sql, tuple(params) if params else None, **self.execute_options)
            columns = [d[0] for d in cur.description or []]
            rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
        except self.driver_errors as exc:
            raise self._error(exc) from None
        finally:
            cur.close()
        return QueryResult(columns, rows)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        cur = self.con.cursor()
        try:
            cur.execute(sql, tuple(params) if params else None, **self.execute_options)
        except self.driver_errors as exc:
            raise self._error(exc) from None
        finally:
            cur.close()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Insert in batches so one page never builds one giant statement."""
        cur = self.con.cursor()
        try:
            for start in range(0, len(rows), self.batch_size):
                cur.executemany(sql, rows[start:start + self.batch_size])
        except self.driver_errors as exc:
            raise self._error(exc) from None
        finally:
            cur.close()

    # -- transactions ----------------------------------------------------------------
    def _begin(self) -> None:
        self.execute("BEGIN")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        savepoint = f"kpi_sp_{self._depth}" if self._depth else None
        if savepoint:
            self.execute(f"SAVEPOINT {savepoint}")
        else:
            self._begin()
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            self._rollback(savepoint)
            raise
        self._depth -= 1
        if savepoint:
            self.execute(f"RELEASE SAVEPOINT {savepoint}")
        else:
            self.execute("COMMIT")

    def _rollback(self, savepoint: str | None) -> None:
        # DDL is transactional in PostgreSQL and SQLite: a state table created inside
        # this transaction is gone again.
        self._state_ready = False
        try:
            if savepoint:
                self.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                self.execute(f"RELEASE SAVEPOINT {savepoint}")
            else:
                self.execute("ROLLBACK")
        except WarehouseError:
            pass  # the connection is gone; the server rolls back by itself

    # -- tables -------------------------------------------------------------------------
    def _schema_sql(self) -> tuple[str, tuple[Any, ...]]:
        """SQL for the schema holding the tables, and its parameters."""
        raise NotImplementedError

    def table_exists(self, name: str) -> bool:
        """Through information_schema (PostgreSQL, MySQL); SQLite overrides."""
        where, args = self._schema_sql()
        return bool(self.query_params(
            "SELECT 1 FROM information_schema.tables WHERE "
            f"table_schema = {where} AND table_name = {self.param}", (*args, name)).rows)

    def existing_tables(self, names: Sequence[str]) -> set[str]:
        if not names:
            return set()
        where, args = self._schema_sql()
        marks = ", ".join([self.param] * len(names))
        return {r[0] for r in self.query_params(
            "SELECT table_name FROM information_schema.tables WHERE "
            f"table_schema = {where} AND table_name IN ({marks})", (*args, *names)).rows}

    def existing_columns(self, name: str) -> list[str]:
        where, args = self._schema_sql()
        rows = self.query_params(
            "SELECT column_name FROM information_schema.columns WHERE "
            f"table_schema = {where} AND table_name = {self.param} "
            "ORDER BY ordinal_position", (*args, name)).rows
        return [r[0] for r in rows]

    def column_defs(self, table: Table) -> list[str]:
        """Typed columns, key columns NOT NULL, and the PRIMARY KEY constraint."""
        defs = [f"{self.quote(c.name)} {self.column_type(c, table)}"
                f"{' NOT NULL' if c.name in table.primary_key else ''}" for c in table.columns]
        if table.primary_key:
            defs.append(key_sql(self.quote, table.primary_key))
        return defs

    def create_table_sql(self, table: Table) -> list[str]:
        return [f"CREATE TABLE IF NOT EXISTS {self.qualify(table.name)} "
                f"({', '.join(self.column_defs(table))})"]

    # -- primary keys on tables made before they had one ----------------------------------
    def has_primary_key(self, name: str) -> bool:
        where, args = self._schema_sql()
        return bool(self.query_params(
            "SELECT 1 FROM information_schema.table_constraints WHERE "
            f"table_schema = {where} AND table_name = {self.param} "
            "AND constraint_type = 'PRIMARY KEY'", (*args, name)).rows)

    def inspect_rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of a check that precedes DDL (MySQL runs it beside the transaction)."""
        return self.query(sql).rows

    def add_key_sql(self, table: Table) -> list[str]:
        return [f"ALTER TABLE {self.qualify(table.name)} "
                f"ADD {key_sql(self.quote, table.primary_key)}"]

    def ensure_key(self, table: Table) -> None:
        """Give a table created by an earlier version (a plain index, no constraint) its
        PRIMARY KEY. Refuses, naming the table, when stored rows repeat a key or lack one:
        docs/warehouses.md shows how to remove those rows."""
        if not table.primary_key or table.name == STATE_TABLE \
                or self.has_primary_key(table.name):
            return
        target = self.qualify(table.name)
        keys = ", ".join(self.quote(k) for k in table.primary_key)
        empty = " OR ".join(f"{self.quote(k)} IS NULL" for k in table.primary_key)
        repeated = self.inspect_rows(f"SELECT COUNT(*) FROM (SELECT {keys} FROM {target} "
                                     f"GROUP BY {keys} HAVING COUNT(*) > 1) AS d")[0][0]
        missing = self.inspect_rows(f"SELECT COUNT(*) FROM {target} WHERE {empty}")[0][0]
        if repeated or missing:
            raise WarehouseError(
                f"{self.label}: table {table.name!r} has {repeated:,} repeated and {missing:,} "
                f"empty key(s) ({', '.join(table.primary_key)}), so its primary key cannot be "
                "added; remove those rows (see 'Primary keys' in docs/warehouses.md) and "
                "sync again")
        self.run_ddl(self.add_key_sql(table))

    def run_ddl(self, statements: Sequence[str]) -> None:
        with self.transaction():
            for sql in statements:
                self.execute(sql)

    def ensure_table(self, table: Table) -> None:
        if not self.table_exists(table.name):
            self.run_ddl(self.create_table_sql(table))
            return
        self.ensure_key(table)
        have = set(self.existing_columns(table.name))
        missing = [c for c in table.columns if c.name not in have]
        if missing:
            self.run_ddl([f"ALTER TABLE {self.qualify(table.name)} ADD COLUMN "
                          f"{self.quote(c.name)} {self.column_type(c, table)}"
                          for c in missing])

    # -- merge ----------------------------------------------------------------------------
    def upsert(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               key: Sequence[str] | None = None) -> MergeCounts:
        if not rows:
            return MergeCounts()
        key = list(key or table.primary_key)
        absent = [k for k in key if k not in columns]
        if absent:
            raise WarehouseError(f"{table.name}: merge rows lack key column(s) "
                                 f"{', '.join(absent)}")
        data = self.adapt_rows(coerce_rows(table, columns, rows))
        check_keys(table, list(columns), data, key)
        with self.transaction():  # a savepoint when the caller already opened one
            return self.merge_rows(table, self.plan(table, list(columns), key), data)

    def plan(self, table: Table, columns: list[str], key: list[str]) -> MergePlan:
        return MergePlan(self.qualify(table.name), self.quote(self.stage_name()), columns, key,
                         [c for c in table.column_names if c not in columns], self.quote,
                         self.null_safe_equal)

    null_safe_equal = "{a} IS NOT DISTINCT FROM {b}"

    def adapt_rows(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Driver-specific value conversion (SQLite stores timestamps as text)."""
        return rows

    def stage_name(self) -> str:
        self._stage_seq += 1
        return f"kpi_stage_{self._stage_seq}"

    def count_staged(self, plan: MergePlan) -> MergeCounts:
        """Inserted/updated/unchanged of a staged page, read before it is merged."""
        total, new, changed = (int(v or 0) for v in self.query(count_sql(plan)).rows[0])
        return MergeCounts(total, new, changed, total - new - changed)

    def merge_rows(self, table: Table, plan: MergePlan, rows: list[tuple[Any, ...]]
                   ) -> MergeCounts:
        """Stage ``rows`` in a temporary table and upsert them into the target."""
        raise NotImplementedError

    # -- sync state -------------------------------------------------------------------------
    def _ensure_state_table(self) -> None:
        if not self._state_ready:
            self.ensure_table(CURSORS)
            self._state_ready = True

    def set_state(self, connector: str, stream: str, cursor: str | None,
                  source: str = "") -> None:
        with self.transaction():  # the delete and insert together, even when called alone
            super().set_state(connector, stream, cursor, source)

    def close(self) -> None:
        if self.con is not None:
            try:
                self.con.close()
            except self.driver_errors:
                pass
            self.con = None
