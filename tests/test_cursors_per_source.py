"""Saved cursors belong to the account a connector reads, not to the connector: two
Shopify shops (and two WooCommerce stores) synced into one warehouse, each from its own
loopback server, each read incrementally from its own cursor; a full refresh of one
leaves the other's cursor and rows alone; cursors saved by an earlier version (one per
connector and stream) go to the shop they belonged to."""

from __future__ import annotations

import copy

import pytest

from kpi_engine.sync.engine import run_sync
from kpi_engine.testing import ReplayServer
from kpi_engine.warehouses.connect import connect

from .ads_api import GOOGLE_PATH, serve_google
from .shopify_fake import GRAPHQL, serve_orders_only, synthetic_orders
from .woocommerce_api import API, KEY, SECRET, WooStore

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
FAST = {"retry_initial_delay": 0.01, "retry_max_delay": 0.05, "timeout_seconds": 5}


def shop_settings(server: ReplayServer, source: str) -> dict:
    return {**FAST, "base_url": server.url, "access_token": TOKEN, "source": source,
            "bulk": "never", "orders_page_size": 2, "page_size": 100,
            "streams": ["orders"]}


def older(orders: list[dict], month: str) -> list[dict]:
    """The orders, updated in ``month`` (2024-06): long before the other shop's."""
    out = copy.deepcopy(orders)
    for i, order in enumerate(out):
        order["updatedAt"] = f"{month}-01T00:{i:02d}:00Z"
    return out


def order_queries(server: ReplayServer) -> list[str | None]:
    """The ``query`` filter of each orders page request the shop answered (every page of
    one read sends the same)."""
    return [r.json()["variables"].get("query") for r in server.requests
            if r.path == GRAPHQL and "orders(first" in r.json()["query"]]


def orders_by_source(wh) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for source, order_id in wh.query("SELECT source, order_id FROM orders "
                                     "ORDER BY source, order_id").rows:
        out.setdefault(source, []).append(order_id)
    return out


def test_two_shops_in_one_warehouse_each_sync_from_their_own_cursor(tmp_path):
    url = f"duckdb:///{tmp_path / 'two_shops.duckdb'}"
    a_orders = synthetic_orders(5, first_id=100_000)  # updated 2025-03-01
    b_orders = older(synthetic_orders(7, first_id=200_000), "2024-06")
    with ReplayServer() as a, ReplayServer() as b:
        shop_a = serve_orders_only(a, a_orders)
        serve_orders_only(b, b_orders)
        wh = connect(url, create=True)
        try:
            run_sync("shopify", wh, shop_settings(a, "shop-a"))
            report_b = run_sync("shopify", wh, shop_settings(b, "shop-b"))
            # Shop B's first sync read everything, not from shop A's March cursor.
            assert order_queries(b) == [None] * 4
            assert report_b.source == "shop-b"
            assert orders_by_source(wh) == {
                "shop-a": [str(n) for n in range(100_000, 100_005)],
                "shop-b": [str(n) for n in range(200_000, 200_007)]}
            cursors = wh.cursor_sources("shopify")
            assert cursors == {"shop-a": {"orders": "2025-03-01T00:00:04Z"},
                               "shop-b": {"orders": "2024-06-01T00:06:00Z"}}

            # A new order in shop A: A's next sync asks from A's cursor (less the lookback
            # hour) and gets it; B's cursor and rows stay as they were.
            new = synthetic_orders(6, first_id=100_000)[5]
            new["updatedAt"] = "2025-03-02T09:00:00Z"
            shop_a.data["orders"].append(new)
            a.requests.clear()
            second = run_sync("shopify", wh, shop_settings(a, "shop-a"))
            assert set(order_queries(a)) == {"updated_at:>='2025-02-28T23:00:04Z'"}
            assert (second.merged["orders"].inserted, second.rows["orders"]) == (1, 6)
            assert wh.cursor_sources("shopify") == {
                "shop-a": {"orders": "2025-03-02T09:00:00Z"},
                "shop-b": {"orders": "2024-06-01T00:06:00Z"}}
            assert len(orders_by_source(wh)["shop-a"]) == 6

            # And B, synced again, asks from its own cursor (June 2024), not A's.
            b.requests.clear()
            again = run_sync("shopify", wh, shop_settings(b, "shop-b"))
            assert set(order_queries(b)) == {"updated_at:>='2024-05-31T23:06:00Z'"}
            assert again.merged["orders"].inserted == 0
        finally:
            wh.close()


