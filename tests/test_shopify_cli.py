"""`kpi sync shopify` as a user runs it, against a Shopify GraphQL Admin API on 127.0.0.1
that answers one 429 and one 500 on the way, then `kpi eval` over the synced store: the
KPI values below are worked out by hand from tests/fixtures/shopify/*.json.

The shop (USD; six orders over three pages of two):
- #1001 Jan 15, customer 7001: 2 x shirt S @ 40 (discount 8.00) + 1 x tote @ 25 (2.50),
  shipping 5, tax 7.80; partially refunded on Feb 3 (a later month): the tote (22.50
  after its discount, tax 1.86), the 5.00 shipping, less a 2.00 refund discrepancy.
- #1002 Jan 20, customer 7002, paid in EUR (presentment 37.00): 1 x shirt M @ 40 USD.
- #1003 Jan 25: a test order (1 x tote) -> left out.
- #1004 Feb 5, customer 7001 again (returning): 1 x shirt S + 1 x tote, shipping 5.
- #1005 Feb 12: cancelled and refunded 25.00 -> left out, refund too.
- #1006 Feb 18, a guest: 2 x tote, 5.00 order discount.
Unit costs: shirt 15.00, tote 8.00. Abandoned checkouts: Jan 18, Jan 28, Feb 15.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kpi_engine.testing import ReplayServer

from .shopify_fake import GRAPHQL, FakeShopify
from .test_shopify_sync import BULK_CASE, TOKEN

pytestmark = pytest.mark.slow

METRICS = ["gross_sales", "discounts", "refunds", "net_sales", "orders", "aov", "units_sold",
           "cogs", "gross_margin", "new_customers", "returning_customer_orders",
           "cart_abandonment_rate"]
EXPECTED = {
    "2025-01-01": {
        "gross_sales": 145.0,          # #1001 2x40 + 25 = 105; #1002 40 (shop money)
        "discounts": 10.5,             # 8.00 + 2.50
        "refunds": 0,
        "net_sales": 134.5,            # 145 - 10.50
        "orders": 2,                   # #1001, #1002 (not the test order #1003)
        "aov": 67.25,                  # (145 - 10.50) / 2
        "units_sold": 4,               # 3 + 1
        "cogs": 53.0,                  # 2x15 + 8 + 15
        "gross_margin": (134.5 - 53) / 134.5,
        "new_customers": 2,            # 7001, 7002
        "returning_customer_orders": 0,
        "cart_abandonment_rate": 0.5,  # carts: #1001, #1002, Jan 18, Jan 28; 2 completed
    },
    "2025-02-01": {
        "gross_sales": 115.0,          # #1004 40 + 25; #1006 2x25 (#1005 cancelled)
        "discounts": 5.0,
        "refunds": 20.5,               # #1001's refund, made in February: 22.50 tote
                                       # less a 2.00 refund discrepancy (its 5.00
                                       # shipping and 1.86 tax are not returns)
        "net_sales": 89.5,             # 115 - 5 - 20.50
        "orders": 2,
        "aov": 55.0,                   # (115 - 5) / 2: refunds do not move AOV
        "units_sold": 4,
        "cogs": 39.0,                  # 15 + 8 + 2x8
        "gross_margin": (89.5 - 39) / 89.5,
        "new_customers": 0,            # 7003's orders are a test and a cancelled one
        "returning_customer_orders": 1,  # #1004, customer 7001's second order
        "cart_abandonment_rate": 0.25,   # #1004, #1005, #1006 completed; Feb 15 abandoned
    },
}


def kpi(*args: str, cwd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpi_engine", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def assert_hand_worked_kpis(url: str, cwd) -> None:
    """`kpi eval` over a synced copy of the shop gives EXPECTED, month by month."""
    result = kpi("eval", *METRICS, "-w", url, "--grain", "month", "--since", "2025-01-01",
                 "--until", "2025-03-01", "--format", "json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    got = {row["period"]: {m: row[m] for m in METRICS} for row in json.loads(result.stdout)}
    assert got.keys() == EXPECTED.keys()
    for period, values in EXPECTED.items():
        for metric, value in values.items():
            assert got[period][metric] == pytest.approx(value), (period, metric)


def test_sync_then_eval_gives_the_hand_worked_kpis(tmp_path):
    url = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    with ReplayServer() as server:
        FakeShopify(server)
        server.fail("rate_limit", path=GRAPHQL, skip=1, retry_after="0")  # orders page 2
        server.fail("server_error", path=GRAPHQL, skip=2, status=500)  # orders page 3
        synced = kpi("sync", "shopify", "-w", url, "--set", f"base_url={server.url}",
                     "--set", "orders_page_size=2", "--set", "bulk=never",
                     "--set", "retry_initial_delay=0.01", cwd=tmp_path,
                     env={"KPI_SHOPIFY_ACCESS_TOKEN": TOKEN})
        statuses = [r for r in server.requests if r.path == GRAPHQL]
    assert synced.returncode == 0, synced.stderr
    assert TOKEN not in synced.stdout + synced.stderr
    assert "orders 6 (6 inserted" in synced.stdout
    # The 429 and the 500 were retried: two more requests than pages.
    orders_pages = [r for r in statuses if "orders(first" in r.json()["query"]]
    assert len(orders_pages) == 3 + 2
    assert_hand_worked_kpis(url, tmp_path)


def test_a_bulk_sync_killed_during_its_download_runs_again_to_the_same_tables(tmp_path):
    from kpi_engine.testing.conformance import finish, kpi_sync, sync_in_process, tables_of

    with ReplayServer() as server:
        BULK_CASE.serve(server, 3)
        whole = f"duckdb:///{tmp_path / 'whole.duckdb'}"
        sync_in_process(BULK_CASE, server, whole)
        server.clear()
        BULK_CASE.serve(server, 3)
        server.fail("hold", path="/bulk/orders.jsonl")
        killed = f"duckdb:///{tmp_path / 'killed.duckdb'}"
        process = kpi_sync(BULK_CASE, server, killed, tmp_path, "-q")
        assert server.held.wait(120)
        process.kill()
        finish(process)
        server.release()
        server.clear()
        BULK_CASE.serve(server, 3)
        code, _, err = finish(kpi_sync(BULK_CASE, server, killed, tmp_path, "-q"))
        assert code == 0, err
    assert tables_of(BULK_CASE, killed) == tables_of(BULK_CASE, whole)
    assert len(tables_of(BULK_CASE, whole)["orders"]) == 6


def test_help_and_plugins_show_the_connector_and_its_settings():
    from click.testing import CliRunner

    from kpi_engine.cli import build_cli

    shown = CliRunner().invoke(build_cli(), ["sync", "shopify", "--help"], prog_name="kpi")
    assert shown.exit_code == 0, shown.output
    assert "Usage: kpi sync" in shown.output and "Settings of shopify" in shown.output
    assert "secret: set KPI_SHOPIFY_ACCESS_TOKEN" in " ".join(shown.output.split())
    for setting in ("shop", "access_token", "bulk", "orders_export", "base_url"):
        assert f"  {setting} " in shown.output
    listed = CliRunner().invoke(build_cli(), ["plugins", "--format", "json"])
    connectors = {c["name"]: c for c in json.loads(listed.output)["connectors"]}
    settings = {s["name"]: s for s in connectors["shopify"]["settings"]}
    assert settings["access_token"]["secret"] and settings["access_token"]["default"] is None
    assert connectors["shopify"]["tables"][:3] == ["orders", "order_lines", "refunds"]
    table = CliRunner().invoke(build_cli(), ["plugins"])
    assert "  shopify settings: " in table.output and "orders_export" in table.output
