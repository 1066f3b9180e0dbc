"""Newsletter list, email campaigns and paid advertising."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .timeline import Timeline, money, sale_factor


@dataclass(frozen=True)
class AdCampaign:
    platform: str
    campaign: str
    campaign_type: str
    channel_group: str  # the sessions' channel group its clicks land in
    source: str  # utm_source / session source of its clicks
    medium: str
    share: float  # of its channel group's sessions
    cpc: float
    ctr: float
    roas: float  # what the platform reports as conversion value per unit of spend


AD_CAMPAIGNS = (
    AdCampaign("google_ads", "search_brand", "search", "Paid Search", "google", "cpc",
               0.35, 0.30, 0.09, 5.5),
    AdCampaign("google_ads", "search_generic", "search", "Paid Search", "google", "cpc",
               0.65, 0.85, 0.035, 2.3),
    AdCampaign("facebook_ads", "fb_prospecting", "social", "Paid Social", "facebook",
               "paid_social", 0.5, 0.55, 0.012, 1.9),
    AdCampaign("facebook_ads", "fb_retargeting", "social", "Paid Social", "facebook",
               "paid_social", 0.2, 0.45, 0.018, 4.5),
    AdCampaign("tiktok", "tt_spark_ads", "social", "Paid Social", "tiktok", "paid_social",
               0.3, 0.40, 0.009, 1.6),
)
# Display clicks rarely turn into sessions worth a channel of their own: the campaign is
# modelled from impressions. Affiliates are paid a commission on the orders they bring.
DISPLAY = AdCampaign("google_ads", "display_remarketing", "display", "", "", "", 0, 0, 0.004,
                     1.3)
AFFILIATE = AdCampaign("affiliate_network", "affiliate_program", "affiliate", "Referral",
                       "affiliate_network", "affiliate", 0.35, 0, 0.02, 0)
AFFILIATE_COMMISSION = Decimal("0.12")


def newsletter_subscribers(rng: random.Random, tl: Timeline) -> list[dict[str, Any]]:
    """An existing list imported on the first day, then daily sign-ups and slow churn."""
    joins: list[datetime] = [tl.at(0, 9 * 3600 + rng.randrange(3600)) for _ in range(1200)]
    for i in range(tl.days):
        for _ in range(round(8 * tl.share(i) * tl.days * rng.uniform(0.6, 1.4))):
            joins.append(tl.random_moment(rng, i))
    rows = []
    for n, joined in enumerate(sorted(joins), start=1):
        left = joined + timedelta(days=rng.expovariate(0.012 / 30))  # ~1.2% a month
        rows.append({"subscriber_id": f"sub{n:05d}", "subscribed_at": joined,
                     "unsubscribed_at": tl.within(left)})
    return rows


def email_campaigns(rng: random.Random, tl: Timeline, subscribers: list[dict[str, Any]]
                    ) -> tuple[list[dict[str, Any]], list[str | None]]:
    """A newsletter every Tuesday plus one per sale day; returns the rows and, per day,
    the campaign whose emails bring that day's email sessions."""
    joined = sorted(s["subscribed_at"] for s in subscribers)
    left = sorted(s["unsubscribed_at"] for s in subscribers if s["unsubscribed_at"])
    sends = [(i, f"newsletter_{tl.day(i):%Y_%m_%d}") if tl.day(i).weekday() == 1
             else (i, f"sale_{tl.day(i):%Y_%m_%d}")
             for i in range(tl.days)
             if tl.day(i).weekday() == 1 or sale_factor(tl.day(i)) > 1]
    rows: list[dict[str, Any]] = []
    for k, (i, name) in enumerate(sends):
        sent_at = tl.at(i, 10 * 3600)
        next_at = tl.at(sends[k + 1][0], 10 * 3600) if k + 1 < len(sends) else tl.end_at
        sent = bisect_right(joined, sent_at) - bisect_right(left, sent_at)
        delivered = round(sent * rng.uniform(0.975, 0.992))
        opens = round(delivered * rng.uniform(0.2, 0.32) * (1.15 if "sale" in name else 1))
        rows.append({
            "date": tl.day(i), "campaign": name, "sent": sent, "delivered": delivered,
            "opens": opens, "clicks": round(opens * rng.uniform(0.08, 0.18)),
            # leavers until the next send: they unsubscribe from the last email they got
            "unsubscribes": bisect_right(left, next_at) - bisect_right(left, sent_at)})
    by_day: list[str | None] = [None] * tl.days
    for i, name in sends:
        for j in range(i, min(i + 7, tl.days)):
            by_day[j] = name
    return rows, by_day


def ad_spend(rng: random.Random, tl: Timeline, sessions: list[dict[str, Any]],
             orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Daily platform reports; clicks follow the sessions each campaign brought."""
    clicks_by: Counter[tuple[int, str]] = Counter()
    for s in sessions:
        if s["campaign"] and s["medium"] in ("cpc", "paid_social", "affiliate"):
            clicks_by[tl.index(s["started_at"]), s["campaign"]] += 1
    affiliate_sales: defaultdict[int, list[Decimal]] = defaultdict(list)
    for o in orders:
        if o["utm_medium"] == "affiliate" and o["status"] != "cancelled" and not o["is_test"]:
            affiliate_sales[tl.index(o["created_at"])].append(o["total"])
    rows = []
    for i in range(tl.days):
        for c in AD_CAMPAIGNS:
            # platforms count more clicks than sessions arrive (bounces before the tag)
            clicks = round(clicks_by[i, c.campaign] * rng.uniform(1.05, 1.25))
            impressions = round(clicks / (c.ctr * rng.uniform(0.85, 1.15))) + rng.randrange(50)
            spend = money(clicks * c.cpc * rng.uniform(0.85, 1.15))
            value = money(float(spend) * c.roas * rng.uniform(0.7, 1.3))
            rows.append(_ad_row(tl, i, c, spend, impressions, clicks,
                                round(float(value) / 62, 2), value))
        impressions = round(7000 * tl.share(i) * tl.days * rng.uniform(0.8, 1.2))
        spend = money(impressions / 1000 * 2.4 * rng.uniform(0.9, 1.1))  # CPM buying
        clicks = round(impressions * DISPLAY.ctr * rng.uniform(0.8, 1.2))
        value = money(float(spend) * DISPLAY.roas * rng.uniform(0.6, 1.4))
        rows.append(_ad_row(tl, i, DISPLAY, spend, impressions, clicks,
                            round(float(value) / 62, 2), value))
        sales = affiliate_sales.get(i, [])
        value = sum(sales, Decimal(0))
        clicks = clicks_by[i, AFFILIATE.campaign]
        rows.append(_ad_row(tl, i, AFFILIATE, money(value * AFFILIATE_COMMISSION),
                            round(clicks / AFFILIATE.ctr), clicks, float(len(sales)), value))
    return rows


def _ad_row(tl: Timeline, i: int, c: AdCampaign, spend: Decimal, impressions: int,
            clicks: int, conversions: float, value: Decimal) -> dict[str, Any]:
    return {"date": tl.day(i), "platform": c.platform, "campaign": c.campaign,
            "campaign_type": c.campaign_type, "spend": spend, "impressions": impressions,
            "clicks": clicks, "conversions": conversions, "conversion_value": value}
