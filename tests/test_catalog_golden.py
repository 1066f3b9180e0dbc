"""Golden values for EVERY shipped catalog metric (metric_specs/), on a small store built
here and computed by hand.

The store is evaluated for March 2024 (grain month, since 2024-03-01, until 2024-04-01);
history before March feeds the customer, retention, offset and to-date metrics. Every
expected value below carries its arithmetic. Dates are UTC; the store timezone is UTC.

Also: seed 003's worked example (10,000 visitors x 3% conversion x $100 AOV = $30,000;
+0.5 point of conversion = +$5,000), as its own two-month store.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kpi_engine.compiler.request import Request
from kpi_engine.evaluate import evaluate
from kpi_engine.registry import load_registry
from kpi_engine.schema import TABLES
from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

MARCH = dict(grain="month", since=date(2024, 3, 1), until=date(2024, 4, 1))
T = datetime

# -- the store ----------------------------------------------------------------------------
# Orders. Counted: not cancelled, not test. Customers c1..c7; o09 is a guest order.
#  id   customer channel    created            subtotal disc ship tax refunded status     utm
ORDERS = [
    ("o01", "c1", "web", T(2023, 3, 10, 9), 200, 0, 10, 20, 0, "fulfilled", None, None, None),
    ("o03", "c2", "web", T(2023, 3, 20, 9), 100, 0, 0, 10, 0, "fulfilled", None, None, None),
    ("o12", "c6", "web", T(2024, 1, 15, 9), 80, 0, 5, 8, 10, "fulfilled", None, None, None),
    ("o04", "c3", "sales_rep", T(2024, 2, 10, 9), 120, 20, 5, 10, 30, "fulfilled",
     None, None, None),
    ("o02", "c1", "web", T(2024, 3, 5, 9), 100, 10, 5, 10, 20, "paid",
     "google", "cpc", "spring"),
    ("o05", "c3", "facebook", T(2024, 3, 12, 9), 60, 0, 5, 6, 0, "paid",
     "facebook", "paid_social", "fb_spring"),
    ("o06", "c4", "web", T(2024, 3, 15, 9), 50, 5, 0, 5, 0, "paid",
     "partner", "affiliate", "aff"),
    ("o07", "c4", "web", T(2024, 3, 20, 9), 40, 0, 5, 4, 0, "pending",
     "newsletter", "email", "march_news"),
    ("o08", "c5", "phone", T(2024, 3, 25, 9), 150, 0, 0, 15, 0, "fulfilled", None, None, None),
    ("o09", None, "web", T(2024, 3, 28, 9), 30, 0, 5, 3, 0, "paid", None, None, None),
    ("o10", "c1", "web", T(2024, 3, 29, 9), 999, 0, 0, 0, 999, "cancelled", None, None, None),
    ("o11", "c7", "web", T(2024, 3, 30, 9), 500, 0, 0, 0, 0, "paid", None, None, None),  # test
]
TEST_ORDERS = {"o11"}
REFUNDS = [  # refund_id, order_id, created_at, amount
    ("r1", "o02", T(2024, 3, 10), 20),
    ("r2", "o04", T(2024, 3, 2), 30),    # a February order refunded in March
    ("r3", "o10", T(2024, 3, 30), 999),  # refund of a cancelled order: not counted
    ("r4", "o12", T(2024, 2, 5), 10),
]
LINES = [  # order_id, line_id, product_id, quantity, unit_price, unit_cost (None: product's)
    ("o01", "1", "pA", 4, 30, 10), ("o01", "2", "pB", 2, 40, 15),
    ("o03", "1", "pB", 2, 40, 15), ("o03", "2", "pC", 2, 10, 4),
    ("o12", "1", "pB", 2, 40, 15),
    ("o04", "1", "pA", 4, 30, 10),
    ("o02", "1", "pA", 2, 30, 10), ("o02", "2", "pB", 1, 40, 15),
    ("o05", "1", "pA", 2, 30, 10),
    ("o06", "1", "pB", 1, 40, 15), ("o06", "2", "pC", 1, 10, 4),
    ("o07", "1", "pB", 1, 40, None),
    ("o08", "1", "pA", 5, 30, 10),
    ("o09", "1", "pC", 3, 10, 4),
    ("o10", "1", "pA", 10, 30, 10),
    ("o11", "1", "pB", 5, 40, 15),
]
PRODUCTS = [("pA", "toys", 30, 10), ("pB", "books", 40, 15), ("pC", "toys", 10, 4)]
INVENTORY = [  # snapshot_at, product_id, location_id, on_hand
    (T(2024, 3, 1), "pA", "L1", 50), (T(2024, 3, 31), "pA", "L1", 40),
    (T(2024, 3, 15), "pB", "L1", 20),
    (T(2024, 2, 28), "pC", "L1", 30), (T(2024, 3, 31), "pC", "L1", 12),
    (T(2024, 3, 20), "pA", "L2", 8),
]
CHECKOUTS = [  # checkout_id, created_at, completed_at
    ("k1", T(2024, 3, 2, 12), T(2024, 3, 2, 12, 5)),
    ("k2", T(2024, 3, 3, 12), T(2024, 3, 3, 12, 5)),
    ("k3", T(2024, 3, 31, 23), T(2024, 4, 2, 8)),  # completed after March
    *[(f"k{i}", T(2024, 3, i, 12), None) for i in range(4, 11)],
    ("k11", T(2024, 2, 28, 12), T(2024, 3, 1, 9)),  # a February cart
]
# Sessions: id, user, started, duration, pageviews, engaged, new user, source, medium,
# channel_group, device, landing page, added to cart, purchased
SESSIONS = [
    ("s1", "u1", T(2024, 3, 5, 10), 120, 3, True, True, "google", "cpc", "Paid Search",
     "mobile", "/products/a", True, True),
    ("s2", "u1", T(2024, 3, 6, 10, 30), 60, 2, True, False, "google", "organic",
     "Organic Search", "desktop", "/blog/post-1", False, False),
    ("s3", "u2", T(2024, 3, 7, 14), 5, 1, False, True, "(direct)", "(none)", "Direct",
     "mobile", "/", False, False),
    ("s4", "u3", T(2024, 3, 8, 10, 15), 200, 5, True, True, "facebook", "cpc", "Paid Social",
     "mobile", "/products/b", True, True),
    ("s5", "u3", T(2024, 3, 9, 20), 30, 2, True, False, "newsletter", "email", "Email",
     "desktop", "/blog/post-2", True, False),
    ("s6", "u4", T(2024, 3, 10, 10, 45), 0, 1, False, True, "google", "organic",
     "Organic Search", "tablet", "/blog", False, False),
    ("s7", "u5", T(2024, 3, 11, 14, 10), 90, 4, True, True, "google", "cpc", "Paid Search",
     "desktop", "/products/c", False, False),
    ("s8", "u6", T(2024, 3, 12, 14, 20), None, 1, None, True, "(direct)", "(none)", "Direct",
     "mobile", "/", False, False),
    ("s9", "u2", T(2024, 3, 13, 10, 5), 45, 3, True, False, "google", "organic",
     "Organic Search", "mobile", "/products/a", True, True),
    ("s10", "u7", T(2024, 3, 14, 23), 15, 1, False, True, "partner", "affiliate", "Affiliates",
     "desktop", "/", False, False),
    ("s11", "u1", T(2024, 2, 10, 10), 50, 2, True, False, "google", "organic",
     "Organic Search", "desktop", "/", False, False),
]
AD_SPEND = [  # date, platform, campaign, type, spend, impressions, clicks, conversions, value
    (date(2024, 3, 5), "google", "spring", "search", 100, 1000, 50, 2, 250),
    (date(2024, 3, 6), "google", "spring", "search", 50, 500, 25, 1, 100),
    (date(2024, 3, 7), "facebook", "fb_spring", "social", 80, 2000, 40, 1, 60),
    (date(2024, 3, 8), "google", "banner", "display", 20, 4000, 8, 0, 0),
    (date(2024, 3, 9), "partner", "aff", "affiliate", 10, 0, 0, 1, 50),
    (date(2024, 2, 10), "google", "spring", "search", 40, 400, 10, 0, 0),
]
EMAILS = [  # date, campaign, sent, delivered, opens, clicks, unsubscribes
    (date(2024, 3, 4), "march_news", 1000, 950, 380, 76, 5),
    (date(2024, 3, 18), "flash_sale", 500, 490, 150, 24, 2),
]
SEARCH = [  # date, query, page, clicks, impressions, position
    (date(2024, 3, 5), "toys", "/products/a", 30, 600, 3.0),
    (date(2024, 3, 6), "toy store", "/", 10, 400, 8.0),
]
SOCIAL = [  # date, platform, followers, impressions, engagements
    (date(2024, 3, 1), "facebook", 1000, 5000, 100),
    (date(2024, 3, 31), "facebook", 1100, 6000, 150),
    (date(2024, 3, 15), "instagram", 500, 2000, 80),
    (date(2024, 2, 28), "instagram", 450, 1000, 10),
]
REVIEWS = [  # review_id, created_at, product_id, rating
    ("v1", T(2024, 3, 3), "pA", 5), ("v2", T(2024, 3, 4), "pA", 4),
    ("v3", T(2024, 3, 5), "pB", 3), ("v4", T(2024, 3, 6), "pC", 5),
    ("v5", T(2024, 2, 6), "pC", 1),
]
SUBSCRIBERS = [  # subscriber_id, subscribed_at, unsubscribed_at
    ("n1", T(2023, 12, 1), None),
    ("n2", T(2024, 1, 10), T(2024, 3, 10)),
    ("n3", T(2024, 3, 5), None),
    ("n4", T(2024, 3, 20), T(2024, 4, 5)),
    ("n5", T(2024, 4, 2), None),
]
# Tickets: id, created, channel, category, product, requester, assignee, first response,
# solved, escalated
TICKETS = [
    ("t1", T(2024, 3, 2, 9), "email", "shipping", "pA", "c1", "a1", T(2024, 3, 2, 9, 30),
     T(2024, 3, 3, 9), False),
    ("t2", T(2024, 3, 5, 10), "phone", "product", "pB", "c3", "a1", T(2024, 3, 5, 10, 5),
     T(2024, 3, 5, 12), True),
    ("t3", T(2024, 3, 10, 10), "chat", "product", "pA", "c4", "a2", T(2024, 3, 10, 10, 1),
     None, False),
    ("t4", T(2024, 3, 20, 10), "social", "billing", None, "c5", None, None, None, False),
    ("t5", T(2024, 3, 25, 10), "email", "product", "pA", "c1", "a2", T(2024, 3, 25, 11),
     T(2024, 4, 3, 10), False),
    ("t6", T(2024, 2, 20, 10), "email", "shipping", None, "c2", "a1", T(2024, 2, 20, 10, 10),
     T(2024, 3, 5, 10), False),
    ("t7", T(2024, 2, 25, 10), "chat", "billing", None, "c6", None, None, None, False),
]
SURVEYS = [  # response_id, responded_at, kind, score, scale_max
    ("q1", T(2024, 3, 3), "csat", 5, 5), ("q2", T(2024, 3, 4), "csat", 4, 5),
    ("q3", T(2024, 3, 5), "csat", 2, 5), ("q4", T(2024, 3, 6), "csat", 8, 10),
    ("q5", T(2024, 3, 7), "nps", 10, 10), ("q6", T(2024, 3, 8), "nps", 9, 10),
    ("q7", T(2024, 3, 9), "nps", 9, 10), ("q8", T(2024, 3, 10), "nps", 7, 10),
    ("q9", T(2024, 3, 11), "nps", 6, 10),
    ("q10", T(2024, 2, 11), "nps", 0, 10),
]
EXPENSES = [  # date, category, amount
    (date(2024, 3, 1), "marketing", 40), (date(2024, 3, 1), "payroll", 60),
    (date(2024, 3, 1), "sales", 10), (date(2024, 3, 1), "office", 20),
    (date(2024, 3, 31), "tax", 5), (date(2024, 2, 1), "payroll", 60),
]
MARKET = [(date(2024, 3, 1), "month", "vn_toys", 36500)]
COMPETITOR_PRICES = [  # date, product_id, competitor, price
    (date(2024, 3, 10), "pA", "compA", 25), (date(2024, 3, 10), "pA", "compB", 35),
    (date(2024, 3, 12), "pB", "compA", 50),
]
RUNS = [  # run_id, line, product, started, ended, planned, run, ideal s, units, good
    ("r1", "L1", "pA", T(2024, 3, 4, 8), T(2024, 3, 4, 12), 240, 200, 60, 180, 171),
    ("r2", "L1", "pA", T(2024, 3, 11, 8), T(2024, 3, 11, 10), 120, 100, 60, 90, 90),
    ("r3", "L2", "pB", T(2024, 3, 20, 8), None, 60, 30, 30, 40, 39),
    ("r0", "L1", "pA", T(2024, 2, 5, 8), T(2024, 2, 5, 10), 120, 120, 60, 100, 80),
]
SHIFTS = [  # shift_id, date, worker, team, scheduled, worked, earned, units, good
    ("sh1", date(2024, 3, 4), "w1", "A", 8, 7.5, 6, 100, 95),
    ("sh2", date(2024, 3, 5), "w2", "A", 8, 8, 7, 120, 108),
]
INCIDENTS = [  # incident_id, occurred_at, kind
    ("i1", T(2024, 3, 2), "safety"), ("i2", T(2024, 3, 9), "quality"),
    ("i3", T(2024, 3, 30), "quality"), ("i0", T(2024, 2, 9), "safety"),
]
PROJECT_COSTS = [  # project, date, budget, planned, earned, actual, est. h, actual h, gain
    ("P1", date(2024, 3, 1), 10000, 0, 0, 0, 0, 0, 0),
    ("P1", date(2024, 3, 15), 0, 3000, 2500, 2000, 40, 50, 1000),
    ("P2", date(2024, 3, 20), 5000, 1000, 1000, 1250, 20, 18, 2500),
]


def _load(wh, name, rows: list[dict]) -> None:
    table = TABLES[name]
    wh.ensure_table(table)
    cols = table.column_names
    with wh.transaction():
        wh.merge(table, cols, [tuple(r.get(c) for c in cols) for r in rows])


def load_store(wh) -> None:
    for table in TABLES.values():
        wh.ensure_table(table)
    _load(wh, "orders", [dict(
        order_id=o, source="shop", customer_id=c, channel=ch, created_at=at, currency="USD",
        subtotal=sub, discounts=disc, shipping=ship, tax=tax,
        total=sub - disc + ship + tax, refunded=ref, status=st, is_test=o in TEST_ORDERS,
        utm_source=us, utm_medium=um, utm_campaign=uc, updated_at=at)
        for o, c, ch, at, sub, disc, ship, tax, ref, st, us, um, uc in ORDERS])
    _load(wh, "refunds", [dict(refund_id=r, source="shop", order_id=o, created_at=at, amount=a)
                          for r, o, at, a in REFUNDS])
    _load(wh, "order_lines", [dict(
        order_id=o, line_id=line, source="shop", product_id=p, variant_id="default",
        sku=p, quantity=q, unit_price=price, discount=0, unit_cost=cost)
        for o, line, p, q, price, cost in LINES])
    _load(wh, "products", [dict(
        product_id=p, variant_id="default", source="shop", sku=p, title=p, category=cat,
        price=price, unit_cost=cost) for p, cat, price, cost in PRODUCTS])
    _load(wh, "inventory_snapshots", [dict(
        snapshot_at=at, source="shop", product_id=p, variant_id="default", location_id=loc,
        on_hand=n) for at, p, loc, n in INVENTORY])
    _load(wh, "checkouts", [dict(checkout_id=k, source="shop", created_at=at, completed_at=done)
                            for k, at, done in CHECKOUTS])
    _load(wh, "sessions", [dict(
        session_id=s, user_id=u, started_at=at, duration_seconds=dur, pageviews=pv,
        engaged=eng, is_new_user=new, source=src, medium=med, channel_group=grp,
        device_category=dev, landing_page=page, added_to_cart=atc, purchased=buy)
        for s, u, at, dur, pv, eng, new, src, med, grp, dev, page, atc, buy in SESSIONS])
    _load(wh, "ad_spend", [dict(
        date=d, platform=p, campaign=c, campaign_type=ct, spend=s, impressions=i, clicks=k,
        conversions=cv, conversion_value=v) for d, p, c, ct, s, i, k, cv, v in AD_SPEND])
    _load(wh, "email_campaigns", [dict(
        date=d, campaign=c, sent=s, delivered=dl, opens=o, clicks=k, unsubscribes=u)
        for d, c, s, dl, o, k, u in EMAILS])
    _load(wh, "search_console", [dict(date=d, query=q, page=p, clicks=k, impressions=i,
                                      position=pos) for d, q, p, k, i, pos in SEARCH])
    _load(wh, "social_stats", [dict(date=d, platform=p, followers=f, impressions=i,
                                    engagements=e) for d, p, f, i, e in SOCIAL])
    _load(wh, "reviews", [dict(review_id=r, source="shop", created_at=at, product_id=p,
                               rating=n) for r, at, p, n in REVIEWS])
    _load(wh, "newsletter_subscribers", [dict(subscriber_id=s, subscribed_at=a,
                                              unsubscribed_at=u) for s, a, u in SUBSCRIBERS])
    _load(wh, "tickets", [dict(
        ticket_id=t, source="desk", created_at=at, channel=ch, status="open", category=cat,
        product_id=p, requester_id=req, assignee_id=asg, first_response_at=fr, solved_at=sv,
        reopens=0, escalated=esc, updated_at=at)
        for t, at, ch, cat, p, req, asg, fr, sv, esc in TICKETS])
    _load(wh, "survey_responses", [dict(response_id=r, source="survey", responded_at=at,
                                        kind=k, score=s, scale_max=m)
                                   for r, at, k, s, m in SURVEYS])
    _load(wh, "expenses", [dict(date=d, category=c, amount=a) for d, c, a in EXPENSES])
    _load(wh, "market_size", [dict(period_start=d, period_grain=g, market=m, amount=a,
                                   currency="USD") for d, g, m, a in MARKET])
    _load(wh, "competitor_prices", [dict(date=d, product_id=p, competitor=c, price=x)
                                    for d, p, c, x in COMPETITOR_PRICES])
    _load(wh, "production_runs", [dict(
        run_id=r, line=ln, product_id=p, started_at=s, ended_at=e, planned_minutes=pm,
        run_minutes=rm, ideal_cycle_seconds=ic, units_total=u, units_good=g)
        for r, ln, p, s, e, pm, rm, ic, u, g in RUNS])
    _load(wh, "labor_shifts", [dict(
        shift_id=s, date=d, worker_id=w, team=t, scheduled_hours=sh, worked_hours=wh_,
        standard_hours_earned=eh, units_total=u, units_good=g)
        for s, d, w, t, sh, wh_, eh, u, g in SHIFTS])
    _load(wh, "incidents", [dict(incident_id=i, occurred_at=at, kind=k, severity="low")
                            for i, at, k in INCIDENTS])
    _load(wh, "project_costs", [dict(
        project_id=p, project_name=p, date=d, budget=b, planned_cost=pc, earned_value=ev,
        actual_cost=ac, estimated_hours=eh, actual_hours=ah, gain=g)
        for p, d, b, pc, ev, ac, eh, ah, g in PROJECT_COSTS])


# -- March 2024, by hand ---------------------------------------------------------------------
# Counted March orders: o02 o05 o06 o07 o08 o09 (o10 cancelled, o11 test).
EXPECTED: dict[str, float | None] = {
    # sales: revenue
    "gross_sales": 430,             # 100 + 60 + 50 + 40 + 150 + 30
    "discounts": 15,                # 10 (o02) + 5 (o06)
    "refunds": 50,                  # r1 20 + r2 30 (a Feb order, refunded in March); r3 is
                                    # a cancelled order's
    "shipping_charged": 20,         # 5 + 5 + 0 + 5 + 0 + 5
    "tax_collected": 43,            # 10 + 6 + 5 + 4 + 15 + 3
    "net_sales": 365,               # 430 - 15 - 50
    "sales_after_discounts": 415,   # 430 - 15: no refund (r2 refunds a February order)
    "total_sales": 428,             # 365 + 20 + 43
    "units_sold": 16,               # o02 2+1, o05 2, o06 1+1, o07 1, o08 5, o09 3
    "orders": 6,
    "aov": 415 / 6,                 # (gross 430 - discounts 15) / 6 orders = 69.17 (was
                                    # net_sales / orders: r2, a refund of a February
                                    # order, moved March's AOV; issue 7)
    "average_order_size": 16 / 6,   # units / orders
    # sales: costs and profit
    "cogs": 151,                    # o02 2*10+15, o05 2*10, o06 15+4, o07 1*15 (product's
                                    # cost: the line has none), o08 5*10, o09 3*4
    "gross_profit": 214,            # 365 - 151
    "gross_margin": 214 / 365,      # 0.5863
    "expenses": 130,                # marketing 40 + payroll 60 + sales 10 + office 20 (no tax)
    "taxes_paid": 5,
    "operating_expenses": 390,      # 130 + ad spend 260
    "net_profit": -181,             # 365 - 151 - 390 - 5
    "net_profit_margin": -181 / 365,
    # sales: funnel (sessions s1..s10 in March)
    "converting_sessions": 3,       # s1 s4 s9
    "conversion_rate": 0.3,         # 3 / 10
    "order_conversion_rate": 0.6,   # 6 orders / 10 sessions
    "add_to_cart_sessions": 4,      # s1 s4 s5 s9
    "add_to_cart_rate": 0.4,        # 4 / 10
    "carts_created": 10,            # k1..k10 (k11 was created in February)
    "completed_checkouts": 3,       # k1 k2 k3 (k3 completed in April, counted with its cart)
    "checkout_completion_rate": 0.3,  # 3 / 10
    "cart_abandonment_rate": 0.7,   # 1 - 3 / 10
    # sales: customers. Order numbers: c1 o01 #1 o02 #2; c2 o03 #1; c6 o12 #1; c3 o04 #1
    # o05 #2; c4 o06 #1 o07 #2; c5 o08 #1 (o09 guest, o10 cancelled, o11 test).
    "new_customers": 2,             # c4 (o06), c5 (o08)
    "new_customer_orders": 2,       # o06, o08
    "returning_customer_orders": 3,  # o02, o05, o07
    "returning_order_share": 0.6,   # 3 / (2 new + 3 returning): the guest order o09 is
                                    # neither (was 3 / 6 orders; issue 7)
    "purchasing_customers": 4,      # c1 c3 c4 c5
    "purchase_frequency": 1.25,     # (1 + 1 + 2 + 1) / 4
    "repeat_customers": 3,          # c1 (2nd order), c3 (2nd), c4 (2nd); c5 has one
    "repeat_purchase_rate": 0.75,   # 3 / 4
    # Active = an order in the 365 days before the instant. 2024-03-01 - 365 d = 2023-03-02;
    # 2024-04-01 - 365 d = 2023-04-02 (2024 is a leap year).
    "active_customers_at_start": 4,  # S: c1 (2023-03-10), c2 (2023-03-20), c6, c3
    "active_customers": 5,          # E: c1 (2024-03-05), c6, c3, c4, c5; c2 lapsed
    "customer_retention_rate": 0.75,  # (E - N) / S = (5 - 2) / 4
    "churned_customers": 1,         # c2: active at start, not at end
    "churn_rate": 0.25,             # 1 / 4
    # CLV at the end of March: orders in [2023-04-02, 2024-04-01) of customers, net of
    # discounts and the order's refunded amount: o12 80-10, o04 120-20-30, o02 100-10-20,
    # o05 60, o06 50-5, o07 40, o08 150 = 70 + 70 + 70 + 60 + 45 + 40 + 150
    "trailing_year_revenue": 505,
    # a year earlier = [2022-04-02, 2023-04-02): c1, c2; c2 has not ordered since
    "customers_active_year_before": 2,
    "yearly_churned_customers": 1,
    "yearly_churn_rate": 0.5,       # 1 / 2
    "customer_lifespan_years": 2,   # 1 / 0.5
    "clv": 202,                     # 505 / 5 active customers / 0.5
    "lifetime_revenue": 805,        # 505 + o01 200 + o03 100
    "customers_to_date": 6,         # c1 c2 c3 c4 c5 c6
    "clv_historical": 805 / 6,
    "revenue_per_visitor": 41.5,    # 415 / 10 sessions: sales after discounts, like aov
                                    # (was net_sales 365 / 10, with r2's refund; issue 7)
    # acquisition
    "acquisition_expenses": 50,     # marketing 40 + sales 10
    "cac": 155,                     # (ad spend 260 + 50) / 2 new customers
    "roas": 460 / 260,              # (250 + 100 + 60 + 0 + 50) / (100 + 50 + 80 + 20 + 10)
    "market_size": 36500,
    "market_share": 0.01,           # 365 / 36500
    # product affinity, March baskets: o02 {A,B}, o05 {A}, o06 {B,C}, o07 {B}, o08 {A},
    # o09 {C}; no breakdown: pair orders = orders with two products (o02, o06)
    "product_pair_orders": 2,
    "product_orders_a": 6,          # every basket has some product
    "product_orders_b": 6,
    "basket_orders": 6,
    "product_affinity_support": 2 / 6,
    "product_affinity_confidence": 2 / 6,
    "product_affinity_lift": 2 * 6 / (6 * 6),
    "product_affinity": 2 * 6 / (6 * 6),
    # inventory: last snapshot per product and location in March
    "inventory_on_hand": 80,        # pA/L1 40 (Mar 31) + pB 20 + pC 12 (Mar 31) + pA/L2 8
    "sell_through_rate": 16 / 96,   # 16 / (16 + 80)
    "units_sold_last_30_days": 16,  # orders in [2024-03-02, 2024-04-01): all of March's
    "days_of_inventory": 150,       # 80 / (16 / 30)
    "inventory_on_hand_previous_period": 30,  # February: pC/L1 30 (Feb 28), the only reading
    "stock_turnover": 16 / 55,      # units sold 16 / ((30 + 80) / 2)
    # price checks: our price pA 30 (twice), pB 40 against 25, 35 and 50
    "our_price_observed": 100,      # 30 + 30 + 40
    "competitor_price_observed": 110,  # 25 + 35 + 50
    "price_index": 100 / 110,
    # comparisons: Feb net = 120 - 20 - 10 (r4); March 2023 net = 200 + 100
    "net_sales_previous_period": 90,
    "net_sales_growth": (365 - 90) / 90,
    "net_sales_last_year": 300,
    "net_sales_yoy_growth": (365 - 300) / 300,
    "gross_sales_ytd": 630,         # Jan 80 + Feb 120 + Mar 430
    # marketing: traffic
    "sessions": 10,
    "users": 7,                     # u1..u7
    "new_users": 7,                 # s1 u1, s3 u2, s4 u3, s6 u4, s7 u5, s8 u6, s10 u7
    "returning_users": 3,           # s2 u1, s5 u3, s9 u2
    "returning_sessions": 3,
    "returning_visitor_rate": 0.3,  # 3 / 10
    "session_duration_total": 565,  # 120+60+5+200+30+0+90+45+15 (s8 unknown)
    "avg_session_duration": 56.5,   # 565 / 10
    "engaged_sessions": 6,          # s1 s2 s4 s5 s7 s9
    "bounced_sessions": 4,          # s3 s6 s8 (engaged unknown) s10
    "bounce_rate": 0.4,
    "pageviews": 23,                # 3+2+1+5+2+1+4+1+3+1
    "pageviews_per_session": 2.3,
    "all_sessions": 10,
    "traffic_share": 1.0,           # no breakdown: all of it
    "mobile_sessions": 5,           # s1 s3 s4 s8 s9
    "mobile_traffic_share": 0.5,
    "peak_traffic_hour_key": 510,   # hour 10 has s1 s2 s4 s6 s9: 5 * 100 + 10
    "peak_traffic_hour": 10,
    "ppc_sessions": 2,              # s1 s7 (Paid Search); s4 is paid social
    "blog_sessions": 3,             # s2 s5 s6
    "blog_traffic_share": 0.3,
    # e-mail and newsletter
    "newsletter_subscribers": 3,    # n1, n3, n4 (leaves in April); n2 left in March
    "new_newsletter_subscribers": 2,  # n3, n4
    "emails_delivered": 1440,       # 950 + 490
    "email_opens": 530,             # 380 + 150
    "email_clicks": 100,            # 76 + 24
    "email_open_rate": 530 / 1440,
    "email_click_through_rate": 100 / 1440,  # clicks / delivered (was clicks / opens,
                                             # now click_to_open_rate; issue 7)
    "click_to_open_rate": 100 / 530,
    "email_unsubscribes": 7,
    "unsubscribe_rate": 7 / 1440,
    "chat_sessions_started": 1,     # t3 (t4 is social)
    # social
    "social_followers": 1600,       # facebook 1100 (Mar 31) + instagram 500 (Mar 15)
    "social_engagements": 330,      # 100 + 150 + 80
    "social_impressions": 13000,    # 5000 + 6000 + 2000
    "social_engagement_rate": 330 / 13000,
    # clicks, search, ads
    "ad_clicks": 123,               # 50 + 25 + 40 + 8 + 0
    "ad_impressions": 7500,         # 1000 + 500 + 2000 + 4000
    "organic_search_clicks": 40,
    "organic_search_impressions": 1000,
    "clicks": 263,                  # 123 + 100 + 40
    "click_through_rate": 163 / 8500,  # (123 + 40) / (7500 + 1000)
    "search_position_weighted": 5000,  # 3 * 600 + 8 * 400
    "average_search_position": 5.0,    # 5000 / 1000
    "product_reviews": 4,
    "average_review_rating": 4.25,  # (5 + 4 + 3 + 5) / 4
    "display_ad_clicks": 8,
    "display_ad_impressions": 4000,
    "display_ad_ctr": 0.002,        # 8 / 4000
    "affiliate_revenue": 45,        # o06: 50 - 5
    "affiliate_spend": 10,
    "affiliate_roas": 4.5,          # 45 / 10
    "ad_spend": 260,
    "ad_conversion_value": 460,
    "media_spend": 250,             # 100 + 50 + 80 + 20: all but the affiliate's 10
    "cpc": 250 / 123,               # media spend / ad clicks = 2.03
    "cpm": 1000 * 250 / 7500,       # 33.33 per thousand ad impressions
    # customer service
    "csat": 0.75,                   # satisfied 3 (5, 4, and 8 of 10) / 4 answers (was
                                    # the mean rating, now csat_average_score; issue 7)
    "csat_average_score": 3.75,     # (5 + 4 + 2 + 8 * 5 / 10) / 4
    "csat_responses": 4,
    "csat_positive_responses": 3,   # 5, 4, and 8 of 10
    "nps_responses": 5,             # 10 9 9 7 6
    "nps_promoters": 3,
    "nps_detractors": 1,
    "nps": 40,                      # 100 * (3 - 1) / 5
    "support_tickets": 5,           # t1..t5
    "support_emails": 2,            # t1 t5
    "support_calls": 1,             # t2
    "support_chats": 2,             # t3 chat, t4 social
    "tickets_by_category": 5,
    "escalated_tickets": 1,         # t2
    "escalation_rate": 0.2,
    "support_contact_customers": 3,  # about a product: c1 (t1, t5), c3, c4
    "hit_rate": 16 / 3,             # units sold / customers contacting support
    "contact_rate": 5 / 6,          # 5 tickets / 6 orders
    # first answered in March: t1 t2 t3 t5 (t6 was answered in February)
    "first_response_time": 1440,    # (1800 + 300 + 60 + 3600) / 4
    "first_response_time_median": 1050,  # (300 + 1800) / 2
    "first_response_time_created_cohort": 1440,  # created in March: the same four
    # solved in March: t1 86400, t2 7200, t6 (Feb 20 to Mar 5: 14 days) 1209600; t5 was
    # solved in April (was: tickets created in March, 290400; issue 7)
    "resolution_time": 434400,      # (86400 + 7200 + 1209600) / 3
    "resolution_time_median": 86400,
    "resolution_time_created_cohort": 290400,  # (86400 + 7200 + 777600 (t5: 9 days)) / 3
    "active_issues": 2,             # at Apr 1: t3 (open, a2), t5 (solved Apr 3, a2)
    "ticket_backlog": 2,            # t4, t7 (from February): open, unassigned
    # production
    "run_seconds": 21600,           # r1 4 h + r2 2 h (r3 still running)
    "cycle_time": 10800,            # (14400 + 7200) / 2
    "units_produced": 310,          # 180 + 90 + 40
    "units_produced_finished": 270,  # r1 180 + r2 90 (r3 still running)
    "unit_cycle_time": 80,          # 21600 s / 270 units of the same finished runs (was
                                    # 21600 / 310 with r3's units; issue 7)
    "good_units": 300,              # 171 + 90 + 39
    "production_yield": 300 / 310,
    "good_units_to_date": 380,      # 300 + r0 80
    "units_produced_to_date": 410,  # 310 + r0 100
    "production_yield_average": 380 / 410,
    "production_yield_variance": 300 / 310 - 380 / 410,
    "planned_production_minutes": 420,  # 240 + 120 + 60
    "run_minutes": 330,             # 200 + 100 + 30
    "ideal_run_minutes": 290,       # (60 * 180 + 60 * 90 + 30 * 40) / 60
    "oee_availability": 330 / 420,
    "oee_performance": 290 / 330,
    "oee_quality": 300 / 310,
    "oee": (330 / 420) * (290 / 330) * (300 / 310),  # 0.6682
    "scheduled_labor_hours": 16,
    "worked_labor_hours": 15.5,
    "earned_labor_hours": 13,
    "labor_units_good": 203,        # 95 + 108
    "labor_units_total": 220,       # 100 + 120
    "ole_availability": 15.5 / 16,
    "ole_performance": 13 / 15.5,
    "ole_quality": 203 / 220,
    "ole": (15.5 / 16) * (13 / 15.5) * (203 / 220),  # 0.7497
    "non_compliance_incidents": 3,
    # project management
    "hours_worked": 68,             # 50 + 18
    "estimated_hours": 60,          # 40 + 20
    "hours_variance": 8,            # 68 - 60
    "budget": 15000,                # 10000 + 5000
    "planned_value": 4000,          # 3000 + 1000
    "earned_value": 3500,           # 2500 + 1000
    "actual_cost": 3250,            # 2000 + 1250
    "project_gain": 3500,           # 1000 + 2500
    "roi": (3500 - 3250) / 3250,    # 0.0769
    "cost_variance": 250,           # EV 3500 - AC 3250
    "cpi": 3500 / 3250,
    # b2b: o08 (phone) is the only offline March order; o04 (Feb) was by a sales rep
    "online_orders": 5,
    "online_order_share": 5 / 6,
    # consecutive months: February's only order, o04, was by a sales rep, so no online
    # buyer to retain (was two overlapping 365-day windows, 2 / 3; issue 7). The yearly
    # case is in test_online_retention_by_year.
    "online_buyers_previous_period": 0,
    "online_buyers_retained": 0,
    "online_retention_rate": None,  # 0 / 0
    "cac_fully_loaded": 195,        # operating expenses 390 / 2 new customers
}


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def store():
    wh = DuckDBWarehouse("duckdb:///:memory:")
    load_store(wh)
    yield wh
    wh.close()


def _value(records, metric):
    assert len(records) == 1, records
    assert records[0]["period"] == "2024-03-01"
    value = records[0][metric]
    return None if value is None else float(value)


def _approx(expected):
    """A golden value; None (a ratio over nothing) must come back as NULL exactly."""
    return None if expected is None else pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_every_shipped_metric_has_a_golden_value(registry):
    assert sorted(set(registry.metrics) - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - set(registry.metrics)) == []


@pytest.mark.parametrize("metric", sorted(EXPECTED))
def test_metric_golden_value(registry, store, metric):
    records = evaluate(registry, Request(metrics=(metric,), **MARCH), store)
    assert _value(records, metric) == _approx(EXPECTED[metric])


def test_all_metrics_in_one_statement(registry, store):
    """Every metric in ONE request: scans are shared, values must not change."""
    names = tuple(sorted(EXPECTED))
    records = evaluate(registry, Request(metrics=names, **MARCH), store)
    got = {m: _value(records, m) for m in names}
    assert got == {m: _approx(v) for m, v in EXPECTED.items()}


def _by(registry, store, metrics, dims, **kw):
    request = Request(metrics=tuple(metrics), dimensions=tuple(dims), **(kw or MARCH))
    return evaluate(registry, request, store)


def test_online_retention_by_year(registry, store):
    records = evaluate(registry, Request(
        metrics=("online_buyers_previous_period", "online_buyers_retained",
                 "online_retention_rate"),
        grain="year", since=date(2024, 1, 1), until=date(2025, 1, 1)), store)
    # 2023's online buyers: c1 (o01), c2 (o03); online again in 2024: c1 (o02) -> 1 / 2
    assert [(r["online_buyers_previous_period"], r["online_buyers_retained"])
            for r in records] == [(2, 1)]
    assert float(records[0]["online_retention_rate"]) == pytest.approx(0.5)


def test_traffic_share_by_marketing_channel(registry, store):
    rows = _by(registry, store, ["traffic_share", "sessions"], ["marketing_channel"])
    got = {r["marketing_channel"]: float(r["traffic_share"]) for r in rows}
    # 10 sessions: paid_search s1 s7, organic_search s2 s6 s9, direct s3 s8,
    # paid_social s4, email s5, affiliates s10
    assert got == pytest.approx({"paid_search": 0.2, "organic_search": 0.3, "direct": 0.2,
                                 "paid_social": 0.1, "email": 0.1, "affiliates": 0.1})


def test_product_affinity_by_pair(registry, store):
    rows = _by(registry, store, ["product_affinity_support", "product_affinity_confidence",
                                 "product_affinity_lift", "product_affinity"],
               ["product_a", "product_b"])
    got = {(r["product_a"], r["product_b"]): r for r in rows}
    assert set(got) == {("pA", "pB"), ("pB", "pA"), ("pB", "pC"), ("pC", "pB")}
    # A in o02 o05 o08 (3 orders), B in o02 o06 o07 (3), C in o06 o09 (2); 6 baskets
    ab, bc, cb = got[("pA", "pB")], got[("pB", "pC")], got[("pC", "pB")]
    assert float(ab["product_affinity_support"]) == pytest.approx(1 / 6)
    assert float(ab["product_affinity_confidence"]) == pytest.approx(1 / 3)   # 1 / A's 3
    assert float(ab["product_affinity_lift"]) == pytest.approx(6 / 9)        # 1*6/(3*3)
    assert float(ab["product_affinity"]) == pytest.approx(6 / 9)
    assert float(bc["product_affinity_confidence"]) == pytest.approx(1 / 3)  # 1 / B's 3
    assert float(cb["product_affinity_confidence"]) == pytest.approx(1 / 2)  # 1 / C's 2
    assert float(bc["product_affinity_lift"]) == pytest.approx(1.0)          # 1*6/(3*2)


def test_aov_by_channel_type(registry, store):
    rows = _by(registry, store, ["aov", "orders"], ["channel_type"])
    got = {r["channel_type"]: float(r["aov"]) for r in rows}
    # online: (280 - 15) / 5 = 53; offline: o08 150 / 1 order. Refunds (r1 of o02, r2 of
    # February's o04) do not move AOV.
    assert got == pytest.approx({"online": 53.0, "offline": 150.0})


def test_market_share_by_channel_type(registry, store):
    rows = _by(registry, store, ["market_share"], ["channel_type"])
    got = {r["channel_type"]: float(r["market_share"]) for r in rows}
    # the market (36,500) repeats on every row: online 245 / 36500, offline 120 / 36500
    assert got == pytest.approx({"online": 245 / 36500, "offline": 120 / 36500})


def test_hit_rate_and_price_index_by_product(registry, store):
    rows = _by(registry, store, ["hit_rate"], ["product_id"])
    got = {r["product_id"]: r["hit_rate"] for r in rows}
    # pA: 9 units (2 + 2 + 5) / 2 customers (c1, c4); pB: 3 units / 1 (c3); pC: no contact
    assert float(got["pA"]) == pytest.approx(4.5)
    assert float(got["pB"]) == pytest.approx(3.0)
    assert got["pC"] is None
    rows = _by(registry, store, ["price_index"], ["product_id"])
    got = {r["product_id"]: float(r["price_index"]) for r in rows}
    assert got == pytest.approx({"pA": 60 / 60, "pB": 40 / 50})


def test_cac_by_marketing_channel_keeps_expenses_apart(registry, store):
    rows = _by(registry, store, ["cac", "new_customers"], ["marketing_channel"])
    got = {r["marketing_channel"]: r for r in rows}
    # new customers' first orders: o06 (affiliate), o08 (no UTM: direct)
    assert float(got["affiliates"]["cac"]) == pytest.approx(10.0)   # affiliate spend 10 / 1
    assert float(got["direct"]["cac"]) == 0.0                       # no spend: 0 / 1
    # expenses (40 + 10) are unattributed, with no new customer: NULL, never spread
    assert got["unattributed"]["cac"] is None


def test_operating_expenses_by_category(registry, store):
    rows = _by(registry, store, ["operating_expenses"], ["category"])
    got = {r["category"]: float(r["operating_expenses"]) for r in rows}
    assert got == pytest.approx({"marketing": 40, "payroll": 60, "sales": 10, "office": 20,
                                 "tax": 0, "advertising": 260})


def test_retention_over_months(registry, store):
    records = evaluate(registry, Request(
        metrics=("active_customers", "customer_retention_rate", "churn_rate"),
        grain="month", since=date(2024, 1, 1), until=date(2024, 4, 1)), store)
    # Jan: S = c1 c2 (2023-03) = 2; E = c1 c2 c6 = 3; N = c6 -> (3 - 1) / 2 = 1; no churn.
    # Feb: S = 3; E = c1 c2 c6 c3 = 4 (c2's 2023-03-20 order is within 365 days of Mar 1);
    #      N = c3 -> (4 - 1) / 3 = 1.
    # Mar: (5 - 2) / 4 = 0.75, churn 1 / 4 (c2).
    assert [r["active_customers"] for r in records] == [3, 4, 5]
    assert [float(r["customer_retention_rate"]) for r in records] == pytest.approx(
        [1.0, 1.0, 0.75])
    assert [float(r["churn_rate"]) for r in records] == pytest.approx([0.0, 0.0, 0.25])


# -- seed 003's worked example --------------------------------------------------------------
def test_seed_003_worked_example():
    """10,000 visitors x 3% conversion x $100 AOV = $30,000; +0.5 point = +$5,000."""
    wh = DuckDBWarehouse("duckdb:///:memory:")
    try:
        for table in TABLES.values():
            wh.ensure_table(table)
        sessions, orders = [], []
        for month, buyers in ((1, 300), (2, 350)):  # 3% then 3.5% of 10,000 visits
            for i in range(10_000):
                sessions.append(dict(session_id=f"s{month}-{i}", user_id=f"u{month}-{i}",
                                     started_at=datetime(2024, month, 1 + i % 28, 12),
                                     purchased=i < buyers))
            for i in range(buyers):
                orders.append(dict(order_id=f"o{month}-{i}", source="shop",
                                   customer_id=f"u{month}-{i}", channel="web",
                                   created_at=datetime(2024, month, 1 + i % 28, 12),
                                   subtotal=100, discounts=0, shipping=0, tax=0, total=100,
                                   refunded=0, status="paid", is_test=False))
        _load(wh, "sessions", sessions)
        _load(wh, "orders", orders)
        records = evaluate(load_registry(), Request(
            metrics=("sessions", "conversion_rate", "aov", "net_sales"), grain="month",
            since=date(2024, 1, 1), until=date(2024, 3, 1)), wh)
    finally:
        wh.close()
    jan, feb = records
    assert jan["sessions"] == feb["sessions"] == 10_000
    assert float(jan["conversion_rate"]) == pytest.approx(0.03)
    assert float(feb["conversion_rate"]) == pytest.approx(0.035)   # +0.5 point
    assert float(jan["aov"]) == float(feb["aov"]) == pytest.approx(100)
    # revenue = sessions x conversion rate x AOV
    assert float(jan["net_sales"]) == pytest.approx(30_000) == pytest.approx(
        jan["sessions"] * float(jan["conversion_rate"]) * float(jan["aov"]))
    assert float(feb["net_sales"]) - float(jan["net_sales"]) == pytest.approx(5_000)
