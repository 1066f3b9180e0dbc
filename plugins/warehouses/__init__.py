"""Built-in warehouses, registered by URL scheme like any third-party warehouse plugin."""

from __future__ import annotations

from kpi_engine import hookimpl


def _duckdb(url: str, schema: str | None, create: bool = True):
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    return DuckDBWarehouse(url, schema, create=create)


def _sqlite(url: str, schema: str | None, create: bool = True):
    from kpi_engine.warehouses.sqlite_warehouse import SQLiteWarehouse

    return SQLiteWarehouse(url, schema, create=create)


def _postgres(url: str, schema: str | None, create: bool = True):
    _require("psycopg", "postgres")
    from kpi_engine.warehouses.postgres_warehouse import PostgresWarehouse

    return PostgresWarehouse(url, schema, create=create)


def _mysql(url: str, schema: str | None, create: bool = True):
    _require("pymysql", "mysql")
    from kpi_engine.warehouses.mysql_warehouse import MySQLWarehouse

    return MySQLWarehouse(url, schema, create=create)


def _spark(url: str, schema: str | None, create: bool = True):
    _require("pyspark", "spark")
    from kpi_engine.warehouses.spark_warehouse import SparkWarehouse

    return SparkWarehouse(url, schema, create=create)


def _require(module: str, extra: str) -> None:
    """A missing driver is one line saying what to install."""
    import importlib.util

    from kpi_engine.errors import WarehouseError

    if importlib.util.find_spec(module) is None:
        raise WarehouseError(f"the {module} driver is not installed: "
                             f"pip install 'commerce-kpi-engine[{extra}]'")


@hookimpl
def kpi_register_warehouses(register):
    register("duckdb", _duckdb)
    register("sqlite", _sqlite)
    for scheme in ("postgresql", "postgres"):
        register(scheme, _postgres)
    for scheme in ("mysql", "mariadb"):
        register(scheme, _mysql)
    register("spark", _spark)
