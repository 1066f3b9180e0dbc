"""The demo store's data: deterministic, complete, consistent and realistic."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from kpi_engine import schema
from kpi_engine.demo.generate import generate_demo
from kpi_engine.demo.writer import ARROW_TYPES

START = date(2025, 1, 1)
DAYS = 365


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_demo(tmp_path_factory.mktemp("demo"), seed=7, start=START, days=DAYS)


@pytest.fixture(scope="module")
def con(demo: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    db.execute("SET TimeZone = 'UTC'")
    for name, path in demo.items():
        db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    return db


def one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def _bytes(paths: dict[str, Path]) -> dict[str, bytes]:
    return {name: path.read_bytes() for name, path in paths.items()}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = generate_demo(tmp_path / "a", seed=3, days=45)
    second = generate_demo(tmp_path / "b", seed=3, days=45)
    assert _bytes(first) == _bytes(second)


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    first = _bytes(generate_demo(tmp_path / "a", seed=3, days=45))
    other = _bytes(generate_demo(tmp_path / "b", seed=4, days=45))
    assert first["sessions"] != other["sessions"]
    assert first["orders"] != other["orders"]


@pytest.mark.slow  # two fresh interpreters, one per PYTHONHASHSEED
def test_output_does_not_depend_on_string_hashing(tmp_path: Path) -> None:
    """No set iteration order leaks into the files (PYTHONHASHSEED varies per process)."""
    code = ("import sys, pathlib; from kpi_engine.demo.generate import generate_demo; "
            "generate_demo(pathlib.Path(sys.argv[1]), days=20)")
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / hash_seed)], env=env,
                       check=True)
    names = sorted(p.name for p in (tmp_path / "1").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "2").iterdir())
    for name in names:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_every_table_gets_a_file_with_its_columns_and_types(demo: dict[str, Path]) -> None:
    assert set(demo) == set(schema.TABLES)
    for name, table in schema.TABLES.items():
        path = demo[name]
        assert path.name == f"{name}.parquet"
        arrow = pq.read_schema(path)
        assert tuple(arrow.names) == table.column_names, name
        for col in table.columns:
            assert arrow.field(col.name).type == ARROW_TYPES[col.type], (name, col.name)
        assert pq.read_metadata(path).num_rows > 0, name


def test_timestamps_and_dates_fall_in_the_window(con: duckdb.DuckDBPyConnection) -> None:
    lo, hi = datetime(2025, 1, 1), datetime(2025, 1, 1) + timedelta(days=DAYS)
    for name, table in schema.TABLES.items():
        for col in table.columns:
            if col.type not in ("timestamp", "date"):
                continue
            low, high = con.execute(f"SELECT min({col.name}), max({col.name}) FROM {name}"
                                    ).fetchone()
            if low is None:
                continue
            if col.type == "date":
                low, high = datetime.combine(low, datetime.min.time()), datetime.combine(
                    high, datetime.min.time())
            assert lo <= low and high < hi, (name, col.name, low, high)


def test_source_is_demo_except_for_traffic_sources(con: duckdb.DuckDBPyConnection) -> None:
    for name, table in schema.TABLES.items():
        if name == "sessions" or "source" not in table.column_names:
            continue
        assert con.execute(f"SELECT DISTINCT source FROM {name}").fetchall() == [("demo",)]
    assert one(con, "SELECT count(*) FROM sessions WHERE source = 'demo'") == 0
    assert one(con, "SELECT count(DISTINCT source) FROM sessions") >= 5


def test_primary_keys_are_unique(con: duckdb.DuckDBPyConnection) -> None:
    for name, table in schema.TABLES.items():
        key = ", ".join(table.primary_key)
        dupes = one(con, f"SELECT count(*) FROM (SELECT {key} FROM {name} GROUP BY {key} "
                         "HAVING count(*) > 1)")
        assert dupes == 0, name


def test_referential_integrity(con: duckdb.DuckDBPyConnection) -> None:
    orphans = {
        "order_lines": "SELECT count(*) FROM order_lines WHERE order_id NOT IN "
                       "(SELECT order_id FROM orders)",
        "refunds": "SELECT count(*) FROM refunds WHERE order_id NOT IN "
                   "(SELECT order_id FROM orders)",
        "checkouts": "SELECT count(*) FROM checkouts WHERE order_id IS NOT NULL AND "
                     "order_id NOT IN (SELECT order_id FROM orders)",
        "order customers": "SELECT count(*) FROM orders WHERE customer_id IS NOT NULL AND "
                           "customer_id NOT IN (SELECT customer_id FROM customers)",
        "line variants": "SELECT count(*) FROM order_lines WHERE variant_id NOT IN "
                         "(SELECT variant_id FROM products)",
        "ticket requesters": "SELECT count(*) FROM tickets WHERE requester_id NOT IN "
                             "(SELECT customer_id FROM customers)",
        "survey tickets": "SELECT count(*) FROM survey_responses WHERE ticket_id NOT IN "
                          "(SELECT ticket_id FROM tickets)",
        "review products": "SELECT count(*) FROM reviews WHERE product_id NOT IN "
                           "(SELECT product_id FROM products)",
        "competitor products": "SELECT count(*) FROM competitor_prices WHERE product_id "
                               "NOT IN (SELECT product_id FROM products)",
    }
    for what, sql in orphans.items():
        assert one(con, sql) == 0, what
    # a completed checkout is its order's, and completes when the order is placed
    assert one(con, "SELECT count(*) FROM checkouts c JOIN orders o USING (order_id) "
                    "WHERE c.completed_at <> o.created_at OR c.created_at > o.created_at") == 0


def test_order_totals_are_consistent(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM orders WHERE total <> subtotal - discounts "
                    "+ shipping + tax") == 0
    assert one(con, """
        SELECT count(*) FROM orders o
        JOIN (SELECT order_id, sum(quantity * unit_price) AS items, sum(discount) AS disc
              FROM order_lines GROUP BY order_id) l USING (order_id)
        WHERE o.subtotal <> l.items OR o.discounts <> l.disc""") == 0
    assert one(con, "SELECT count(*) FROM orders WHERE order_id NOT IN "
                    "(SELECT order_id FROM order_lines)") == 0
    assert one(con, """
        SELECT count(*) FROM orders o
        LEFT JOIN (SELECT order_id, sum(amount) AS amount FROM refunds GROUP BY order_id) r
        USING (order_id) WHERE o.refunded <> coalesce(r.amount, 0)""") == 0
    assert one(con, "SELECT count(*) FROM orders WHERE refunded > total") == 0


def test_conversion_and_cart_abandonment_are_realistic(
        con: duckdb.DuckDBPyConnection) -> None:
    conversion = one(con, "SELECT avg(purchased::int) FROM sessions")
    assert 0.015 <= conversion <= 0.04
    abandonment = one(con, "SELECT 1 - count(completed_at) / count(*) FROM checkouts")
    assert 0.60 <= abandonment <= 0.80
    add_to_cart = one(con, "SELECT avg(added_to_cart::int) FROM sessions")
    assert 0.05 <= add_to_cart <= 0.08
    # web orders are the purchasing sessions; session revenue is their order's total
    assert one(con, "SELECT count(*) FROM sessions WHERE purchased") == one(
        con, "SELECT count(*) FROM orders WHERE channel = 'website' AND NOT is_test")


def test_the_store_looks_like_a_small_real_one(con: duckdb.DuckDBPyConnection) -> None:
    assert 90_000 <= one(con, "SELECT count(*) FROM sessions") <= 110_000
    assert 0.55 <= one(con, "SELECT avg((device_category = 'mobile')::int) FROM sessions"
                       ) <= 0.65
    assert 0.55 <= one(con, "SELECT avg(engaged::int) FROM sessions") <= 0.65
    assert 2_500 <= one(con, "SELECT count(*) FROM orders") <= 3_500
    assert 35 <= one(con, "SELECT count(*) FROM products") <= 45
    repeat = one(con, """SELECT avg((n > 1)::int) FROM (SELECT customer_id, count(*) AS n
                         FROM orders WHERE customer_id IS NOT NULL GROUP BY 1)""")
    assert 0.2 <= repeat <= 0.35
    statuses = dict(con.execute("SELECT status, count(*) / (SELECT count(*) FROM orders) "
                                "FROM orders GROUP BY 1").fetchall())
    assert 0.01 <= statuses["cancelled"] <= 0.05 and statuses["fulfilled"] > 0.8
    assert {r[0] for r in con.execute("SELECT DISTINCT channel FROM orders").fetchall()} == {
        "website", "facebook", "shopee", "lazada", "phone", "sales_rep", "edi"}
    roas = one(con, "SELECT sum(conversion_value) / sum(spend) FROM ad_spend")
    assert 2 <= roas <= 4
    assert one(con, "SELECT count(*) FROM tickets WHERE solved_at IS NULL "
                    "AND assignee_id IS NULL") > 0
    assert one(con, "SELECT count(*) FROM tickets WHERE solved_at IS NULL "
                    "AND assignee_id IS NOT NULL") > 0
    assert one(con, "SELECT count(*) FROM inventory_snapshots WHERE on_hand < 0") == 0


def test_this_module_runs_on_one_xdist_worker(request):
    """``--dist loadgroup`` keeps a group on one worker by a suffix pytest-xdist adds to
    node ids; with a pytest that ignores it, this module's fixtures (and Spark) would be
    built on every worker."""
    in_xdist = os.environ.get("PYTEST_XDIST_WORKER") and request.config.getvalue("loadgroup")
    if in_xdist or os.environ.get("KPI_GROUPING_CHILD"):  # the child never starts another
        assert request.node.nodeid.endswith("@tests.test_demo_data")
        return
    # Run without xdist (-n 0): check the same thing in a child run with the documented
    # options, where the branch above does the asserting.
    child = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup",
         "-p", "no:cacheprovider", f"{__file__}::{request.node.originalname}"],
        cwd=Path(__file__).parent.parent, capture_output=True, text=True, timeout=300,
        env={**os.environ, "KPI_GROUPING_CHILD": "1"})
    assert child.returncode == 0 and "1 passed" in child.stdout, child.stdout + child.stderr
