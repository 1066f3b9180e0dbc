"""Every engine stores canonical rows the same way: typed tables, idempotent merges by key,
rollback on failure, sync state."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from kpi_engine.errors import WarehouseError
from kpi_engine.schema import TABLES

from .conftest_warehouses import ENGINES

COLS = ["source", "order_id", "created_at", "subtotal", "status", "is_test"]


def orders_of(wh) -> list[tuple]:
    rows = wh.query(f"SELECT order_id, created_at, subtotal, status, is_test FROM "
                    f"{wh.qualify('orders')} ORDER BY order_id").rows
    return [(o, ts if isinstance(ts, datetime) else datetime.fromisoformat(str(ts)),
             Decimal(str(sub)).quantize(Decimal("0.01")) if sub is not None else None, st,
             bool(t) if t is not None else None) for o, ts, sub, st, t in rows]


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_merge_is_idempotent_and_updates_win(warehouse_factory, engine):
    wh = warehouse_factory(engine)
    t = TABLES["orders"]
    wh.ensure_table(t)
    wh.ensure_table(t)  # a second time is a no-op
    first = [("s", "o1", datetime(2024, 1, 1, 10, 30), Decimal("10.10"), "paid", False),
             ("s", "o2", datetime(2024, 1, 2, 23, 59, 59), Decimal("99999.99"), "paid", None),
             ("s", "o3", datetime(2024, 2, 29), None, "cancelled", True)]
    with wh.transaction():
        assert wh.merge(t, COLS, first) == 3
    with wh.transaction():
        wh.merge(t, COLS, [("s", "o2", datetime(2024, 1, 2, 23, 59, 59), Decimal("5.55"),
                            "refunded", False),
                           ("s", "o4", datetime(2024, 3, 1), Decimal("1"), "paid", False)])
    with wh.transaction():
        wh.merge(t, COLS, [("s", "o4", datetime(2024, 3, 1), Decimal("1"), "paid", False)])
    assert orders_of(wh) == [
        ("o1", datetime(2024, 1, 1, 10, 30), Decimal("10.10"), "paid", False),
        ("o2", datetime(2024, 1, 2, 23, 59, 59), Decimal("5.55"), "refunded", False),
        ("o3", datetime(2024, 2, 29), None, "cancelled", True),
        ("o4", datetime(2024, 3, 1), Decimal("1.00"), "paid", False)]


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_failed_transaction_changes_nothing(warehouse_factory, engine):
    wh = warehouse_factory(engine)
    t = TABLES["orders"]
    wh.ensure_table(t)
    with wh.transaction():
        wh.merge(t, COLS, [("s", "o1", datetime(2024, 1, 1), Decimal("1"), "paid", False)])
    before = orders_of(wh)
    with pytest.raises(RuntimeError), wh.transaction():
        wh.merge(t, COLS, [("s", "o1", datetime(2024, 1, 1), Decimal("7"), "paid", False),
                           ("s", "o9", datetime(2024, 1, 9), Decimal("9"), "paid", False)])
        wh.set_state("files", "orders", "2024-01-09")
        raise RuntimeError("the connector failed mid-run")
    assert orders_of(wh) == before
    assert wh.get_state("files", "orders") is None


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_cursors_are_kept_per_source(warehouse_factory, engine):
    """Two shops of one connector: each source's cursors apart; clearing one (a full
    refresh of that shop) leaves the other's."""
    wh = warehouse_factory(engine)
    with wh.transaction():
        wh.set_state("shopify", "orders", "2025-03-01T00:00:00Z", source="shop-a")
        wh.set_state("shopify", "orders", "2024-06-01T00:00:00Z", source="shop-b")
        wh.set_state("shopify", "customers", "2024-06-02T00:00:00Z", source="shop-b")
    assert wh.get_states("shopify", "shop-a") == {"orders": "2025-03-01T00:00:00Z"}
    assert wh.get_state("shopify", "orders", "shop-b") == "2024-06-01T00:00:00Z"
    assert wh.get_states("shopify") == {}  # no cursor for the connector as a whole
    with wh.transaction():
        wh.set_state("shopify", "orders", "2025-03-02T00:00:00Z", source="shop-a")
        wh.clear_state("shopify", "shop-b")
    assert wh.cursor_sources("shopify") == {"shop-a": {"orders": "2025-03-02T00:00:00Z"}}
    assert wh.legacy_states("shopify") == {}  # no table of an earlier version here


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_sync_state_and_dates(warehouse_factory, engine):
    wh = warehouse_factory(engine)
    with wh.transaction():
        wh.set_state("shopify", "orders", "2024-05-01T00:00:00")
    assert wh.get_state("shopify", "orders") == "2024-05-01T00:00:00"
    with wh.transaction():
        wh.set_state("shopify", "orders", "2024-06-01T00:00:00")
    assert wh.get_state("shopify", "orders") == "2024-06-01T00:00:00"
    with wh.transaction():
        wh.clear_state("shopify")
    assert wh.get_state("shopify", "orders") is None
    t = TABLES["expenses"]
    wh.ensure_table(t)
    with wh.transaction():
        wh.merge(t, ["date", "category", "amount"], [(date(2024, 2, 29), "ops", Decimal("3.5"))])
    value = wh.query(f"SELECT date, amount FROM {wh.qualify('expenses')}").rows[0]
    assert str(value[0])[:10] == "2024-02-29" and float(value[1]) == 3.5


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ["postgresql", "mariadb"])
def test_bad_credentials_never_print_the_password(engine):
    from kpi_engine.warehouses.connect import connect

    url = {"postgresql": "postgresql://nobody:hunter2@127.0.0.1:5432/nodb",
           "mariadb": "mysql://nobody:hunter2@127.0.0.1:3306/nodb"}[engine]
    with pytest.raises(WarehouseError) as info:
        connect(url)
    assert "hunter2" not in str(info.value) and "127.0.0.1" in str(info.value)