def test_a_full_refresh_of_one_shop_keeps_the_other_shops_cursor_and_rows(tmp_path):
    url = f"duckdb:///{tmp_path / 'refresh.duckdb'}"
    with ReplayServer() as a, ReplayServer() as b:
        serve_orders_only(a, synthetic_orders(4, first_id=100_000))
        shop_b = serve_orders_only(b, older(synthetic_orders(5, first_id=200_000),
                                            "2024-06"))
        wh = connect(url, create=True)
        try:
            run_sync("shopify", wh, shop_settings(a, "shop-a"))
            run_sync("shopify", wh, shop_settings(b, "shop-b"))
            a_cursor = wh.cursor_sources("shopify")["shop-a"]
            lines_a = wh.query("SELECT COUNT(*) FROM order_lines WHERE source = 'shop-a'"
                               ).rows[0][0]
            del shop_b.data["orders"][1]  # order 200001 deleted in shop B
            b.requests.clear()
            report = run_sync("shopify", wh, shop_settings(b, "shop-b"), full_refresh=True)
            assert order_queries(b) == [None] * 2  # everything (4 orders), from no cursor
            assert report.deleted == {"orders": 1, "order_lines": 2, "checkouts": 1}
            by_source = orders_by_source(wh)
            assert by_source["shop-b"] == ["200000", "200002", "200003", "200004"]
            assert by_source["shop-a"] == [str(n) for n in range(100_000, 100_004)]
            assert wh.query("SELECT COUNT(*) FROM order_lines WHERE source = 'shop-a'"
                            ).rows[0][0] == lines_a == 8
            assert wh.cursor_sources("shopify") == {
                "shop-a": a_cursor, "shop-b": {"orders": "2024-06-01T00:04:00Z"}}
            # Shop A's next sync still starts from its own cursor.
            a.requests.clear()
            run_sync("shopify", wh, shop_settings(a, "shop-a"))
            assert set(order_queries(a)) == {"updated_at:>='2025-02-28T23:00:03Z'"}
        finally:
            wh.close()


def make_legacy(wh, connector: str) -> dict[str, str]:
    """Turn the warehouse into one an earlier version left: the connector's cursors in
    ``kpi_sync_state`` (connector, stream, cursor), none in ``kpi_sync_cursors``."""
    saved = {stream: cursor for streams in wh.cursor_sources(connector).values()
             for stream, cursor in streams.items()}
    with wh.transaction():
        wh.execute('CREATE TABLE kpi_sync_state ("connector" VARCHAR, "stream" VARCHAR, '
                   '"cursor" VARCHAR)')
        for stream, cursor in saved.items():
            wh.execute("INSERT INTO kpi_sync_state VALUES (?, ?, ?)",
                       (connector, stream, cursor))
        wh.execute("DELETE FROM kpi_sync_cursors")
    return saved


def test_cursors_saved_before_the_upgrade_go_to_the_shop_they_belonged_to(tmp_path):
    url = f"duckdb:///{tmp_path / 'upgrade.duckdb'}"
    with ReplayServer() as a, ReplayServer() as b:
        serve_orders_only(a, synthetic_orders(4, first_id=100_000))
        serve_orders_only(b, older(synthetic_orders(3, first_id=200_000), "2024-06"))
        wh = connect(url, create=True)
        try:
            run_sync("shopify", wh, shop_settings(a, "shop-a"))
            legacy = make_legacy(wh, "shopify")
            assert legacy == {"orders": "2025-03-01T00:00:03Z"}
            # A shop new since the upgrade has no rows here: the old cursor is not its
            # own, so it reads everything and leaves the old cursor where it is.
            run_sync("shopify", wh, shop_settings(b, "shop-b"))
            assert order_queries(b) == [None, None]
            assert len(orders_by_source(wh)["shop-b"]) == 3
            assert wh.legacy_states("shopify") == legacy
            # The shop that was synced before takes it: no re-read from scratch.
            a.requests.clear()
            report = run_sync("shopify", wh, shop_settings(a, "shop-a"))
            assert set(order_queries(a)) == {"updated_at:>='2025-02-28T23:00:03Z'"}
            assert report.merged["orders"].inserted == 0
            assert wh.legacy_states("shopify") == {}
            assert wh.cursor_sources("shopify")["shop-a"] == legacy
        finally:
            wh.close()


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_a_single_shop_keeps_its_old_cursor_across_the_upgrade(tmp_path, engine):
    """The usual upgrade: one shop, the default source; its first sync after the upgrade
    is incremental from the cursor the old version saved."""
    url = f"{engine}:///{tmp_path / 'one_shop'}.{engine}"
    with ReplayServer() as a:
        serve_orders_only(a, synthetic_orders(3, first_id=100_000))
        settings = shop_settings(a, "shopify")
        wh = connect(url, create=True)
        try:
            run_sync("shopify", wh, settings)
            legacy = make_legacy(wh, "shopify")
            a.requests.clear()
            run_sync("shopify", wh, settings)
            assert set(order_queries(a)) == {"updated_at:>='2025-02-28T23:00:02Z'"}
            assert wh.cursor_sources("shopify") == {"shopify": legacy}
            assert wh.legacy_states("shopify") == {}
        finally:
            wh.close()


