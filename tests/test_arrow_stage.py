"""DuckDB's staged pages (kpi_engine/warehouses/arrow_stage.py): columns built with their
canonical Arrow types where the values allow, by inference otherwise; either way DuckDB
stores the same values as before."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pyarrow as pa

from kpi_engine.schema import TABLES
from kpi_engine.warehouses.arrow_stage import arrow_table
from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

ORDERS = TABLES["orders"]
COLUMNS = ["order_id", "source", "created_at", "subtotal", "is_test"]


def test_typed_columns_where_the_values_allow():
    page = arrow_table(ORDERS, COLUMNS, [["1", "2"], ["s", "s"],
                                         [datetime(2024, 1, 1), None],
                                         [D("1.5000"), None], [True, False]])
    assert page.schema.field("subtotal").type == pa.decimal128(18, 4)
    assert page.schema.field("created_at").type == pa.timestamp("us")
    assert page.schema.field("is_test").type == pa.bool_()


def test_inference_where_they_do_not():
    aware = datetime(2024, 1, 1, 12, tzinfo=UTC)
    page = arrow_table(ORDERS, COLUMNS, [["1"], ["s"], [aware], [D("1.00005")], [True]])
    assert page.schema.field("subtotal").type != pa.decimal128(18, 4)  # 5 places: inferred
    assert page.schema.field("created_at").type.tz is not None  # aware: inferred


def test_duckdb_stores_the_same_values_either_way(tmp_path):
    wh = DuckDBWarehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        wh.ensure_table(ORDERS)
        rows = [("1", "s", datetime(2024, 1, 1, 10), D("1.5000"), True),
                ("2", "s", datetime(2024, 1, 2, 11), D("2.12345"), False)]  # 2: inferred
        with wh.transaction():
            counts = wh.upsert(ORDERS, COLUMNS, rows)
        assert (counts.rows, counts.inserted) == (2, 2)
        stored = wh.query("SELECT order_id, created_at, subtotal, is_test FROM orders "
                          "ORDER BY order_id").rows
        assert stored == [("1", datetime(2024, 1, 1, 10), D("1.5000"), True),
                          ("2", datetime(2024, 1, 2, 11), D("2.1235"), False)]
        with wh.transaction():  # the typed row again: unchanged
            again = wh.upsert(ORDERS, COLUMNS, rows[:1])
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    finally:
        wh.close()
