"""Operating expenses by day and category."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from .timeline import Timeline, money

MARKETPLACE_FEE = Decimal("0.08")
SALES_REP_COMMISSION = Decimal("0.05")
INCOME_TAX_ON_SALES = Decimal("0.02")  # a flat estimate paid monthly


def expenses(rng: random.Random, tl: Timeline, orders: list[dict[str, Any]]
             ) -> list[dict[str, Any]]:
    """marketing holds content, tools and agency fees only: ad platforms' spend is in
    ad_spend, so acquisition cost can add both without counting ads twice."""
    count: defaultdict[int, int] = defaultdict(int)
    fees: defaultdict[int, Decimal] = defaultdict(Decimal)
    monthly_sales: defaultdict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for o in orders:
        if o["status"] == "cancelled" or o["is_test"]:
            continue
        i, net = tl.index(o["created_at"]), o["subtotal"] - o["discounts"]
        count[i] += 1
        if o["channel"] in ("shopee", "lazada"):
            fees[i] += net * MARKETPLACE_FEE
        elif o["channel"] == "sales_rep":
            fees[i] += net * SALES_REP_COMMISSION
        monthly_sales[o["created_at"].year, o["created_at"].month] += net
    rows = []
    for i in range(tl.days):
        day = tl.day(i)
        amounts = {
            "marketing": rng.uniform(15, 35) + (600 if day.day == 1 else 0),
            "operations": 38 + count[i] * 1.2 * rng.uniform(0.9, 1.1),  # rent + packing
            "sales": fees[i]}
        if (day + timedelta(days=1)).day == 1:  # salaries at the end of the month
            amounts["payroll"] = 3500 * rng.uniform(0.98, 1.03)
        previous = (day.replace(day=1) - timedelta(days=1))
        if day.day == 20 and (previous.year, previous.month) in monthly_sales:
            amounts["tax"] = monthly_sales[previous.year, previous.month] * INCOME_TAX_ON_SALES
        rows.extend({"date": day, "category": category, "amount": money(amount)}
                    for category, amount in sorted(amounts.items()) if amount)
    return rows