def test_unknown_scheme_lists_known_ones():
    from kpi_engine.warehouses.connect import connect

    with pytest.raises(WarehouseError, match="known schemes are .*duckdb.*postgresql"):
        connect("oracle://x")


# -- values that compare equal across engines ---------------------------------------------
# Engines return different Python types for the same stored value: PostgreSQL, MariaDB,
# DuckDB and Spark give Decimal for DECIMAL(18,4) sums, SQLite a float (its NUMERIC is a
# double); MariaDB and SQLite give 0/1 for booleans; SQLite gives ISO text for timestamps.
# `norm` maps them to one form: numbers to float rounded to 6 places, booleans to int,
# timestamp text to datetime. It is meant for tests, not for users' results.

def norm(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal | float):
        return round(float(value), 6)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        return datetime.fromisoformat(value)
    return value


def load_orders(wh, rows) -> None:
    t = TABLES["orders"]
    wh.ensure_table(t)
    with wh.transaction():
        wh.merge(t, COLS, rows)


def run(wh, duckdb_sql: str) -> list[tuple]:
    """A query written once in DuckDB's dialect, run in the warehouse's own."""
    import sqlglot

    sql = sqlglot.transpile(duckdb_sql.replace("{orders}", "orders"), read="duckdb",
                            write=wh.dialect)[0]
    if wh.schema:
        sql = sqlglot.transpile(duckdb_sql.replace("{orders}", f"{wh.schema}.orders"),
                                read="duckdb", write=wh.dialect)[0]
    return [tuple(norm(v) for v in row) for row in wh.query(sql).rows]


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_aggregates_compare_equal_across_engines(warehouse_factory, engine):
    wh = warehouse_factory(engine)
    load_orders(wh, [
        ("s", "o1", datetime(2024, 1, 1, 0, 0), Decimal("0.10"), "paid", False),
        ("s", "o2", datetime(2024, 1, 1, 12, 30), Decimal("0.20"), "paid", False),
        ("s", "o3", datetime(2024, 1, 2, 8, 15, 30), Decimal("19.999"), "refunded", True),
        ("s", "o4", datetime(2024, 1, 3), None, "pending", None),
    ])
    got = run(wh, "SELECT COUNT(*), COUNT(subtotal), SUM(subtotal), MIN(created_at), "
                  "MAX(created_at), SUM(CASE WHEN is_test THEN 1 ELSE 0 END), "
                  "SUM(subtotal) / COUNT(subtotal) FROM {orders} WHERE status <> 'pending'")
    assert got == [(3, 3, 20.299, datetime(2024, 1, 1, 0, 0), datetime(2024, 1, 2, 8, 15, 30),
                    1, 6.766333)]
    by_status = run(wh, "SELECT status, COUNT(*) AS n, SUM(subtotal) AS s FROM {orders} "
                        "GROUP BY status ORDER BY status")
    assert by_status == [("paid", 2, 0.3), ("pending", 1, None), ("refunded", 1, 19.999)]


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_empty_keys_are_refused_new_columns_and_ddl_inside_a_transaction(warehouse_factory,
                                                                          engine):
    from kpi_engine.schema import Column, Table

    wh = warehouse_factory(engine)
    small = Table("kpi_custom", "one thing", ("source", "thing_id"),
                  (Column("source", "string"), Column("thing_id", "string"),
                   Column("amount", "decimal")))
    wider = Table("kpi_custom", "one thing", small.primary_key,
                  (*small.columns, Column("seen_at", "timestamp"), Column("n", "integer")))
    cols = ["source", "thing_id", "amount"]
    with wh.transaction():  # MySQL would commit on DDL: it runs on a side connection
        wh.ensure_table(small)
        wh.merge(small, cols, [("s", "a", Decimal("1"))])
    # Key columns are NOT NULL (a PRIMARY KEY): a row without its key is refused, whole.
    with pytest.raises(WarehouseError, match="1 row.* no value in key column 'source'"), \
            wh.transaction():
        wh.merge(small, cols, [("s", "b", Decimal("5")), (None, "a", Decimal("2"))])
    with wh.transaction():
        wh.merge(small, cols, [("s", "a", Decimal("2"))])
    wh.ensure_table(wider)
    with wh.transaction():
        wh.merge(wider, ["source", "thing_id", "amount", "seen_at", "n"],
                 [("x", "a", Decimal("3.0001"), datetime(2024, 1, 1), 4)])
    rows = wh.query(f"SELECT source, thing_id, amount, seen_at, n FROM "
                    f"{wh.qualify('kpi_custom')} ORDER BY amount").rows
    assert [tuple(norm(v) for v in r) for r in rows] == [
        ("s", "a", 2.0, None, None), ("x", "a", 3.0001, datetime(2024, 1, 1), 4)]


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_a_large_page_merges_in_batches(warehouse_factory, engine):
    wh = warehouse_factory(engine)
    rows = [("s", f"o{i:05d}", datetime(2024, 1, 1), Decimal(i) / 100, "paid", False)
            for i in range(2500)]
    load_orders(wh, rows)
    load_orders(wh, rows[1000:])  # a re-run of the later pages
    assert run(wh, "SELECT COUNT(*), COUNT(DISTINCT order_id), SUM(subtotal) "
                   "FROM {orders}") == [(2500, 2500, 31237.5)]


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ["sqlite", "postgresql", "mariadb", "spark"])
def test_loose_values_are_stored_as_their_logical_type(warehouse_factory, engine):
    """The sync engine coerces rows before merge; these warehouses also accept what an API
    gives (ISO text, aware datetimes, floats for money) and store the canonical value."""
    from datetime import timedelta, timezone

    wh = warehouse_factory(engine)
    ict = timezone(timedelta(hours=7))
    load_orders(wh, [("s", "o1", datetime(2024, 1, 1, 7, 0, tzinfo=ict), 19.999, "paid", "false"),
                     ("s", "o2", "2024-01-01T12:30:00Z", "0.00005", "paid", 1)])
    assert run(wh, "SELECT order_id, created_at, subtotal, is_test FROM {orders} "
                   "ORDER BY order_id") == [("o1", datetime(2024, 1, 1), 19.999, 0),
                                            ("o2", datetime(2024, 1, 1, 12, 30), 0.0001, 1)]