# -- WooCommerce: two stores -----------------------------------------------------------------

def store_settings(server: ReplayServer, source: str) -> dict:
    return {**FAST, "base_url": server.url, "consumer_key": KEY,
            "consumer_secret": SECRET, "source": source}


def older_store() -> WooStore:
    """The fixtures' store with every record changed in 2024: before the other store's
    cursor (2025)."""
    store = WooStore.from_fixtures()
    for i, record in enumerate([*store.orders, *store.products]):
        record["date_modified_gmt"] = f"2024-06-01T10:{i:02d}:00"
    for i, refund in enumerate(store.refunds):
        refund["date_created_gmt"] = f"2024-06-02T10:{i:02d}:00"
    return store


def modified_after(server: ReplayServer) -> list[str | None]:
    """``modified_after`` of each orders listing (status=any; the bin is listed apart)."""
    return [r.query.get("modified_after") for r in server.requests_to(f"{API}/orders")
            if r.query.get("status") == "any"]


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_two_woocommerce_stores_each_sync_from_their_own_cursor(tmp_path, engine):
    url = f"{engine}:///{tmp_path / 'woo'}.{engine}"
    store_a, store_b = WooStore.from_fixtures(), older_store()
    with ReplayServer() as a, ReplayServer() as b:
        store_a.serve(a)
        store_b.serve(b)
        wh = connect(url, create=True)
        try:
            run_sync("woocommerce", wh, store_settings(a, "woo-a"))
            run_sync("woocommerce", wh, store_settings(b, "woo-b"))
            assert modified_after(b) == [None]  # B read from the start
            by_source = orders_by_source(wh)
            assert len(by_source["woo-b"]) == 9 and by_source["woo-b"] == by_source["woo-a"]
            refunds = dict(wh.query("SELECT source, COUNT(*) FROM refunds GROUP BY source"
                                    ).rows)
            assert refunds == {"woo-a": 3, "woo-b": 3}
            cursors = wh.cursor_sources("woocommerce")
            assert cursors["woo-a"]["orders"].startswith("2025-02-21")
            assert cursors["woo-b"]["orders"].startswith("2024-06-01")

            # A change in store A: picked up from A's cursor; B's cursor untouched.
            changed = next(o for o in store_a.orders if o["id"] == 1007)
            changed.update(status="completed", date_modified_gmt="2025-03-05T12:00:00")
            a.requests.clear()
            report = run_sync("woocommerce", wh, store_settings(a, "woo-a"))
            assert modified_after(a)[0].startswith("2025-02-21")
            assert (report.merged["orders"].inserted, report.merged["orders"].updated) \
                == (0, 1)
            after = wh.cursor_sources("woocommerce")
            assert after["woo-a"]["orders"].startswith("2025-03-05")
            assert after["woo-b"] == cursors["woo-b"]
            status = dict(wh.query("SELECT source, status FROM orders "
                                   "WHERE order_id = '1007'").rows)
            assert status["woo-a"] == "fulfilled" and status["woo-b"] != "fulfilled"
        finally:
            wh.close()


# -- Google Ads: two customer ids (no `source` setting: the account is the identity) ------

def test_two_google_ads_accounts_each_sync_from_their_own_cursor(tmp_path):
    second_path = GOOGLE_PATH.replace("1234567890", "9876543210")
    settings = {**FAST, "developer_token": "dev-token-XYZ", "access_token": "ya29.token",
                "start_date": "2024-03-01", "attribution_days": 0, "window_days": 30}
    url = f"duckdb:///{tmp_path / 'ads.duckdb'}"
    with ReplayServer() as a, ReplayServer() as b:
        serve_google(a)
        serve_google(b, path=second_path)
        wh = connect(url, create=True)
        try:
            first = {**settings, "base_url": a.url, "customer_id": "123-456-7890"}
            run_sync("google_ads", wh, {**first, "end_date": "2024-03-04"})
            run_sync("google_ads", wh, {**settings, "base_url": b.url,
                                        "customer_id": "987-654-3210",
                                        "end_date": "2024-03-04"})
            # The second account's first sync asked from start_date, not from the
            # first account's last day.
            [request] = b.requests_to(second_path)
            assert "BETWEEN '2024-03-01' AND '2024-03-04'" in request.json()["query"]
            a.requests.clear()
            run_sync("google_ads", wh, {**first, "end_date": "2024-03-06"})
            [request] = a.requests_to(GOOGLE_PATH)
            assert "BETWEEN '2024-03-04' AND '2024-03-06'" in request.json()["query"]
            assert wh.cursor_sources("google_ads") == {
                "1234567890": {"campaign_days": "2024-03-06"},
                "9876543210": {"campaign_days": "2024-03-04"}}
        finally:
            wh.close()
