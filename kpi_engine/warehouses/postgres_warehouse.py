"""PostgreSQL through psycopg 3.

URL: ``postgresql://user:pass@host:5432/db?sslmode=require&schema=kpi`` (``postgres://``
too). The password may be left out of the URL: libpq then reads ``PGPASSWORD`` (or
``~/.pgpass``); other query parameters are passed to libpq as connection keywords.
The session runs in UTC; with a schema, ``search_path`` is set so compiled SQL that
names tables without a schema finds them.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from ..errors import WarehouseError
from ..schema import Table
from .base import MergeCounts
from .dbapi import DBAPIWarehouse, first_line
from .identifiers import quote_identifier
from .upsert_sql import MergePlan, on_conflict_sql
from .url import WarehouseURL

_TYPES = {"string": "TEXT", "integer": "BIGINT", "decimal": "NUMERIC(18, 4)",
          "float": "DOUBLE PRECISION", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP",
          "date": "DATE"}


# libpq keywords that take a whole number: checked here, so a typo is one clear line.
_INT_PARAMS = ("connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
               "keepalives_count", "tcp_user_timeout")


def parse_postgres_url(url: str | WarehouseURL) -> tuple[dict[str, Any], str | None]:
    """libpq keywords from the URL, and the ``schema`` query parameter (unchecked)."""
    address = url if isinstance(url, WarehouseURL) else WarehouseURL.parse(url)
    params: dict[str, Any] = dict(address.params)
    schema = params.pop("schema", None)
    kwargs: dict[str, Any] = {"connect_timeout": 10}
    if address.host:
        kwargs["host"] = address.host
    if address.port:
        kwargs["port"] = address.port
    if address.user:
        kwargs["user"] = address.user
    if address.password:
        kwargs["password"] = address.password
    if address.database:
        kwargs["dbname"] = address.database
    kwargs.update(params)  # sslmode, application_name, host=/var/run/postgresql, ...
    for name in _INT_PARAMS:
        if name in params:
            kwargs[name] = address.int_param(name)
    return kwargs, schema


class PostgresWarehouse(DBAPIWarehouse):
    dialect = "postgres"
    scheme = "postgresql"
    label = "PostgreSQL"
    param = "%s"
    types = _TYPES
    read_only_begin = "START TRANSACTION READ ONLY"
    # Results in binary format force libpq's extended protocol, which runs exactly one
    # statement per call (the simple protocol would run "a; b").
    execute_options = {"binary": True}

    def __init__(self, url: str, schema: str | None = None, *, create: bool = True):
        super().__init__(url, schema)
        import psycopg

        self.driver_errors = (psycopg.Error,)
        self.address = WarehouseURL.parse(url)
        kwargs, _ = parse_postgres_url(self.address)
        self.schema = self.address.schema(schema)
        host = kwargs.get("host") or os.environ.get("PGHOST") or "localhost"
        port = kwargs.get("port") or os.environ.get("PGPORT") or 5432
        self.where = f"{host}:{port}"
        try:
            self.con = psycopg.connect(autocommit=True, **kwargs)
        except psycopg.Error as exc:
            reason = self.address.scrub(first_line(exc).removeprefix("connection failed: "))
            raise WarehouseError(f"cannot connect to PostgreSQL at {self.where}"
                                 f" (database {kwargs.get('dbname', 'default')}): "
                                 f"{reason}") from None
        self.execute("SET TIME ZONE 'UTC'")
        if self.schema:
            self._use_schema(create)

    def _use_schema(self, create: bool) -> None:
        """Tables live in the schema; compiled SQL that names tables without one finds them
        through ``search_path``. Only a loading command creates the schema."""
        name = quote_identifier(self.schema, self.dialect)
        exists = self.query_params("SELECT 1 FROM information_schema.schemata "
                                   "WHERE schema_name = %s", (self.schema,)).rows
        if not exists:
            if not create:
                self.close()
                raise WarehouseError(f"no data yet: PostgreSQL at {self.where} has no schema "
                                     f"{self.schema!r} (load it first with `kpi sync "
                                     "<connector>`)")
            self.execute(f"CREATE SCHEMA IF NOT EXISTS {name}")
        self.execute(f"SET search_path TO {name}, public")

    def _schema_sql(self) -> tuple[str, tuple[Any, ...]]:
        if self.schema:
            return "%s", (self.schema,)
        return "current_schema()", ()

    # -- merge: COPY into a temporary table, then one upsert ------------------------------
    def merge_rows(self, table: Table, plan: MergePlan, rows: list[tuple[Any, ...]]
                   ) -> MergeCounts:
        # LIKE copies the column types, so values are converted exactly as in the target.
        # On failure the surrounding transaction rolls back and takes the stage with it.
        self.execute(f"CREATE TEMPORARY TABLE {plan.stage} (LIKE {plan.target})")
        self._copy(plan.stage, plan.column_list(), rows)
        # xmax is 0 on a row this statement inserted, set on one it updated; rows left
        # alone (identical to the stored row) are not returned.
        merged = on_conflict_sql(plan, returning=" RETURNING (t.xmax = 0) AS inserted")
        new, changed = self.query(
            f"WITH m AS ({merged}) SELECT COUNT(*) FILTER (WHERE inserted), "
            "COUNT(*) FILTER (WHERE NOT inserted) FROM m").rows[0]
        self.execute(f"DROP TABLE {plan.stage}")
        return MergeCounts(len(rows), new, changed, len(rows) - new - changed)

    def _copy(self, stage: str, cols: str, rows: list[tuple[Any, ...]]) -> None:
        """COPY is PostgreSQL's bulk path: one round trip per page, no statement size."""
        cur = self.con.cursor()
        try:
            with cur.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except self.driver_errors as exc:
            raise self._error(exc) from None
        finally:
            cur.close()

    # -- one sync per connector and schema: a session advisory lock ------------------------
    def _lock_key(self, connector: str) -> int:
        """A signed 64-bit advisory-lock key for the connector in this schema (advisory
        locks are per database already)."""
        scope = self.schema or self.query("SELECT current_schema()").rows[0][0] or ""
        digest = hashlib.blake2b(f"kpi-sync\0{connector}\0{scope}".encode(),
                                 digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    def try_sync_lock(self, connector: str) -> bool:
        got = self.query_params("SELECT pg_try_advisory_lock(%s)",
                                (self._lock_key(connector),)).rows[0][0]
        return bool(got)

    def release_sync_lock(self, connector: str) -> None:
        if self.con is None or self.con.closed:
            return  # the server released it with the session
        try:
            self.query_params("SELECT pg_advisory_unlock(%s)", (self._lock_key(connector),))
        except WarehouseError:
            pass  # a broken connection: the server releases the lock when it drops it

    def lock_scope(self) -> str:
        scope = repr(self.schema) if self.schema else "(default)"
        return f"PostgreSQL schema {scope} at {self.where}"
