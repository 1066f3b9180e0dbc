"""The orders CSV export of the same shop as tests/fixtures/shopify/*.json gives the
API's hand-worked KPIs (tests/test_shopify_cli.py, EXPECTED) wherever the export carries
what they need; where it cannot, the values are worked out here by hand and the reason
named. The export (tests/fixtures/shopify/orders_export.csv) lists the orders #1001,
#1002, #1004, #1005, #1006 with the API's amounts; the test order #1003 is not in it (the
export has no test flag: a merchant exports without test orders; see
docs/connectors/shopify.md)."""

from __future__ import annotations

import pytest

import kpi_engine
from kpi_engine.sync.engine import run_sync
from kpi_engine.warehouses.connect import connect

from .shopify_fake import FIXTURES
from .test_shopify_cli import EXPECTED

# Carried by the export (order rows, line rows, the customer as a hash of the e-mail):
SAME = ["gross_sales", "discounts", "orders", "aov", "units_sold", "new_customers",
        "returning_customer_orders"]


def test_the_export_of_the_same_shop_gives_the_same_kpis(tmp_path):
    url = f"duckdb:///{tmp_path / 'export.duckdb'}"
    wh = connect(url, create=True)
    try:
        report = run_sync("shopify", wh, {"orders_export": str(FIXTURES /
                                                                "orders_export.csv")})
        refunded = dict(wh.query("SELECT order_id, refunded FROM orders "
                                 "WHERE refunded > 0").rows)
    finally:
        wh.close()
    assert (report.rows["orders"], report.rows["order_lines"]) == (5, 7)
    # The money that went back, as the API's totalRefundedSet (27.36 = the tote's 22.50
    # + its 1.86 tax + 5.00 shipping - the 2.00 discrepancy; #1005 in full).
    assert {k: float(v) for k, v in refunded.items()} == {"5001": 27.36, "5005": 25.0}
    metrics = [*SAME, "refunds", "net_sales", "cogs"]
    result = kpi_engine.open(url).eval(metrics, grain="month", since="2025-01-01",
                                       until="2025-03-01")
    got = {str(r["period"])[:10]: r for r in result}
    assert got.keys() == EXPECTED.keys()
    for period, expected in EXPECTED.items():
        for metric in SAME:
            assert got[period][metric] == pytest.approx(expected[metric]), (period, metric)
    # Not in the export: refunds with their dates (only the order's Refunded Amount),
    # so February has no refund and its net sales are gross - discounts = 115 - 5; and
    # no unit costs, so no COGS.
    assert not got["2025-02-01"]["refunds"] and EXPECTED["2025-02-01"]["refunds"] == 20.5
    assert got["2025-02-01"]["net_sales"] == pytest.approx(110.0)
    assert got["2025-01-01"]["net_sales"] == pytest.approx(EXPECTED["2025-01-01"]
                                                           ["net_sales"])
    assert not got["2025-01-01"]["cogs"] and not got["2025-02-01"]["cogs"]
