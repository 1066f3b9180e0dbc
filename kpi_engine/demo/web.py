"""Web sessions, GA4-style: traffic sources, devices, engagement and the shop funnel."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from itertools import accumulate
from typing import Any

from .catalog import COUNTRIES, COUNTRY_WEIGHTS, Variant
from .marketing import AD_CAMPAIGNS, AFFILIATE
from .timeline import Timeline

SESSIONS_PER_YEAR = 100_000

# channel group: traffic share, chance of an engaged session, buying propensity,
# landing-page mix as weights of (home, collection, product, blog)
_CHANNELS = {
    "Organic Search": (0.34, 0.60, 0.95, (10, 20, 38, 32)),
    "Direct": (0.22, 0.66, 1.25, (70, 10, 18, 2)),
    "Paid Search": (0.15, 0.60, 1.15, (8, 32, 60, 0)),
    "Paid Social": (0.15, 0.48, 0.60, (0, 30, 70, 0)),
    "Email": (0.07, 0.72, 1.55, (20, 45, 30, 5)),
    "Referral": (0.07, 0.58, 0.90, (25, 10, 35, 30)),
}
_PAGE_PROPENSITY = (0.9, 1.0, 1.3, 0.35)  # blog readers rarely buy on that visit
_DEVICES = (("mobile", 0.60, 0.75), ("desktop", 0.35, 1.45), ("tablet", 0.05, 1.0))
_REFERRERS = ("blog.example.org", "deals.example.com", "forum.example.net")
_BLOG_POSTS = ("how-to-care-for-linen", "capsule-wardrobe-guide", "sustainable-fabrics",
               "gift-ideas-under-30", "packing-list-for-the-beach", "candle-care-tips",
               "what-is-organic-cotton", "sneaker-size-guide")
# Calibrated so that about 7.5% of sessions add to cart and 2.4% purchase, which leaves
# about 70% of carts abandoned.
_ADD_TO_CART = 0.118
_CHECKOUT_AFTER_CART = 0.45
_PURCHASE_AFTER_CHECKOUT = 0.66
_NEW_USER = 0.68


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


def sessions(rng: random.Random, tl: Timeline, variants: list[Variant],
             email_by_day: list[str | None]) -> list[dict[str, Any]]:
    groups = list(_CHANNELS)
    pages = (["/"], [f"/collections/{c}" for c in dict.fromkeys(v.category for v in variants)],
             [f"/products/{_slug(t)}" for t in dict.fromkeys(
                 v.title.rsplit(" - ", 1)[0] for v in variants)],
             [f"/blog/{p}" for p in _BLOG_POSTS])
    page_cum = {g: list(accumulate(spec[3])) for g, spec in _CHANNELS.items()}
    paid = {g: [c for c in AD_CAMPAIGNS if c.channel_group == g]
            for g in ("Paid Search", "Paid Social")}
    device_cum = list(accumulate(d[1] for d in _DEVICES))
    country_cum = list(accumulate(COUNTRY_WEIGHTS))
    zero = Decimal(0)
    rows: list[dict[str, Any]] = []
    users: list[str] = []
    total = SESSIONS_PER_YEAR * tl.days / 365
    for i in range(tl.days):
        campaign = email_by_day[i]
        send_day = campaign is not None and (i == 0 or email_by_day[i - 1] != campaign)
        # a send day brings a burst of email visits
        weights = [spec[0] * (3.0 if g == "Email" and send_day else 1.0)
                   for g, spec in _CHANNELS.items()]
        n = round(total * tl.share(i) * rng.uniform(0.93, 1.07))
        starts = sorted(tl.random_moment(rng, i) for _ in range(n))
        day_groups = rng.choices(groups, weights, k=n)
        for started_at, group in zip(starts, day_groups, strict=True):
            _share, p_engaged, propensity, _mix = _CHANNELS[group]
            source, medium, camp = _traffic(rng, group, paid, campaign)
            page_kind = rng.choices(range(4), cum_weights=page_cum[group])[0]
            device, _, device_prop = _DEVICES[
                rng.choices(range(3), cum_weights=device_cum)[0]]
            is_new = not users or rng.random() < _NEW_USER
            if is_new:
                users.append(f"u{len(users) + 1:06d}")
                user_id = users[-1]
            else:  # recent visitors come back more often than old ones
                user_id = users[max(0, len(users) - 1 - int(rng.expovariate(1 / 15000)))]
            engaged = rng.random() < p_engaged
            p_cart = (_ADD_TO_CART * propensity * device_prop * _PAGE_PROPENSITY[page_kind]
                      * (0.86 if is_new else 1.3))
            cart = engaged and rng.random() < p_cart
            checkout = cart and rng.random() < _CHECKOUT_AFTER_CART
            purchased = checkout and rng.random() < _PURCHASE_AFTER_CHECKOUT
            if engaged:
                duration = round(10 + rng.lognormvariate(math.log(140), 0.8)
                                 + (150 if checkout else 0), 1)
                pageviews = 2 + int(rng.expovariate(1 / 2.5)) + (3 if checkout else 0)
            else:
                duration, pageviews = round(rng.uniform(0, 9.5), 1), 1
            rows.append({
                "session_id": f"ss{len(rows) + 1:07d}", "user_id": user_id,
                "started_at": started_at, "duration_seconds": duration,
                "pageviews": pageviews, "engaged": engaged, "is_new_user": is_new,
                "source": source, "medium": medium, "channel_group": group,
                "campaign": camp, "device_category": device,
                "country": COUNTRIES[rng.choices(range(7), cum_weights=country_cum)[0]],
                "landing_page": rng.choice(pages[page_kind]), "added_to_cart": cart,
                "began_checkout": checkout, "purchased": purchased, "revenue": zero})
    return rows


def _traffic(rng: random.Random, group: str, paid: dict[str, list[Any]],
             email_campaign: str | None) -> tuple[str, str, str | None]:
    """(source, medium, campaign) of a session in a channel group."""
    if group == "Organic Search":
        return ("google" if rng.random() < 0.92 else "bing"), "organic", None
    if group == "Direct":
        return "(direct)", "(none)", None
    if group == "Email":
        return "newsletter", "email", email_campaign or "welcome_series"
    if group == "Referral":
        if rng.random() < AFFILIATE.share:
            return AFFILIATE.source, AFFILIATE.medium, AFFILIATE.campaign
        return rng.choice(_REFERRERS), "referral", None
    camps = paid[group]
    c = rng.choices(camps, [c.share for c in camps])[0]
    return c.source, c.medium, c.campaign
