"""Input tables about the market and the audience: market size, competitor prices,
social accounts, search console, reviews and goals."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .catalog import Variant
from .commerce import Commerce
from .timeline import SOURCE, Timeline, money

COMPETITORS = {"rival_mall": 0.93, "brand_outlet": 1.04, "eco_boutique": 1.12}
# platform: followers on day one, new followers a day, engagements per impression
_SOCIAL = {"facebook": (12000, 6, 0.015), "instagram": (8500, 14, 0.035),
           "tiktok": (3000, 28, 0.05)}
_SITE = "https://shop.example.com"
# query, page, typical position on day one, impressions on an average day
_SEARCHES = (
    ("linen shirt", "/products/linen-shirt", 9.0, 60),
    ("linen shirt women", "/products/linen-shirt", 12.5, 35),
    ("organic cotton t shirt", "/products/organic-cotton-tee", 7.5, 80),
    ("wrap dress", "/products/wrap-dress", 18.0, 90),
    ("canvas sneakers", "/products/canvas-sneakers", 14.0, 70),
    ("rain jacket lightweight", "/products/rain-jacket", 11.0, 25),
    ("soy candle", "/products/soy-candle", 16.0, 40),
    ("natural lip balm", "/products/natural-lip-balm", 8.0, 45),
    ("sustainable fashion brand", "/", 22.0, 55),
    ("shop example", "/", 1.2, 30),
    ("how to wash linen", "/blog/how-to-care-for-linen", 4.5, 120),
    ("capsule wardrobe", "/blog/capsule-wardrobe-guide", 9.5, 150),
    ("what is organic cotton", "/blog/what-is-organic-cotton", 6.0, 70),
    ("sneaker size chart", "/blog/sneaker-size-guide", 5.0, 90),
    ("home decor linen", "/collections/home", 19.0, 40),
)


def market_size(rng: random.Random, tl: Timeline) -> list[dict[str, Any]]:
    """Monthly size of the online fashion and lifestyle market the store sells into."""
    rows = []
    for first in tl.months():
        season = 1.35 if first.month in (11, 12) else 0.85 if first.month == 2 else 1.0
        growth = 1 + 0.012 * (first - tl.start).days / 30  # the market grows ~15% a year
        rows.append({"period_start": first, "period_grain": "month",
                     "market": "sea_fashion_online",
                     "amount": money(round(24_000_000 * season * growth
                                           * rng.uniform(0.97, 1.03), -3)),
                     "currency": "USD"})
    return rows


def competitor_prices(rng: random.Random, tl: Timeline, variants: list[Variant]
                      ) -> list[dict[str, Any]]:
    """Weekly price checks (on Mondays) for every product at every competitor."""
    base = {v.product_id: v.price for v in reversed(variants)}  # the first variant's
    level = {(p, c): factor * rng.uniform(0.95, 1.05) for p in base
             for c, factor in COMPETITORS.items()}
    rows = []
    for i in range(tl.days):
        if tl.day(i).weekday() != 0:
            continue
        for (product_id, competitor), factor in level.items():
            # prices drift a little from week to week
            level[product_id, competitor] = factor * rng.uniform(0.985, 1.015)
            rows.append({"date": tl.day(i), "product_id": product_id,
                         "competitor": competitor,
                         "price": money(base[product_id] * Decimal(repr(factor)))})
    return rows


def social_stats(rng: random.Random, tl: Timeline) -> list[dict[str, Any]]:
    rows = []
    followers = {p: spec[0] for p, spec in _SOCIAL.items()}
    for i in range(tl.days):
        for platform, (_, growth, rate) in _SOCIAL.items():
            followers[platform] += round(growth * rng.uniform(0.2, 1.8)) - rng.randrange(4)
            impressions = round(followers[platform] * 0.45 * tl.share(i) * tl.days
                                * rng.uniform(0.6, 1.4))
            rows.append({"date": tl.day(i), "platform": platform,
                         "followers": followers[platform], "impressions": impressions,
                         "engagements": round(impressions * rate * rng.uniform(0.7, 1.3))})
    return rows


def search_console(rng: random.Random, tl: Timeline) -> list[dict[str, Any]]:
    rows = []
    for i in range(tl.days):
        for query, page, position, impressions in _SEARCHES:
            # SEO work pays off: about two positions better by the end of the year
            pos = max(1.0, position * (1 - 0.18 * i / 365) + rng.gauss(0, 0.6))
            shown = round(impressions * tl.share(i) * tl.days * rng.uniform(0.7, 1.3))
            if not shown:
                continue
            ctr = min(0.6, 0.3 / pos ** 0.9)  # click-through falls with position
            rows.append({"date": tl.day(i), "query": query, "page": _SITE + page,
                         "clicks": round(shown * ctr * rng.uniform(0.8, 1.2)),
                         "impressions": shown, "position": round(pos, 1)})
    return rows


def reviews(rng: random.Random, tl: Timeline, shop: Commerce,
            variants: list[Variant]) -> list[dict[str, Any]]:
    """About one delivered order in twelve gets a review of one of its products."""
    bias = {v.product_id: v.rating_bias for v in variants}
    found = []
    for o in shop.orders:
        if o["status"] != "fulfilled" or o["order_id"] not in shop.products_of:
            continue
        if rng.random() >= 0.085:
            continue
        at = tl.within(o["created_at"] + timedelta(days=rng.uniform(5, 25)))
        if at is None:
            continue
        product = rng.choice(shop.products_of[o["order_id"]])
        stars = 4.3 + bias[product] + rng.gauss(0, 1.0)
        found.append((at, product, min(5, max(1, round(stars)))))
    found.sort(key=lambda r: r[0])
    return [{"review_id": f"rv{n:05d}", "source": SOURCE, "created_at": at,
             "product_id": product, "rating": rating}
            for n, (at, product, rating) in enumerate(found, start=1)]


def targets(tl: Timeline, shop: Commerce) -> list[dict[str, Any]]:
    """Goals the team set: +50% traffic a year, +40% sales a year, and rates."""
    rows = []
    months = tl.months()
    sales: defaultdict[date, Decimal] = defaultdict(Decimal)
    for o in shop.orders:
        sales[o["created_at"].date().replace(day=1)] += o["subtotal"]
    first_sales = float(sales[months[0]]) if months else 0.0
    for k, first in enumerate(months):
        rows.append(_target("sessions", first, "month", round(7000 * 1.5 ** (k / 12), -2)))
        rows.append(_target("net_sales", first, "month",
                            round(first_sales * 1.4 ** (k / 12), -3)))
        if first.month in (1, 4, 7, 10):
            rows.append(_target("conversion_rate", first, "quarter", 0.025))
            rows.append(_target("cart_abandonment_rate", first, "quarter", 0.68))
        if first.month == 1:
            rows.append(_target("churn_rate", first, "year", 0.55))
    return rows


def _target(metric: str, start: date, grain: str, value: float) -> dict[str, Any]:
    return {"metric": metric, "period_start": start, "period_grain": grain,
            "value": float(value), "owner": OWNERS.get(metric), "slice": None}


OWNERS = {"sessions": "Marketing team", "net_sales": "Sales team"}


# Units of the reporting currency (the demo store's USD) per unit of each currency, about
# what they were in 2025; the demo's orders are all in USD, so these only show the table.
_RATES = {"EUR": 1.08, "MYR": 0.22, "VND": 0.0000394, "IRR": 0.0000238}


def exchange_rates(rng: random.Random, tl: Timeline) -> list[dict[str, Any]]:
    """A rate per currency each Monday (a rate holds until the currency's next row)."""
    rows, level = [], dict(_RATES)
    for i in range(tl.days):
        day = tl.day(i)
        if i and day.weekday() != 0:
            continue
        for currency in sorted(level):
            level[currency] *= 1 + rng.uniform(-0.01, 0.01)
            rows.append({"date": day, "currency": currency,
                         "rate": float(f"{level[currency]:.6g}")})
    return rows