# -- connection errors ---------------------------------------------------------------------

@pytest.mark.parametrize("url", ["postgresql://kpi:s3cret-pw@127.0.0.1:9/shop",
                                 "mysql://kpi:s3cret-pw@127.0.0.1:9/shop"])
def test_connection_refused_names_host_and_port_not_password(url):
    from kpi_engine.warehouses.connect import connect

    with pytest.raises(WarehouseError) as info:
        connect(url)
    message = str(info.value)
    assert "127.0.0.1:9" in message and "s3cret" not in message and "\n" not in message


@pytest.mark.parametrize(("scheme", "module", "extra"), [
    ("postgresql", "psycopg", "postgres"), ("postgres", "psycopg", "postgres"),
    ("mysql", "pymysql", "mysql"), ("mariadb", "pymysql", "mysql"),
    ("spark", "pyspark", "spark")])
def test_a_missing_driver_says_what_to_install(monkeypatch, scheme, module, extra):
    import sys

    from kpi_engine.warehouses.connect import connect

    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    with pytest.raises(WarehouseError, match=rf"pip install 'commerce-kpi-engine\[{extra}\]'"):
        connect(f"{scheme}://u@127.0.0.1:9/db")


def test_every_scheme_is_registered():
    from kpi_engine.extensions import extensions

    assert {"duckdb", "sqlite", "postgresql", "postgres", "mysql", "mariadb",
            "spark"} <= set(extensions().warehouses)


