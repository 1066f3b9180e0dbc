"""Property tests: on random stores, the engine agrees with a direct Python computation,
whatever the grain, timezone or breakdown."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_engine.compiler.request import Request
from kpi_engine.compiler.timeline import truncate
from kpi_engine.evaluate import evaluate
from kpi_engine.schema import TABLES
from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

START = datetime(2023, 12, 25)
order = st.tuples(
    st.integers(0, 60 * 24 * 120),  # minutes after START
    st.sampled_from(["web", "fb", None]),
    st.decimals(0, 500, places=2),
    st.sampled_from(["paid", "cancelled", "fulfilled"]),
)


@pytest.fixture(scope="module")
def registry():
    from kpi_engine.registry import load_registry

    from .conftest import SHOP_SPECS

    # Wrapped so hypothesis does not print the whole registry on failure.
    return [load_registry([SHOP_SPECS], include_packs=False)]


@pytest.fixture(scope="module")
def warehouse():
    wh = DuckDBWarehouse("duckdb:///:memory:")
    wh.ensure_table(TABLES["orders"])
    yield wh
    wh.close()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    orders=st.lists(order, max_size=40),
    grain=st.sampled_from(["day", "week", "month", "quarter"]),
    tz=st.sampled_from(["UTC", "Asia/Ho_Chi_Minh", "Asia/Tehran", "Europe/Berlin"]),
    by_channel=st.booleans(),
)
def test_sums_counts_and_ratios_match_python(registry, warehouse, orders, grain, tz, by_channel):
    warehouse.execute("DELETE FROM orders")
    rows = [
        ("p", f"o{i}", ch, "c", START + timedelta(minutes=m), amount, Decimal(0), st_, False)
        for i, (m, ch, amount, st_) in enumerate(orders)
    ]
    with warehouse.transaction():
        warehouse.merge(
            TABLES["orders"],
            [
                "source",
                "order_id",
                "channel",
                "customer_id",
                "created_at",
                "subtotal",
                "discounts",
                "status",
                "is_test",
            ],
            rows,
        )
    shop_registry = registry[0]
    zone, utc = ZoneInfo(tz), ZoneInfo("UTC")
    expected: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0])
    for _, _, ch, _, ts, amount, _, status, _ in rows:
        if status == "cancelled":
            continue
        local = ts.replace(tzinfo=utc).astimezone(zone).replace(tzinfo=None)
        key = (truncate(local, grain).date().isoformat(),) + ((ch,) if by_channel else ())
        expected[key][0] += amount
        expected[key][1] += 1
    records = evaluate(
        shop_registry,
        Request(
            metrics=("gross_sales", "orders", "avg_order_subtotal"),
            grain=grain,
            timezone=tz,
            dimensions=("channel",) if by_channel else (),
        ),
        warehouse,
    )
    got = {(r["period"],) + ((r["channel"],) if by_channel else ()): r for r in records}
    assert set(got) == set(expected)
    for key, (total, count) in expected.items():
        assert Decimal(str(got[key]["gross_sales"])) == total
        assert got[key]["orders"] == count
        assert float(got[key]["avg_order_subtotal"]) == pytest.approx(float(total / count))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(orders=st.lists(order, min_size=1, max_size=30))
def test_grain_all_equals_sum_of_months(registry, warehouse, orders):
    shop_registry = registry[0]
    warehouse.execute("DELETE FROM orders")
    rows = [
        ("p", f"o{i}", ch, "c", START + timedelta(minutes=m), amount, Decimal(0), s, False)
        for i, (m, ch, amount, s) in enumerate(orders)
    ]
    with warehouse.transaction():
        warehouse.merge(
            TABLES["orders"],
            [
                "source",
                "order_id",
                "channel",
                "customer_id",
                "created_at",
                "subtotal",
                "discounts",
                "status",
                "is_test",
            ],
            rows,
        )
    span = dict(since=date(2023, 12, 1), until=date(2024, 6, 1))
    months = evaluate(
        shop_registry,
        Request(metrics=("gross_sales", "avg_order_subtotal"), grain="month", **span),
        warehouse,
    )
    total = evaluate(
        shop_registry,
        Request(metrics=("gross_sales", "avg_order_subtotal"), grain="all", **span),
        warehouse,
    )[0]
    assert sum(Decimal(str(r["gross_sales"])) for r in months) == Decimal(str(total["gross_sales"]))
    assert len(months) == 6  # every month of the range, empty ones included
