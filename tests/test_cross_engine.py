"""The same numbers everywhere: one dataset loaded through the files connector into DuckDB,
SQLite, PostgreSQL, MariaDB and Spark; every shipped metric evaluated whole and broken down
by a dimension, at day, week, month and quarter grains spread over the engines (see
``covered``); every engine agrees with DuckDB
to a relative tolerance of 1e-6 (engines differ in float summation order and decimal
scale, not in results).

Every shipped metric runs on every engine (medians and percentiles included: MySQL/MariaDB
and SQLite compute them from row numbers); the test fails if one stops compiling there.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from kpi_engine.compiler.request import Request
from kpi_engine.errors import CompileError, KpiError
from kpi_engine.evaluate import evaluate
from kpi_engine.registry import load_registry
from kpi_engine.sync.engine import run_sync

START, DAYS = date(2025, 3, 1), 61
SINCE, UNTIL = date(2025, 3, 10), date(2025, 4, 25)
TIMEZONE = "Asia/Ho_Chi_Minh"
GRAINS = ("day", "week", "month", "quarter")
OTHERS = ("sqlite", "postgresql", "mariadb", "spark")


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from kpi_engine.demo.generate import generate_demo

    folder = tmp_path_factory.mktemp("cross-engine-data")
    generate_demo(folder, seed=11, start=START, days=DAYS)
    return folder


def unsupported(registry, engine: str) -> dict[str, str]:
    """Metrics that cannot run on ``engine``, with the reason."""
    if engine not in ("sqlite", "mariadb"):
        return {}
    out = {}
    for name in registry.metrics:
        try:
            from kpi_engine.compiler.compiler import compile_request

            compile_request(registry, Request(metrics=(name,), dialect={
                "sqlite": "sqlite", "mariadb": "mysql"}[engine]))
        except CompileError as exc:
            out[name] = str(exc)
    return out


def breakdown_groups(registry) -> dict[str | None, list[str]]:
    """Each metric once without a breakdown, and once by the first dimension it has."""
    from kpi_engine.compiler.compiler import compile_request

    groups: dict[str | None, list[str]] = defaultdict(list)
    dims = sorted({d.name for s in registry.sources.values() for d in s.dimensions})
    for name in sorted(registry.metrics):
        groups[None].append(name)
        for dim in dims:
            try:
                compile_request(registry, Request(metrics=(name,), dimensions=(dim,)))
            except CompileError:
                continue
            groups[dim].append(name)
            break
    return groups


def covered(engine: str, grain: str, dim: str | None, dims: list, metrics: list[str]
            ) -> list[str]:
    """The metrics an engine evaluates for one (grain, breakdown).

    Each engine runs each metric once unbroken, at a grain rotating over the metrics, and
    each breakdown once with all its metrics, at a grain rotating over the breakdowns. The
    rotation starts one grain further on each engine, so that across the four engines
    every metric is compared at every grain, and each engine still compares every metric,
    every grain and every breakdown. The whole matrix on every engine took most of CI's
    time: Spark spends about 0.5 s of CPU planning each metric of a statement, and MariaDB
    runs these wide statements slowest of the servers."""
    shift = OTHERS.index(engine)
    if dim is None:
        return [m for i, m in enumerate(metrics) if GRAINS[(i + shift) % len(GRAINS)] == grain]
    named = sorted(d for d in dims if d)
    if GRAINS[(named.index(dim) + shift) % len(GRAINS)] != grain:
        return []
    # Spark plans each metric of a statement for about half a second: a breakdown there
    # takes a spread of its metrics (each metric already ran whole on Spark above).
    step = -(-len(metrics) // SPARK_BREAKDOWN_METRICS)
    return metrics[::step] if engine == "spark" else metrics


SPARK_BREAKDOWN_METRICS = 8


def evaluate_all(registry, wh, metrics: list[str], grain: str, dim: str | None):
    """{(period, dim value): {metric: value}}, one statement for all metrics."""
    request = Request(metrics=tuple(metrics), grain=grain, since=SINCE, until=UNTIL,
                      timezone=TIMEZONE, dimensions=(dim,) if dim else ())
    records = evaluate(registry, request, wh)
    return {(r.get("period"), r.get(dim) if dim else None): r for r in records}


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    x, y = float(a), float(b)
    return math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-6)


def normal_key(key):
    period, value = key
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float | Decimal) and float(value) == int(value):
        value = int(value)
    return period, None if value is None else str(value)


@pytest.fixture(scope="module")
def groups(registry):
    return breakdown_groups(registry)


@pytest.fixture(scope="module")
def duckdb_results(registry, data_dir):
    """``expected(metrics, grain, dim)``: DuckDB's rows for exactly that request (a
    breakdown's rows are the slices where any of its metrics has data, so an engine is
    compared with DuckDB evaluating the same metrics)."""
    from kpi_engine.warehouses.connect import connect

    wh = connect("duckdb:///:memory:")
    run_sync("files", wh, {"path": str(data_dir), "source": "demo"})
    memo: dict[tuple, dict] = {}

    def expected(metrics: list[str], grain: str, dim: str | None) -> dict:
        key = (tuple(metrics), grain, dim)
        if key not in memo:
            memo[key] = evaluate_all(registry, wh, metrics, grain, dim)
        return memo[key]

    yield expected
    wh.close()


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", OTHERS)
def test_engine_agrees_with_duckdb(registry, data_dir, groups, duckdb_results,
                                   warehouse_factory, engine):
    wh = warehouse_factory(engine)
    report = run_sync("files", wh, {"path": str(data_dir), "source": "demo"})
    assert report.rows["orders"] > 100
    skip = unsupported(registry, engine)
    assert not skip, f"shipped metrics that cannot run on {engine}: {skip}"
    mismatches: list[str] = []
    compared = 0
    for grain in GRAINS:
        for dim in groups:
            metrics = covered(engine, grain, dim, list(groups),
                              [m for m in groups[dim] if m not in skip])
            if not metrics:
                continue
            try:
                got = evaluate_all(registry, wh, metrics, grain, dim)
            except KpiError as exc:
                pytest.fail(f"{engine} {grain} by {dim}: {exc}")
            want = duckdb_results(metrics, grain, dim)
            want_n = {normal_key(k): v for k, v in want.items()}
            got_n = {normal_key(k): v for k, v in got.items()}
            assert set(got_n) == set(want_n), f"{engine} {grain} by {dim}: different rows"
            keys = list(got_n)
            assert keys == sorted(keys, key=lambda k: (k[0] or "", k[1] is None)), (
                f"{engine} {grain} by {dim}: rows not in period order with NULLs last")
            for key, row in want_n.items():
                for m in metrics:
                    compared += 1
                    if not same(row[m], got_n[key][m]):
                        mismatches.append(f"{m} {grain} {dim}={key}: duckdb {row[m]!r}, "
                                          f"{engine} {got_n[key][m]!r}")
    assert not mismatches, f"{len(mismatches)} of {compared} differ:\n" + "\n".join(
        mismatches[:30])
    assert compared > 2_000


def test_unsupported_metrics_are_documented(registry):
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "warehouses.md").read_text()
    for engine in ("sqlite", "mariadb"):
        for name in unsupported(registry, engine):
            assert f"`{name}`" in doc, f"docs/warehouses.md must list {name} for {engine}"


assert SINCE - START < timedelta(days=DAYS)