# -- primary keys ---------------------------------------------------------------------------

KEYED_ENGINES = ["duckdb", "sqlite", "postgresql", "mariadb"]  # Spark's Parquet has none


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", KEYED_ENGINES)
def test_the_key_is_a_constraint_of_the_table(warehouse_factory, engine):
    """Not only merge keeps keys unique: the database refuses a second row with a key, so
    no writer (a concurrent sync, a user's INSERT) can store one twice."""
    wh = warehouse_factory(engine)
    load_orders(wh, [("s", "o1", datetime(2024, 1, 1), Decimal("1"), "paid", False)])
    with pytest.raises(WarehouseError):
        wh.execute(f"INSERT INTO {wh.qualify('orders')} (source, order_id, status) "
                   "VALUES ('s', 'o1', 'paid')")
    with pytest.raises(WarehouseError):
        wh.execute(f"INSERT INTO {wh.qualify('orders')} (order_id) VALUES ('o2')")
    assert run(wh, "SELECT COUNT(*) FROM {orders}") == [(1,)]


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", KEYED_ENGINES)
def test_a_table_from_before_keys_gets_its_key_or_a_clear_refusal(warehouse_factory, engine):
    from kpi_engine.schema import Column, Table

    wh = warehouse_factory(engine)
    cols = (Column("source", "string"), Column("thing_id", "string"),
            Column("amount", "decimal"))
    keyed = Table("kpi_keyed", "one thing", ("source", "thing_id"), cols)
    name = wh.qualify("kpi_keyed")
    # As an earlier version made it: key columns without a constraint.
    wh.execute(f"CREATE TABLE {name} (source VARCHAR(191), thing_id VARCHAR(191), "
               "amount DECIMAL(18, 4))")
    wh.execute(f"INSERT INTO {name} VALUES ('s', 'a', 1), ('s', 'a', 2), ('s', 'b', 3)")
    with pytest.raises(WarehouseError, match=r"'kpi_keyed' has 1 repeated and 0 empty key"
                                             r".*docs/warehouses.md"):
        wh.ensure_table(keyed)
    wh.execute(f"DELETE FROM {name} WHERE amount = 2")
    with wh.transaction():  # as an atomic load does it (MySQL: DDL on a side connection)
        wh.ensure_table(keyed)  # no repeated key left: the key is added
        counts = wh.upsert(keyed, ["source", "thing_id", "amount"],
                           [("s", "d", Decimal("7"))])
    assert counts.inserted == 1
    with pytest.raises(WarehouseError):
        wh.execute(f"INSERT INTO {name} VALUES ('s', 'b', 4)")
    wh.execute(f"DELETE FROM {name} WHERE thing_id = 'd'")
    with wh.transaction():
        counts = wh.upsert(keyed, ["source", "thing_id", "amount"],
                           [("s", "a", Decimal("1")), ("s", "b", Decimal("5")),
                            ("s", "c", Decimal("6"))])
    assert (counts.rows, counts.inserted, counts.updated, counts.unchanged) == (3, 1, 1, 1)
    rows = wh.query(f"SELECT thing_id, amount FROM {name} ORDER BY thing_id").rows
    assert [(k, norm(v)) for k, v in rows] == [("a", 1.0), ("b", 5.0), ("c", 6.0)]
