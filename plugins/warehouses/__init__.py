"""Built-in warehouses, registered by URL scheme like any third-party warehouse plugin."""

from __future__ import annotations

from kpi_engine import hookimpl


def _duckdb(url: str, schema: str | None):
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    return DuckDBWarehouse(url, schema)


@hookimpl
def kpi_register_warehouses(register):
    register("duckdb", _duckdb)
