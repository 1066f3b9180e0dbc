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
