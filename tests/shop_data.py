"""A hand-made store small enough to compute every KPI by hand (see test_eval_duckdb)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

from kpi_engine.schema import TABLES

ORDERS = [  # order_id, channel, customer, created_at (UTC), subtotal, discounts, status, test, utm
    ("o1", "web", "c1", datetime(2024, 1, 5, 10), D("100"), D("10"), "paid", False, "google"),
    ("o2", "web", "c2", datetime(2024, 1, 20, 9), D("50"), D("0"), "paid", False, None),
    ("o3", "fb", "c1", datetime(2024, 1, 25, 12), D("30"), D("0"), "fulfilled", False, "fb"),
    ("o4", "web", "c3", datetime(2024, 1, 26, 8), D("999"), D("0"), "cancelled", False, None),
    ("o5", "fb", "c2", datetime(2024, 3, 2, 15), D("70"), D("5"), "paid", False, "fb"),
    ("o6", "web", "c4", datetime(2024, 3, 10, 11), D("40"), D("0"), "paid", True, None),
    ("o7", None, None, datetime(2024, 3, 15, 18), D("20"), D("0"), "paid", False, None),
    # 20:00 UTC on Jan 31 is 03:00 on Feb 1 in Ho Chi Minh City (UTC+7).
    ("o8", "web", "c5", datetime(2024, 1, 31, 20), D("10"), D("0"), "paid", False, None),
]
REFUNDS = [("r1", "o1", datetime(2024, 2, 10, 10), D("15"))]
SESSIONS = [  # id, started_at, duration, purchased, device
    ("s1", datetime(2024, 1, 3, 10), 10.0, True, "mobile"),
    ("s2", datetime(2024, 1, 4, 10), 20.0, False, "mobile"),
    ("s3", datetime(2024, 1, 5, 10), 30.0, False, "desktop"),
    ("s4", datetime(2024, 1, 6, 10), 100.0, False, "desktop"),
    ("s5", datetime(2024, 2, 6, 10), 50.0, False, "mobile"),
    ("s6", datetime(2024, 2, 7, 10), None, False, "mobile"),
]
INVENTORY = [  # snapshot_at, product, location, on_hand
    (datetime(2024, 1, 1), "p1", "A", 10),
    (datetime(2024, 1, 31), "p1", "A", 7),
    (datetime(2024, 1, 15), "p2", "A", 5),
    (datetime(2024, 2, 28), "p1", "A", 3),
]
TICKETS = [  # id, created, first_response, solved, assignee, channel
    ("t1", datetime(2024, 1, 1), datetime(2024, 1, 1, 0, 10), datetime(2024, 1, 3), "a1", "email"),
    ("t2", datetime(2024, 1, 2), datetime(2024, 1, 2, 0, 30), None, "a1", "chat"),
    ("t3", datetime(2024, 1, 20), None, None, None, "email"),
    ("t4", datetime(2024, 2, 5), datetime(2024, 2, 5, 1), datetime(2024, 3, 5), "a2", "email"),
]
AD_SPEND = [(date(2024, 1, 5), "google", "c-search", D("100"), D("250")),
            (date(2024, 2, 5), "google", "c-search", D("50"), D("0"))]


def load_shop(warehouse, currencies: dict[str, str] | None = None) -> None:
    """Create the canonical tables and load the rows above (``currencies``: order id ->
    currency code; the others have none)."""
    currencies = currencies or {}
    def put(table: str, columns: list[str], rows: list[tuple]) -> None:
        t = TABLES[table]
        warehouse.ensure_table(t)
        with warehouse.transaction():
            warehouse.merge(t, columns, rows)

    put("orders", ["source", "order_id", "channel", "customer_id", "created_at", "subtotal",
                   "discounts", "shipping", "tax", "total", "status", "is_test", "utm_source",
                   "currency"],
        [("shop", o, ch, c, ts, sub, disc, D("0"), D("0"), sub - disc, st, test, utm,
          currencies.get(o)) for o, ch, c, ts, sub, disc, st, test, utm in ORDERS])
    put("refunds", ["source", "refund_id", "order_id", "created_at", "amount"],
        [("shop", *r) for r in REFUNDS])
    put("sessions", ["session_id", "started_at", "duration_seconds", "purchased",
                     "device_category"], SESSIONS)
    put("inventory_snapshots", ["source", "snapshot_at", "product_id", "variant_id",
                                "location_id", "on_hand"],
        [("shop", ts, p, p, loc, n) for ts, p, loc, n in INVENTORY])
    put("tickets", ["source", "ticket_id", "created_at", "first_response_at", "solved_at",
                    "assignee_id", "channel"], [("shop", *t) for t in TICKETS])
    put("ad_spend", ["date", "platform", "campaign", "spend", "conversion_value"], AD_SPEND)
