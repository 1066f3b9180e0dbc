"""MySQL 8 and MariaDB 10.6+ through PyMySQL.

URL: ``mysql://user:pass@host:3306/db`` (``mariadb://`` too; ``?unix_socket=...``,
``?schema=other_db``, ``?ssl_ca=...``). The password may come from ``MYSQL_PWD``.
In MySQL a schema is a database: with ``schema``, tables live in that database (created
when missing) and it becomes the default one.

Session settings and why:
- ``time_zone = '+00:00'``: NOW() and friends in UTC, like every other engine here;
- strict sql_mode: an out-of-range value is an error, not a silently clipped number;
- READ COMMITTED: like PostgreSQL, and no gap locks when two syncs merge at once;
- tables use a binary, no-pad collation: keys compare case- and space-exactly, as in
  the other engines (the default collation would merge 'A1' into 'a1').
"""

from __future__ import annotations

import getpass
import hashlib
import os
from collections.abc import Sequence
from typing import Any

from ..errors import WarehouseError
from ..schema import Table
from .base import MergeCounts
from .dbapi import DBAPIWarehouse
from .identifiers import quote_identifier
from .upsert_sql import MergePlan, on_duplicate_key_sql
from .url import URLError, WarehouseURL

_TYPES = {"string": "TEXT", "integer": "BIGINT", "decimal": "DECIMAL(18, 4)",
          "float": "DOUBLE", "boolean": "BOOLEAN", "timestamp": "DATETIME(6)",
          "date": "DATE"}
# TEXT cannot be indexed whole; 191 characters x 4 bytes keeps a 5-column key under
# InnoDB's 3072-byte index limit.
_KEY_TYPES = {"string": "VARCHAR(191)"}

_SQL_MODE = ("STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
             "NO_ENGINE_SUBSTITUTION")
_PASSTHROUGH = {"unix_socket", "charset", "connect_timeout", "read_timeout",
                "write_timeout", "ssl_ca", "ssl_cert", "ssl_key", "ssl_verify_cert",
                "ssl_verify_identity"}
_COLLATIONS = ("utf8mb4_nopad_bin", "utf8mb4_0900_bin", "utf8mb4_bin")


def parse_mysql_url(url: str | WarehouseURL) -> tuple[dict[str, Any], str | None]:
    """PyMySQL keyword arguments from the URL, and the ``schema`` query parameter
    (unchecked)."""
    address = url if isinstance(url, WarehouseURL) else WarehouseURL.parse(url)
    params = dict(address.params)
    schema = params.pop("schema", None)
    password = address.password or params.pop("password", None) or os.environ.get("MYSQL_PWD")
    unknown = sorted(set(params) - _PASSTHROUGH)
    if unknown:
        raise URLError(f"unknown MySQL URL parameter(s) {', '.join(unknown)} "
                       f"(known: schema, password, {', '.join(sorted(_PASSTHROUGH))})")
    kwargs: dict[str, Any] = {
        "host": address.host or "localhost", "port": address.port or 3306,
        "user": address.user or _default_user(),
        "charset": "utf8mb4", "connect_timeout": 10, "autocommit": True,
    }
    if password:
        kwargs["password"] = password
    if address.database:
        kwargs["database"] = address.database
    for name, value in params.items():
        kwargs[name] = address.int_param(name) if name.endswith("timeout") else value
    return kwargs, schema


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "root"


