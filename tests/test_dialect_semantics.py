"""Spec functions mean what they mean in DuckDB (the specs' dialect) on every engine we
run: boundary-counting date_diff and float division, checked on the real engines."""

from __future__ import annotations

import sqlite3

import pytest
import sqlglot

from kpi_engine.compiler.dialects import adapter_for

CASES = [("2025-01-01 10:00:59", "2025-01-01 10:01:00"),
         ("2025-01-01 10:00:01", "2025-01-01 10:00:59"),
         ("2025-01-01 23:59:59", "2025-01-02 00:00:01"),
         ("2025-01-01 10:00:00.9", "2025-01-01 10:00:01.1")]


def duckdb_value(sql: str):
    import duckdb

    return duckdb.connect().execute("SELECT " + sql).fetchall()[0][0]


@pytest.mark.parametrize("unit", ["second", "minute", "hour", "day"])
@pytest.mark.parametrize("start, end", CASES)
def test_date_diff_counts_boundaries_everywhere(unit, start, end, warehouse_factory):
    spec = f"date_diff('{unit}', CAST('{start}' AS TIMESTAMP), CAST('{end}' AS TIMESTAMP))"
    want = duckdb_value(sqlglot.parse_one(spec, read="duckdb").sql("duckdb"))
    lite = sqlglot.parse_one(f"date_diff('{unit}', '{start}', '{end}')", read="duckdb")
    got_sqlite = sqlite3.connect(":memory:").execute(
        "SELECT " + adapter_for("sqlite").rewrite(lite).sql("sqlite")).fetchone()[0]
    assert got_sqlite == want
    for engine, dialect in (("mariadb", "mysql"), ("postgresql", "postgres")):
        wh = warehouse_factory(engine)
        tree = sqlglot.parse_one(spec.replace("AS TIMESTAMP", "AS TIMESTAMP(6)")
                                 if engine == "mariadb" else spec, read="duckdb")
        sql = adapter_for(dialect).rewrite(tree).sql(dialect)
        assert int(wh.query("SELECT " + sql).rows[0][0]) == want, (engine, sql)


@pytest.mark.parametrize("engine, dialect", [("mariadb", "mysql"), ("postgresql", "postgres"),
                                             ("sqlite", "sqlite")])
def test_division_is_float_and_null_on_zero(engine, dialect, warehouse_factory):
    wh = warehouse_factory(engine)
    a = adapter_for(dialect)
    tree = a.guard_divisions(sqlglot.parse_one("(7 / 2) + 0 * (1 / 0)", read="duckdb"))
    assert wh.query("SELECT " + tree.sql(dialect)).rows[0][0] is None
    half = a.guard_divisions(sqlglot.parse_one("7 / 2", read="duckdb"))
    assert float(wh.query("SELECT " + half.sql(dialect)).rows[0][0]) == 3.5
