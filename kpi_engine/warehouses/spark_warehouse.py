"""Apache Spark through PySpark: ``spark://local`` (or ``spark://local[4]``) starts a local
session; ``spark://host:7077`` joins a standalone cluster. Query parameters become Spark
settings, e.g. ``spark://local?warehouse_dir=/data/wh`` (shorthand for
``spark.sql.warehouse.dir``) or ``?spark.executor.memory=4g``.

Tables are Spark managed tables (Parquet). The session runs in UTC. Spark's Parquet
tables have no transactions and no DELETE: a merge rewrites the table from the rows that
stay plus the new ones, and ``transaction()`` collects a run's writes and applies them
when it ends, so a failed run writes nothing. A crash while the writes are applied can
leave some tables written and others not; the next sync then redoes the run (merges are
idempotent). On Databricks, use Delta tables and the same SQL (see docs/warehouses.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..errors import WarehouseError
from ..schema import Table
from .base import (CURSOR_TABLE, CURSORS, STATE_TABLE, MergeCounts, QueryResult, Warehouse,
                   check_keys)
from .file_lock import FileLocks
from .identifiers import quote_identifier
from .url import WarehouseURL
from .values import coerce_rows

_TYPES = {"string": "STRING", "integer": "BIGINT", "decimal": "DECIMAL(18,4)",
          "float": "DOUBLE", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP", "date": "DATE"}
_sessions: dict[str, Any] = {}


def _text(value: Any) -> Any:
    """Values travel to Spark as text and are cast there, in the session's UTC: PySpark
    would read naive datetimes in the Python process's local timezone."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def spark_session(url: str) -> Any:
    """One session per master URL per process (starting one takes seconds)."""
    from pyspark.sql import SparkSession

    # Parsed by hand: urlsplit() rejects "local[2]" as a bracketed IPv6 host.
    address = WarehouseURL.parse(url)
    master = address.location.strip("/") or "local"
    if not master.startswith("local"):
        master = f"spark://{master}"
    settings = {k: v for k, v in address.params if k != "schema"}
    key = f"{master}?{sorted(settings.items())}"
    if key in _sessions:
        return _sessions[key]
    builder = (SparkSession.builder.master(master).appName("kpi-engine")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "2" if master.startswith("local")
                       else "200")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.ansi.enabled", "false"))
    if master.startswith("local"):
        # A local session talks to itself only: keep the driver on loopback.
        builder = (builder.config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1"))
    for name, value in settings.items():
        builder = builder.config("spark.sql.warehouse.dir" if name == "warehouse_dir"
                                 else name, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - Py4J and JVM errors have no common base
        raise WarehouseError(f"cannot start Spark ({address}): "
                             f"{address.scrub(str(exc).splitlines()[0])}") from None
    session.sparkContext.setLogLevel("ERROR")
    _sessions[key] = session
    return session


class SparkWarehouse(Warehouse):
    dialect = "spark"
    scheme = "spark"
    param = "?"

    def __init__(self, url: str, schema: str | None = None, *, create: bool = True):
        super().__init__(url, schema)
        self.address = WarehouseURL.parse(url)
        self.schema = self.address.schema(schema)
        self.spark = spark_session(url)
        self._depth = 0
        self._pending: list[tuple[str, Any]] = []  # (table name, callable applying it)
        if self.schema:
            self._use_schema(create)
        self._attach_existing()

    def _use_schema(self, create: bool) -> None:
        """Only a loading command creates the database. Without a metastore, a database
        written by an earlier process is only a folder: registering it again creates
        nothing new."""
        from pathlib import Path
        from urllib.parse import unquote, urlsplit

        if not create and not self.spark.catalog.databaseExists(self.schema):
            root = urlsplit(self.spark.conf.get("spark.sql.warehouse.dir", ""))
            folder = Path(unquote(root.path)) / f"{self.schema.lower()}.db"
            if root.scheme not in ("", "file") or not folder.is_dir():
                raise WarehouseError(f"no data yet: Spark has no database {self.schema!r} "
                                     "(load it first with `kpi sync <connector>`)")
        self.execute("CREATE DATABASE IF NOT EXISTS "
                     f"{quote_identifier(self.schema, self.dialect)}")

    def _attach_existing(self) -> None:
        """Without a metastore (local mode) the catalog lives in memory: tables written by
        an earlier process are only folders. Register them again (as tables at their
        location), so ``kpi sync`` then ``kpi eval`` work as two commands."""

        if self.spark.conf.get("spark.sql.catalogImplementation", "in-memory") != "in-memory":
            return
        folder = self._local_folder()
        if folder is None or not folder.is_dir():
            return  # a shared filesystem without a metastore: nothing safe to guess
        for sub in sorted(folder.iterdir()):
            name = sub.name
            if (not sub.is_dir() or name.endswith(".db") or name[0] in "._"
                    or self.table_exists(name)):
                continue
            self._attach(name, sub)

    def _local_folder(self):
        """The database's folder when it is on this machine's disk (local mode), else None."""
        from pathlib import Path
        from urllib.parse import unquote, urlsplit

        location = self.spark.catalog.getDatabase(self.schema or "default").locationUri
        parts = urlsplit(location)
        return Path(unquote(parts.path)) if parts.scheme in ("", "file") else None

    # -- one sync at a time: a lock file beside a local database folder -----------------
    @property
    def _locks(self) -> FileLocks | None:
        if not hasattr(self, "_file_locks"):
            folder = self._local_folder()
            self._file_locks = FileLocks(str(folder)) if folder is not None else None
        return self._file_locks

    def try_sync_lock(self, connector: str) -> bool:
        # On a cluster's shared storage no local lock reaches the other writers: there
        # the cluster's own scheduling (one job per table) has to keep syncs apart.
        return self._locks.try_lock(connector) if self._locks is not None else True

    def release_sync_lock(self, connector: str) -> None:
        if self._locks is not None:
            self._locks.release(connector)

    def lock_scope(self) -> str:
        folder = self._local_folder()
        return f"Spark database folder {str(folder)!r}" if folder else super().lock_scope()

    def _attach(self, name: str, path: Any) -> None:
        from sqlglot import exp

        from ..schema import table as canonical

        where = exp.Literal.string(str(path)).sql(self.dialect)
        try:  # the files' own schema first: it has columns added since
            self.execute(f"CREATE TABLE {self.qualify(name)} USING parquet LOCATION {where}")
            return
        except WarehouseError:
            pass  # no data file yet: Parquet cannot tell the schema
        known = CURSORS if name == CURSOR_TABLE else canonical(name)
        if known is not None:
            cols = ", ".join(f"`{c.name}` {_TYPES[c.type]}" for c in known.columns)
            self.execute(f"CREATE TABLE {self.qualify(name)} ({cols}) USING parquet "
                         f"LOCATION {where}")

    # -- reading -----------------------------------------------------------------------
    def query(self, sql: str) -> QueryResult:
        from pyspark.sql.types import TimestampType

        try:
            df = self.spark.sql(sql)
            # Timestamps as text: collect() would convert them to the local timezone.
            cols = [df[c].cast("string").alias(c) if isinstance(f.dataType, TimestampType)
                    else df[c] for c, f in zip(df.columns, df.schema.fields, strict=True)]
            rows = df.select(*cols).collect()
        except Exception as exc:  # noqa: BLE001 - AnalysisException, Py4JJavaError, ...
            raise WarehouseError(f"Spark: {str(exc).strip().splitlines()[0]}") from None
        stamps = {c for c, f in zip(df.columns, df.schema.fields, strict=True)
                  if isinstance(f.dataType, TimestampType)}
        out = []
        for row in rows:
            out.append(tuple(datetime.fromisoformat(v) if c in stamps and v is not None
                             else v for c, v in zip(df.columns, row, strict=True)))
        return QueryResult(list(df.columns), out)

    def query_params(self, sql: str, params: Sequence[Any]) -> QueryResult:
        if params:
            raise WarehouseError("Spark: parameters are not supported")
        return self.query(sql)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        if params:
            raise WarehouseError("Spark: parameters are not supported")
        try:
            self.spark.sql(sql)
        except Exception as exc:  # noqa: BLE001
            raise WarehouseError(f"Spark: {str(exc).strip().splitlines()[0]}") from None

    def table_exists(self, name: str) -> bool:
        return bool(self.spark.catalog.tableExists(self._name(name)))

    def _name(self, name: str) -> str:
        return f"{self.schema}.{name}" if self.schema else name

    # -- writing -----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._depth += 1
        mark = len(self._pending)
        try:
            yield
        except BaseException:
            del self._pending[mark:]
            self._depth -= 1
            raise
        self._depth -= 1
        if self._depth == 0:
            todo, self._pending = self._pending, []
            for _, apply in todo:
                apply()

    def _later(self, table: str, apply: Any) -> None:
        if self._depth:
            self._pending.append((table, apply))
        else:
            apply()

    def ensure_table(self, table: Table) -> None:
        cols = ", ".join(f"`{c.name}` {_TYPES[c.type]}" for c in table.columns)
        if not self.table_exists(table.name):
            self.execute(f"CREATE TABLE IF NOT EXISTS {self.qualify(table.name)} ({cols}) "
                         "USING parquet")
            return
        have = {f.name for f in self.spark.table(self._name(table.name)).schema.fields}
        missing = [c for c in table.columns if c.name not in have]
        if missing:
            added = ", ".join(f"`{c.name}` {_TYPES[c.type]}" for c in missing)
            self.execute(f"ALTER TABLE {self.qualify(table.name)} ADD COLUMNS ({added})")

    def _frame(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]):
        from pyspark.sql.types import StringType, StructField, StructType

        text_schema = StructType([StructField(c, StringType()) for c in columns])
        df = self.spark.createDataFrame([tuple(_text(v) for v in r) for r in rows],
                                        text_schema)
        typed = []
        for c in table.columns:
            if c.name in columns:
                typed.append(df[c.name].cast(_TYPES[c.type]).alias(c.name))
            else:
                from pyspark.sql.functions import lit

                typed.append(lit(None).cast(_TYPES[c.type]).alias(c.name))
        return df.select(*typed)

    def upsert(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               key: Sequence[str] | None = None) -> MergeCounts:
        if not rows:
            return MergeCounts()
        data = coerce_rows(table, columns, rows)
        key = list(key or table.primary_key)
        check_keys(table, list(columns), data, key)  # the same rule as engines with keys
        new = self._frame(table, columns, data)
        self._later(table.name, lambda: self._rewrite(table, new, key))
        # The rewrite runs when the transaction ends: what it replaced is not known here.
        return MergeCounts(len(data), None, None, None)

    def _rewrite(self, table: Table, new: Any, key: list[str]) -> None:
        """The rows that stay plus the new ones, materialised, then written over the table."""
        name = self._name(table.name)
        old = self.spark.table(name)
        cond = None
        for k in key:
            c = old[k].eqNullSafe(new[k])
            cond = c if cond is None else cond & c
        keep = old.join(new.select(*key).distinct(), on=cond, how="left_anti")
        combined = keep.unionByName(new).localCheckpoint()
        combined.write.mode("overwrite").insertInto(name, overwrite=True)

    def delete_rows(self, table: str, column: str | None = None,
                    values: Sequence[Any] = ()) -> None:
        def apply() -> None:
            name = self._name(table)
            df = self.spark.table(name)
            keep = df.limit(0) if column is None else df.filter(~df[column].isin(
                list(values)) | df[column].isNull())
            keep.localCheckpoint().write.mode("overwrite").insertInto(name, overwrite=True)

        self._later(table, apply)

    # -- sync state --------------------------------------------------------------------------
    def _ensure_state_table(self) -> None:
        if not self.table_exists(CURSOR_TABLE):
            self.ensure_table(CURSORS)

    def _cursor_rows(self, connector: str) -> list[Any]:
        self._ensure_state_table()
        df = self.spark.table(self._name(CURSOR_TABLE))
        return df.filter(df.connector == connector).collect()

    def get_states(self, connector: str, source: str = "") -> dict[str, str]:
        return {r["stream"]: r["cursor"] for r in self._cursor_rows(connector)
                if r["source"] == source}

    def cursor_sources(self, connector: str) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for r in self._cursor_rows(connector):
            out.setdefault(r["source"], {})[r["stream"]] = r["cursor"]
        return out

    def set_state(self, connector: str, stream: str, cursor: str | None,
                  source: str = "") -> None:
        self._ensure_state_table()
        if cursor is None:
            return
        self.merge(CURSORS, CURSORS.column_names, [(connector, source, stream, cursor)])

    def clear_state(self, connector: str, source: str = "") -> None:
        def apply() -> None:
            name = self._name(CURSOR_TABLE)
            df = self.spark.table(name)
            keep = df.filter((df.connector != connector) | (df.source != source))
            keep.localCheckpoint().write.mode("overwrite").insertInto(name, overwrite=True)

        self._ensure_state_table()
        self._later(CURSOR_TABLE, apply)

    def legacy_states(self, connector: str) -> dict[str, str]:
        if not self.table_exists(STATE_TABLE):
            return {}
        df = self.spark.table(self._name(STATE_TABLE))
        return {r["stream"]: r["cursor"] for r in df.filter(df.connector == connector)
                .collect() if r["cursor"] is not None}

    def clear_legacy_states(self, connector: str) -> None:
        if self.table_exists(STATE_TABLE):
            self.delete_rows(STATE_TABLE, "connector", [connector])

    def qualify(self, name: str) -> str:
        from sqlglot import exp

        return exp.table_(name, db=self.schema, quoted=True).sql(self.dialect)

    def close(self) -> None:
        """The session stays up for the process: starting one takes seconds."""
        if getattr(self, "_file_locks", None) is not None:
            self._file_locks.release_all()
