"""The woocommerce connector against a WooCommerce REST API v3 replayed on 127.0.0.1.

The store (tests/fixtures/woocommerce) has 9 orders over January and February 2025, two
of them cancelled/failed and one in the bin, fees, a coupon, a custom status, costs from
order item meta and from products, a partial refund in a later month and a refund of a
cancelled order. The KPI values below are worked out by hand from those records.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from kpi_engine_plugins.woocommerce.mapping import Options, order_rows
from kpi_engine_plugins.woocommerce.statuses import canonical_status

from kpi_engine.cli import build_cli
from kpi_engine.errors import SyncError
from kpi_engine.sync.engine import run_sync
from kpi_engine.sync.json_fields import FieldError, Record, records
from kpi_engine.testing import ReplayServer
from kpi_engine.testing.conformance import ConnectorConformance
from kpi_engine.warehouses.connect import connect

from .woocommerce_api import API, CASE, KEY, SECRET, WooStore, fixture

FAST = {"retry_initial_delay": "0.01", "retry_max_delay": "0.05", "timeout_seconds": "5",
        "per_page": "2"}

# -- the mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "expected"), [
    ("pending", "pending"), ("on-hold", "pending"), ("processing", "paid"),
    ("completed", "fulfilled"), ("refunded", "refunded"), ("cancelled", "cancelled"),
    ("failed", "cancelled"), ("trash", "cancelled"), ("checkout-draft", "cancelled"),
    ("wc-completed", "fulfilled"), ("shipped", "paid")])
def test_every_status_has_a_canonical_one(status, expected):
    assert canonical_status(status, {}) == expected


def test_status_map_names_custom_statuses_and_overrides_built_in_ones():
    custom = {"awaiting-pickup": "fulfilled", "pending": "cancelled"}
    assert canonical_status("awaiting-pickup", custom) == "fulfilled"
    assert canonical_status("pending", custom) == "cancelled"


def test_orders_add_up_exactly_from_money_strings():
    for record in records(fixture("orders.json"), "orders"):
        row, lines = order_rows(record, Options())
        assert all(isinstance(row[c], Decimal) for c in ("subtotal", "discounts", "total"))
        assert row["subtotal"] - row["discounts"] + row["shipping"] + row["tax"] \
            == row["total"], row["order_id"]
        assert sum(li["discount"] for li in lines) <= row["discounts"]


def test_one_order_mapped_column_by_column():
    first = next(records(fixture("orders.json"), "orders"))
    row, lines = order_rows(first, Options())
    assert row == {
        "order_id": "1001", "source": "woocommerce", "channel": "website",
        "customer_id": "11", "created_at": "2025-01-05T09:00:00", "currency": "USD",
        "subtotal": Decimal("100.00"), "discounts": Decimal("10.00"),
        "shipping": Decimal("5.00"), "tax": Decimal("0.00"), "total": Decimal("95.00"),
        "refunded": None, "status": "fulfilled", "is_test": False,
        "landing_page": "/sale/linen", "updated_at": "2025-01-07T10:00:00",
        "utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "jan_sale"}
    assert [(li["variant_id"], li["unit_price"], li["discount"], li["unit_cost"])
            for li in lines] == [("101", Decimal("40.0000"), Decimal("8.00"), Decimal("14.50")),
                                 ("201", Decimal("20.0000"), Decimal("2.00"), None)]


@pytest.mark.parametrize(("change", "message"), [
    (lambda o: o.pop("total"), "orders[0]: field 'total' is missing"),
    (lambda o: o.update(total=[1]), "orders[0]: field 'total' should be an amount"),
    (lambda o: o["line_items"][1].update(quantity="two"),
     "orders[0].line_items[1]: field 'quantity' should be an integer"),
    (lambda o: o.update(line_items={}), "field 'line_items' should be a list")])
def test_a_malformed_order_names_the_record_and_field(change, message):
    order = copy.deepcopy(fixture("orders.json")[0])
    change(order)
    with pytest.raises(FieldError, match=message.replace("[", r"\[").replace("]", r"\]")):
        order_rows(Record(order, "orders[0]"), Options())


# -- kpi sync woocommerce, then kpi eval --------------------------------------------------------


def kpi(*args: str) -> str:
    result = CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def store_server(monkeypatch):
    monkeypatch.setenv("KPI_WOOCOMMERCE_CONSUMER_KEY", KEY)
    monkeypatch.setenv("KPI_WOOCOMMERCE_CONSUMER_SECRET", SECRET)
    store = WooStore.from_fixtures()
    with ReplayServer() as server:
        store.serve(server)
        yield store, server


def sync_args(server, url: str) -> list[str]:
    args = ["sync", "woocommerce", "-w", url, "--set", f"base_url={server.url}"]
    for key, value in FAST.items():
        args += ["--set", f"{key}={value}"]
    return args


@pytest.mark.slow  # a sync and an eval of nine KPIs through the CLI: about 5 s
def test_sync_then_eval_gives_the_hand_worked_kpis(store_server, tmp_path):
    _, server = store_server
    url = f"duckdb:///{tmp_path / 'woo.duckdb'}"
    server.fail("rate_limit", path=f"{API}/orders", query={"page": "2"}, retry_after="0")
    server.fail("server_error", path=f"{API}/refunds", status=500)
    out = kpi(*sync_args(server, url))
    assert "orders 9" in out and "refunds 3" in out  # 9 orders: the bin's one included
    # Both faults were answered and retried: page 2 of orders and refunds page 1 twice.
    orders_p2 = [r for r in server.requests_to(f"{API}/orders")
                 if r.query.get("page") == "2" and r.query["status"] == "any"]
    assert len(orders_p2) == 2 and len(server.requests_to(f"{API}/refunds")) == 3
    assert {r.query["per_page"] for r in server.requests} == {"2"}

    rows = json.loads(kpi("eval", "orders", "gross_sales", "discounts", "refunds",
                          "net_sales", "aov", "units_sold", "cogs", "gross_margin", "-w", url,
                          "--since", "2025-01-01", "--until", "2025-03-01",
                          "--format", "json"))
    jan, feb = rows
    # January: 1001, 1002, 1005 count; 1003 (cancelled) and 1004 (failed) do not.
    # gross = 100 + (66 + 4 gift wrap fee) + 65 = 235; discounts = 10 coupon + 5 negative
    # fee; refund 503 belongs to the cancelled 1003 and is left out.
    # units = 2 + 1 + 3 + 1 + 1; COGS = 2 x 14.50 (item meta) + 6.00 (variation 201)
    #   + 3 x 7.00 (variation 202) + 15.00 (item meta) + gift card without a cost = 71.
    assert jan == {"period": "2025-01-01", "orders": 3, "gross_sales": 235, "discounts": 15,
                   "refunds": 0, "net_sales": 220, "aov": pytest.approx(220 / 3),
                   "units_sold": 8, "cogs": 71,
                   "gross_margin": pytest.approx((220 - 71) / 220)}
    # February: 1006 (refunded in full), 1007 (on-hold) and 1009 (custom "shipped") count;
    # 1008 is in the bin. Refunds made in February: 12.50 of January's 1005 and 40.00.
    # COGS = 2 x 5.50 + 15.00 (product 101) + 7.00 (variation 202) = 33.
    assert feb == {"period": "2025-02-01", "orders": 3, "gross_sales": 102, "discounts": 0,
                   "refunds": 52.5, "net_sales": 49.5, "aov": 34, "units_sold": 4,
                   "cogs": 33, "gross_margin": pytest.approx((49.5 - 33) / 49.5)}


def test_changed_and_binned_orders_are_updated_in_place(store_server, tmp_path):
    store, server = store_server
    url = f"duckdb:///{tmp_path / 'woo.duckdb'}"
    kpi(*sync_args(server, url))
    by_id = {o["id"]: o for o in store.orders}
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0).isoformat()
    by_id[1007].update(status="completed", date_modified_gmt=now)
    by_id[1009].update(status="trash", date_modified_gmt=now)
    settings = {**FAST, "base_url": server.url, "consumer_key": KEY,
                "consumer_secret": SECRET}
    wh = connect(url)
    try:
        report = run_sync("woocommerce", wh, settings)
        counts = report.merged["orders"]
        assert (counts.inserted, counts.updated) == (0, 2)
        status = dict(wh.query("SELECT order_id, status FROM orders").rows)
    finally:
        wh.close()
    assert (status["1007"], status["1009"]) == ("fulfilled", "cancelled")
    # The second sync asked only for what changed since the first (minus the lookback).
    last = [r for r in server.requests_to(f"{API}/orders") if r.query["status"] == "any"][-1]
    assert "modified_after" in last.query and last.query["dates_are_gmt"] == "true"
    feb = json.loads(kpi("eval", "orders", "-w", url, "--since", "2025-02-01",
                         "--until", "2025-03-01", "--format", "json"))
    assert feb[0]["orders"] == 2  # 1009 went to the bin


def test_wrong_key_is_one_line_without_the_secret(store_server, tmp_path):
    _, server = store_server
    wh = connect(f"duckdb:///{tmp_path / 'woo.duckdb'}", create=True)
    try:
        with pytest.raises(SyncError) as caught:
            run_sync("woocommerce", wh, {**FAST, "base_url": server.url,
                                         "consumer_key": "ck_wrong_key_1234",
                                         "consumer_secret": "cs_wrong_secret_5678"})
    finally:
        wh.close()
    message = str(caught.value)
    assert "HTTP 401" in message and "'orders'" in message and "\n" not in message
    assert "cs_wrong_secret_5678" not in message and "ck_wrong_key_1234" not in message


def test_a_malformed_record_stops_before_its_page(store_server, tmp_path):
    store, server = store_server
    store.orders[2]["line_items"][0]["quantity"] = "1"  # page 2, first order
    wh = connect(f"duckdb:///{tmp_path / 'woo.duckdb'}", create=True)
    try:
        with pytest.raises(SyncError, match=r"connector 'woocommerce', stream 'orders', "
                           r"page 2 .*\[0\]\.line_items\[0\]: field 'quantity' should be "
                           r"an integer"):
            run_sync("woocommerce", wh, {**FAST, "base_url": server.url,
                                         "consumer_key": KEY, "consumer_secret": SECRET})
        ids = [r[0] for r in wh.query("SELECT order_id FROM orders ORDER BY 1").rows]
    finally:
        wh.close()
    assert ids == ["1001", "1002"]  # page 1 committed, page 2 not


class TestWooCommerceConformance(ConnectorConformance):
    case = CASE

    @pytest.mark.slow  # two syncs of many pages under tracemalloc
    def test_bounded_memory(self, tmp_path):
        super().test_bounded_memory(tmp_path)
