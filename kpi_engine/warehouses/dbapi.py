"""What PostgreSQL, MySQL/MariaDB and SQLite share: a DB-API connection in autocommit mode
with explicit BEGIN/COMMIT (savepoints when nested), typed DDL, an index on the primary
key, batched inserts and a sync state table with quoted column names (``cursor`` is a
reserved word in MySQL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import WarehouseError
from ..schema import Column, Table
from .base import STATE_TABLE, QueryResult, Warehouse
from .values import coerce_rows

STATE = Table(STATE_TABLE, "one stream of one connector", ("connector", "stream"),
              (Column("connector", "string"), Column("stream", "string"),
               Column("cursor", "string")))


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

    def existing_columns(self, name: str) -> list[str]:
        where, args = self._schema_sql()
        rows = self.query_params(
            "SELECT column_name FROM information_schema.columns WHERE "
            f"table_schema = {where} AND table_name = {self.param} "
            "ORDER BY ordinal_position", (*args, name)).rows
        return [r[0] for r in rows]

    def create_table_sql(self, table: Table) -> list[str]:
        cols = ", ".join(f"{self.quote(c.name)} {self.column_type(c, table)}"
                         for c in table.columns)
        return [f"CREATE TABLE IF NOT EXISTS {self.qualify(table.name)} ({cols})",
                *self.create_index_sql(table)]

    def create_index_sql(self, table: Table) -> list[str]:
        """A non-unique index on the key, so merge finds old rows without a scan."""
        return []

    def run_ddl(self, statements: Sequence[str]) -> None:
        with self.transaction():
            for sql in statements:
                self.execute(sql)

    def ensure_table(self, table: Table) -> None:
        if not self.table_exists(table.name):
            self.run_ddl(self.create_table_sql(table))
            return
        have = set(self.existing_columns(table.name))
        missing = [c for c in table.columns if c.name not in have]
        if missing:
            self.run_ddl([f"ALTER TABLE {self.qualify(table.name)} ADD COLUMN "
                          f"{self.quote(c.name)} {self.column_type(c, table)}"
                          for c in missing])

    # -- merge ----------------------------------------------------------------------------
    def merge(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              key: Sequence[str] | None = None) -> int:
        if not rows:
            return 0
        key = list(key or table.primary_key)
        absent = [k for k in key if k not in columns]
        if absent:
            raise WarehouseError(f"{table.name}: merge rows lack key column(s) "
                                 f"{', '.join(absent)}")
        data = self.adapt_rows(coerce_rows(table, columns, rows))
        positions = [list(columns).index(k) for k in key]
        null_key = any(row[i] is None for row in data for i in positions)
        with self.transaction():  # a savepoint when the caller already opened one
            self.merge_rows(table, list(columns), data, key, null_key)
        return len(data)

    def adapt_rows(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Driver-specific value conversion (SQLite stores timestamps as text)."""
        return rows

    def key_match(self, left: str, right: str, null_key: bool) -> str:
        if null_key:
            return f"{left} IS NOT DISTINCT FROM {right}"
        return f"{left} = {right}"  # no NULL in the new keys: '=' can use the index

    def stage_name(self) -> str:
        self._stage_seq += 1
        return f"kpi_stage_{self._stage_seq}"

    def merge_rows(self, table: Table, columns: list[str], rows: list[tuple[Any, ...]],
                   key: list[str], null_key: bool) -> None:
        raise NotImplementedError

    # -- sync state -------------------------------------------------------------------------
    def _ensure_state_table(self) -> None:
        if not self._state_ready:
            self.ensure_table(STATE)
            self._state_ready = True

    def _state_where(self, with_stream: bool) -> str:
        where = f"{self.quote('connector')} = {self.param}"
        return where + (f" AND {self.quote('stream')} = {self.param}" if with_stream else "")

    def get_state(self, connector: str, stream: str) -> str | None:
        self._ensure_state_table()
        result = self.query_params(
            f"SELECT {self.quote('cursor')} FROM {self.qualify(STATE_TABLE)} "
            f"WHERE {self._state_where(True)}", (connector, stream))
        return result.rows[0][0] if result.rows else None

    def set_state(self, connector: str, stream: str, cursor: str | None) -> None:
        self._ensure_state_table()
        with self.transaction():
            self.execute(f"DELETE FROM {self.qualify(STATE_TABLE)} "
                         f"WHERE {self._state_where(True)}", (connector, stream))
            if cursor is not None:
                cols = ", ".join(self.quote(c) for c in STATE.column_names)
                self.execute(f"INSERT INTO {self.qualify(STATE_TABLE)} ({cols}) VALUES "
                             f"({self.param}, {self.param}, {self.param})",
                             (connector, stream, cursor))

    def clear_state(self, connector: str) -> None:
        self._ensure_state_table()
        self.execute(f"DELETE FROM {self.qualify(STATE_TABLE)} "
                     f"WHERE {self._state_where(False)}", (connector,))

    def close(self) -> None:
        if self.con is not None:
            try:
                self.con.close()
            except self.driver_errors:
                pass
            self.con = None
