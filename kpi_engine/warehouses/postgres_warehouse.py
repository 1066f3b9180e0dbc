"""PostgreSQL through psycopg 3.

URL: ``postgresql://user:pass@host:5432/db?sslmode=require&schema=kpi`` (``postgres://``
too). The password may be left out of the URL: libpq then reads ``PGPASSWORD`` (or
``~/.pgpass``); other query parameters are passed to libpq as connection keywords.
The session runs in UTC; with a schema, ``search_path`` is set so compiled SQL that
names tables without a schema finds them.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import WarehouseError
from ..schema import Table
from .dbapi import DBAPIWarehouse, first_line
from .identifiers import quote_identifier
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

    def create_index_sql(self, table: Table) -> list[str]:
        if not table.primary_key:
            return []
        index = self.quote(f"{table.name}_kpi_key"[:63])
        cols = ", ".join(self.quote(k) for k in table.primary_key)
        return [f"CREATE INDEX IF NOT EXISTS {index} ON {self.qualify(table.name)} ({cols})"]

    def merge_rows(self, table: Table, columns: list[str], rows: list[tuple[Any, ...]],
                   key: list[str], null_key: bool) -> None:
        target = self.qualify(table.name)
        stage = self.quote(self.stage_name())
        cols = ", ".join(self.quote(c) for c in columns)
        # LIKE copies the column types, so values are converted exactly as in the target.
        # On failure the surrounding transaction rolls back and takes the stage with it.
        self.execute(f"CREATE TEMPORARY TABLE {stage} (LIKE {target})")
        self._copy(stage, cols, rows)
        on = " AND ".join(self.key_match(f"t.{self.quote(k)}", f"s.{self.quote(k)}", null_key)
                          for k in key)
        self.execute(f"DELETE FROM {target} AS t WHERE EXISTS "
                     f"(SELECT 1 FROM {stage} AS s WHERE {on})")
        self.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage}")
        self.execute(f"DROP TABLE {stage}")

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