class MySQLWarehouse(DBAPIWarehouse):
    dialect = "mysql"
    scheme = "mysql"
    label = "MySQL"
    quote_char = "`"
    param = "%s"
    types = _TYPES
    key_types = _KEY_TYPES
    read_only_begin = "START TRANSACTION READ ONLY"

    def __init__(self, url: str, schema: str | None = None, *, create: bool = True):
        super().__init__(url, schema)
        import pymysql

        self.driver_errors = (pymysql.Error,)
        self.address = WarehouseURL.parse(url)
        self._kwargs, _ = parse_mysql_url(self.address)
        self.schema = self.address.schema(schema)
        self.where = f"{self._kwargs['host']}:{self._kwargs['port']}"
        self._ddl_con: Any = None
        self.con = self._open()
        version = self.query("SELECT VERSION()").rows[0][0]
        self.label = "MariaDB" if "mariadb" in str(version).lower() else "MySQL"
        self.collation = self._pick_collation()
        if self.schema:
            self._use_schema(create)

    def _use_schema(self, create: bool) -> None:
        """In MySQL a schema is a database: it becomes the default one. Only a loading
        command creates it."""
        name = quote_identifier(self.schema, self.dialect)
        if not self.query_params("SELECT 1 FROM information_schema.schemata "
                                 "WHERE schema_name = %s", (self.schema,)).rows:
            if not create:
                self.close()
                raise WarehouseError(f"no data yet: {self.label} at {self.where} has no "
                                     f"database {self.schema!r} (load it first with `kpi "
                                     "sync <connector>`)")
            self.execute(f"CREATE DATABASE IF NOT EXISTS {name} "
                         f"CHARACTER SET utf8mb4 COLLATE {self.collation}")
        self.execute(f"USE {name}")

    def _open(self) -> Any:
        import pymysql

        try:
            con = pymysql.connect(**self._kwargs)
        except pymysql.Error as exc:
            reason = exc.args[1] if len(exc.args) > 1 else str(exc)
            reason = str(reason).splitlines()[0] if str(reason) else type(exc).__name__
            reason = self.address.scrub(reason)
            if self._kwargs.get("password"):  # MYSQL_PWD is not in the URL
                reason = reason.replace(str(self._kwargs["password"]), "***")
            where = self._kwargs.get("unix_socket") or self.where
            raise WarehouseError(f"cannot connect to MySQL/MariaDB at {where}: "
                                 f"{reason}") from None
        with con.cursor() as cur:
            cur.execute(f"SET time_zone = '+00:00', sql_mode = '{_SQL_MODE}'")
            cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        return con

    def _pick_collation(self) -> str:
        names = {r[0] for r in self.query(
            "SELECT collation_name FROM information_schema.collations "
            "WHERE collation_name LIKE 'utf8mb4%bin'").rows}
        return next((c for c in _COLLATIONS if c in names), "utf8mb4_bin")

    def _error(self, exc: BaseException) -> WarehouseError:
        args = getattr(exc, "args", ())
        if len(args) >= 2 and isinstance(args[0], int):
            return WarehouseError(f"{self.label}: {str(args[1]).splitlines()[0]} "
                                  f"(error {args[0]})")
        return super()._error(exc)

    def _begin(self) -> None:
        self.execute("START TRANSACTION")

    null_safe_equal = "{a} <=> {b}"

    # -- tables --------------------------------------------------------------------
    def _schema_sql(self) -> tuple[str, tuple[Any, ...]]:
        if self.schema:
            return "%s", (self.schema,)
        return "DATABASE()", ()

    def create_table_sql(self, table: Table) -> list[str]:
        return [f"CREATE TABLE IF NOT EXISTS {self.qualify(table.name)} "
                f"({', '.join(self.column_defs(table))}) "
                f"ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={self.collation}"]

    def run_ddl(self, statements: Sequence[str]) -> None:
        """MySQL commits the open transaction on any DDL; inside a transaction the DDL
        goes through a second connection so the caller's transaction stays whole."""
        if not self._depth:
            for sql in statements:
                self.execute(sql)
            return
        try:
            with self._side().cursor() as cur:
                for sql in statements:
                    cur.execute(sql)
        except self.driver_errors as exc:
            raise self._error(exc) from None

    def inspect_rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Checks before DDL go through the DDL connection too inside a transaction: a
        SELECT here would hold a metadata lock on the table until the transaction ends,
        and the DDL would wait for it."""
        if not self._depth:
            return super().inspect_rows(sql)
        try:
            with self._side().cursor() as cur:
                cur.execute(sql)
                return [tuple(r) for r in cur.fetchall()]
        except self.driver_errors as exc:
            raise self._error(exc) from None

    def _side(self) -> Any:
        if self._ddl_con is None:
            self._ddl_con = self._open()
            with self._ddl_con.cursor() as cur:
                cur.execute("SET SESSION lock_wait_timeout = 10")
        return self._ddl_con

    # -- merge -------------------------------------------------------------------------
    def merge_rows(self, table: Table, plan: MergePlan, rows: list[tuple[Any, ...]]
                   ) -> MergeCounts:
        marks = ", ".join(["%s"] * len(plan.columns))
        # A TEMPORARY table is the one DDL MySQL runs without committing the transaction;
        # LIKE copies the types and the primary key, so the join below is indexed.
        self.execute(f"CREATE TEMPORARY TABLE {plan.stage} LIKE {plan.target}")
        try:
            self.executemany(f"INSERT INTO {plan.stage} ({plan.column_list()}) "
                             f"VALUES ({marks})", rows)
            counts = self.count_staged(plan)
            self.execute(on_duplicate_key_sql(plan))
        finally:
            self.execute(f"DROP TEMPORARY TABLE IF EXISTS {plan.stage}")
        return counts

    # -- one sync per connector and database: GET_LOCK -----------------------------------
    def _lock_name(self, connector: str) -> str:
        """A server-wide named lock (64 characters at most) for the connector in this
        database."""
        scope = self.schema or self.query("SELECT DATABASE()").rows[0][0] or ""
        digest = hashlib.sha1(f"{connector}\0{scope}".encode()).hexdigest()
        return f"kpi_sync_{digest}"

    def try_sync_lock(self, connector: str) -> bool:
        got = self.query_params("SELECT GET_LOCK(%s, 0)",
                                (self._lock_name(connector),)).rows[0][0]
        return got == 1

    def release_sync_lock(self, connector: str) -> None:
        if self.con is None:
            return
        try:
            self.query_params("SELECT RELEASE_LOCK(%s)", (self._lock_name(connector),))
        except WarehouseError:
            pass  # a broken connection: the server releases the lock with the session

    def lock_scope(self) -> str:
        scope = repr(self.schema) if self.schema else "(default)"
        return f"{self.label} database {scope} at {self.where}"

    def close(self) -> None:
        if self._ddl_con is not None:
            try:
                self._ddl_con.close()
            except self.driver_errors:
                pass
            self._ddl_con = None
        super().close()
