"""`--full-refresh` removes the orders deleted at the source, against the loopback
Shopify: two shops share one warehouse (sources shop-a and shop-b); order #1004 is
deleted from shop-a; a complete full refresh of shop-a (paged and bulk) deletes its
order, lines, refunds and checkout row, and nothing of shop-b or of the abandoned
checkouts. A full refresh that fails midway, or is killed, deletes nothing; one with a
start_date (which does not read every order) deletes nothing either."""

from __future__ import annotations

import pytest

from kpi_engine.errors import KpiError
from kpi_engine.testing import ReplayServer
from kpi_engine.testing.conformance import finish, kpi_sync, sync_in_process
from kpi_engine.warehouses.connect import connect

from .shopify_fake import FakeShopify
from .test_shopify_sync import CASE, ShopifyCase

DELETED = "gid://shopify/Order/5004"


def sync(server: ReplayServer, url: str, *, full_refresh: bool = False, **settings):
    case = ShopifyCase("shopify", secrets=CASE.secrets, settings={**CASE.settings,
                                                                   **settings})
    return sync_in_process(case, server, url, full_refresh=full_refresh)


def _counts(url: str) -> dict[tuple[str, str], int]:
    """Rows per (table, source), plus order 5004's rows per table and source."""
    wh = connect(url)
    try:
        out = {}
        for table in ("orders", "order_lines", "refunds", "checkouts"):
            for source, n, of_5004 in wh.query(
                    f"SELECT source, COUNT(*), COUNT(*) FILTER (WHERE order_id = '5004') "
                    f"FROM {table} GROUP BY source").rows:
                out[(table, source)] = n
                out[(table, source, "5004")] = of_5004
        out["scratch"] = len(wh.query("SELECT table_name FROM information_schema.tables "
                                      "WHERE table_name LIKE 'kpi_sync_seen_%'").rows)
        return out
    finally:
        wh.close()


def _two_shops(server: ReplayServer, url: str, **settings) -> FakeShopify:
    fake = FakeShopify(server)
    # Full refreshes: the saved cursors are the connector's, not a shop's, so a second
    # shop's first incremental sync would start from the first shop's cursor.
    for source in ("shop-a", "shop-b"):
        sync(server, url, source=source, full_refresh=True, **settings)
    return fake


@pytest.mark.parametrize("bulk", ["never", "always"])
def test_a_full_refresh_deletes_the_orders_gone_from_the_shop(tmp_path, bulk):
    url = f"duckdb:///{tmp_path / 'shops.duckdb'}"
    with ReplayServer() as server:
        fake = _two_shops(server, url)
        before = _counts(url)
        fake.data["orders"] = [o for o in fake.data["orders"] if o["id"] != DELETED]
        sync(server, url, source="shop-a", bulk=bulk)  # not a full refresh: keeps it
        assert _counts(url) == before
        report = sync(server, url, source="shop-a", bulk=bulk, full_refresh=True)
    after = _counts(url)
    # #1004: one order, two lines, its online-store checkout; no refund.
    assert report.deleted == {"orders": 1, "order_lines": 2, "checkouts": 1}
    assert "deleted as gone at the source: checkouts 1, order_lines 2, orders 1" in \
        report.summary()
    for table, removed in (("orders", 1), ("order_lines", 2), ("checkouts", 1),
                           ("refunds", 0)):
        assert after[(table, "shop-a")] == before[(table, "shop-a")] - removed
        assert after[(table, "shop-a", "5004")] == 0
        assert after[(table, "shop-b")] == before[(table, "shop-b")]  # the other shop
        assert after[(table, "shop-b", "5004")] == before[(table, "shop-b", "5004")]
    assert before[("checkouts", "shop-b", "5004")] == 1
    assert after["scratch"] == 0


def test_a_full_refresh_that_fails_midway_deletes_nothing(tmp_path):
    url = f"duckdb:///{tmp_path / 'shops.duckdb'}"
    with ReplayServer() as server:
        fake = _two_shops(server, url)
        before = _counts(url)
        fake.data["orders"] = [o for o in fake.data["orders"] if o["id"] != DELETED]
        fake.data["orders"][-1].pop("totalPriceSet")  # the last page is malformed
        with pytest.raises(KpiError, match="field 'totalPriceSet' is missing"):
            sync(server, url, source="shop-a", full_refresh=True)
    after = _counts(url)
    assert {k: v for k, v in after.items() if k != "scratch"} == \
        {k: v for k, v in before.items() if k != "scratch"}


@pytest.mark.slow  # two real `kpi sync` processes, the first one killed
def test_a_killed_full_refresh_deletes_nothing_and_the_next_one_does(tmp_path):
    url = f"duckdb:///{tmp_path / 'shops.duckdb'}"
    case = ShopifyCase("shopify", secrets=CASE.secrets,
                       settings={**CASE.settings, "source": "shop-a"})
    with ReplayServer() as server:
        fake = _two_shops(server, url)
        before = _counts(url)
        fake.data["orders"] = [o for o in fake.data["orders"] if o["id"] != DELETED]
        server.fail("hold", skip=2)  # the third orders page
        process = kpi_sync(case, server, url, tmp_path, "-q", "--full-refresh")
        assert server.held.wait(120)
        process.kill()
        finish(process)
        server.release()
        killed = _counts(url)
        code, out, err = finish(kpi_sync(case, server, url, tmp_path, "--full-refresh"))
    assert killed[("orders", "shop-a", "5004")] == 1 and killed["scratch"] == 1
    assert {k: v for k, v in killed.items() if k != "scratch"} == \
        {k: v for k, v in before.items() if k != "scratch"}
    assert code == 0, err
    after = _counts(url)
    assert after[("orders", "shop-a", "5004")] == 0 and after["scratch"] == 0
    assert after[("orders", "shop-b", "5004")] == 1
    assert "orders: 1 deleted (gone at the source)" in out + err


def test_a_full_refresh_from_a_start_date_deletes_nothing(tmp_path):
    url = f"duckdb:///{tmp_path / 'shops.duckdb'}"
    with ReplayServer() as server:
        fake = _two_shops(server, url)
        before = _counts(url)
        fake.data["orders"] = [o for o in fake.data["orders"] if o["id"] != DELETED]
        report = sync(server, url, source="shop-a", full_refresh=True,
                      start_date="2025-01-01")
    assert report.deleted == {}
    assert _counts(url)[("orders", "shop-a", "5004")] == before[("orders", "shop-a",
                                                                  "5004")] == 1
