"""Fresh, empty warehouses of every engine for tests: ``warehouse_factory("postgresql")``.

Server engines use the PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306) that this
machine and CI run, each test in its own schema/database, dropped afterwards. When a server
is unreachable its tests skip, unless ``KPI_REQUIRE_WAREHOUSES`` is set (as in CI): then
they fail. Spark starts once per test session (it takes seconds).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from kpi_engine.errors import WarehouseError
from kpi_engine.warehouses.base import Warehouse

POSTGRES_URL = os.environ.get("KPI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("KPI_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
SPARK_URL = "spark://local[2]"
ENGINES = ("duckdb", "sqlite", "postgresql", "mariadb", "spark")


def unavailable(engine: str, reason: str) -> None:
    """Skip, or fail when real warehouses are required."""
    message = f"{engine} is not available here: {reason}"
    if os.environ.get("KPI_REQUIRE_WAREHOUSES"):
        pytest.fail(message + " (KPI_REQUIRE_WAREHOUSES is set)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def spark_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("spark-warehouse"))


@pytest.fixture
def warehouse_factory(tmp_path, spark_dir) -> Iterator[Callable[[str], Warehouse]]:
    made: list[tuple[Warehouse, Callable[[], None]]] = []

    def make(engine: str) -> Warehouse:
        name = f"kpi_test_{uuid.uuid4().hex[:10]}"
        try:
            wh, cleanup = _open(engine, name, tmp_path, spark_dir)
        except (WarehouseError, ImportError) as exc:
            unavailable(engine, str(exc))
            raise
        made.append((wh, cleanup))
        return wh

    yield make
    for wh, cleanup in made:
        try:
            cleanup()
        finally:
            wh.close()


def _open(engine: str, name: str, tmp_path, spark_dir) -> tuple[Warehouse, Callable[[], None]]:
    from kpi_engine.warehouses.connect import connect

    if engine == "duckdb":
        return connect("duckdb:///:memory:"), lambda: None
    if engine == "sqlite":
        return connect(f"sqlite:///{tmp_path / (name + '.db')}"), lambda: None
    if engine == "postgresql":
        wh = connect(POSTGRES_URL, name)
        return wh, lambda: wh.execute(f"DROP SCHEMA IF EXISTS {_quoted(name, wh)} CASCADE")
    if engine == "mariadb":
        wh = connect(MYSQL_URL, name)
        return wh, lambda: wh.execute(f"DROP DATABASE IF EXISTS {_quoted(name, wh)}")
    if engine == "spark":
        wh = connect(f"{SPARK_URL}?warehouse_dir={spark_dir}", name)
        return wh, lambda: wh.execute(f"DROP DATABASE IF EXISTS {_quoted(name, wh)} CASCADE")
    raise ValueError(engine)


def _quoted(name: str, wh: Warehouse) -> str:
    """A schema name quoted by sqlglot for the warehouse's dialect (never by hand)."""
    from sqlglot import exp

    return exp.to_identifier(name, quoted=True).sql(wh.dialect)
