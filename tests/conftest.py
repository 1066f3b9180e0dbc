"""Shared fixtures: the hand-made shop in DuckDB, its registry, golden-SQL overwrite flag."""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
from pathlib import Path

# Bytecode caches on, whatever the environment says: with PYTHONDONTWRITEBYTECODE set (as
# on this project's CI machine) every `kpi` process a test starts compiled the package
# from source again (a `kpi eval` 0.99 CPU s instead of 0.78), and each pytest worker
# re-rewrote every test module (collection 15 CPU s instead of 6). __pycache__ is
# git-ignored.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

import pytest

pytest_plugins = (["tests.conftest_warehouses"]
                  if importlib.util.find_spec("tests.conftest_warehouses") else [])

FIXTURES = Path(__file__).parent / "fixtures"
SHOP_SPECS = FIXTURES / "specs"


def pytest_configure(config):
    # Commands run by the tests (in process or as subprocesses) cache their registry in a
    # folder of this run, never in the developer's ~/.cache.
    import tempfile

    if "KPI_ENGINE_CACHE_DIR" not in os.environ:
        os.environ["KPI_ENGINE_CACHE_DIR"] = tempfile.mkdtemp(prefix="kpi-test-cache-")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (it suffixes node ids)
def pytest_collection_modifyitems(config, items):
    """Mark what is slow, and keep every Spark test on one xdist worker so one run starts
    one Spark session (``-n 2 --dist loadgroup``)."""
    for item in items:
        # A Spark engine parameter, or a docs command on a spark:// URL (in its test id).
        params = getattr(getattr(item, "callspec", None), "params", {})
        spark = "spark" in (params.get("engine"), params.get("scheme")) \
            or "spark://" in item.nodeid
        if spark:
            item.add_marker(pytest.mark.spark)
            item.add_marker(pytest.mark.xdist_group("spark"))
        if spark or item.module.__name__.endswith("test_cross_engine"):
            item.add_marker(pytest.mark.slow)
        # Modules whose module-scoped fixture is a whole demo run (or a project loaded into
        # every warehouse): once per run, not once per worker.
        elif item.module.__name__.rsplit(".", 1)[-1] in _SHARED_FIXTURE_MODULES:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    # The Spark group is the longest unit of work one worker takes: handed out first, the
    # other worker runs everything else beside it instead of waiting for it at the end.
    items.sort(key=lambda item: item.get_closest_marker("spark") is None)


_SHARED_FIXTURE_MODULES = {"test_demo_command", "test_demo_data", "test_docs_examples"}


# A worker's heap (imported modules, collected tests, session fixtures, caches) outlives
# every test, yet each full collection of the cyclic garbage collector scanned it again:
# a fifth to a quarter of a worker's CPU time in two samples of modules (freezing gave
# back about half of it). What survives collection and each module is frozen
# (gc.freeze: left out of later collections); what a module makes is still collected.
# The price: a frozen object that later becomes cyclic garbage is not freed (a cache's
# evicted entry), which the workers' peak memory did not show.
def pytest_collection_finish(session):
    _freeze_survivors()


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # after the module's fixtures are finalized
    if nextitem is None or nextitem.module is not item.module:
        _freeze_survivors()


def _freeze_survivors():
    gc.collect()
    gc.freeze()


def pytest_addoption(parser):
    parser.addoption("--overwrite-snapshots", action="store_true", default=False,
                     help="Rewrite golden SQL files under tests/snapshots/ from the compiler.")


# Tests that use their own specs (tests/fixtures/specs) load these plugins, not the catalog.
NO_CATALOG = "files,builtin_warehouses"


@pytest.fixture
def without_catalog(monkeypatch):
    """No catalog pack in this test (the plugin manager follows the variable)."""
    monkeypatch.setenv("KPI_ENGINE_LOAD_PLUGINS", NO_CATALOG)


@pytest.fixture
def overwrite_snapshots(request) -> bool:
    return bool(request.config.getoption("--overwrite-snapshots"))


@pytest.fixture(scope="session")
def shop_registry():
    from kpi_engine.registry import load_registry

    return load_registry([SHOP_SPECS], include_packs=False)


@pytest.fixture
def shop_duckdb():
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    from .shop_data import load_shop

    wh = DuckDBWarehouse("duckdb:///:memory:")
    load_shop(wh)
    yield wh
    wh.close()
