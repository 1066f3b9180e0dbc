"""Web sessions, GA4-style: traffic sources, devices, engagement and the shop funnel."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from decimal import Decimal
from itertools import accumulate
from typing import Any

from .catalog import COUNTRIES, COUNTRY_WEIGHTS, Variant
from .draws import uniform_choice, weighted
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
# expovariate's and lognormvariate's arguments, computed once (expovariate divides by
# its rate: multiplying by 15000 instead would change the last bits, and so the rows)
_RETURN_RATE = 1 / 15000
_PAGEVIEW_RATE = 1 / 2.5
_DURATION_MU = math.log(140)


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


def sessions(rng: random.Random, tl: Timeline, variants: list[Variant],
             email_by_day: list[str | None]) -> list[dict[str, Any]]:
    groups = list(_CHANNELS)
    pages = (["/"], [f"/collections/{c}" for c in dict.fromkeys(v.category for v in variants)],
             [f"/products/{_slug(t)}" for t in dict.fromkeys(
                 v.title.rsplit(" - ", 1)[0] for v in variants)],
             [f"/blog/{p}" for p in _BLOG_POSTS])
    # About 200k sessions in kpi demo's two years: each draw below is a precomputed
    # stand-in (demo/draws.py) for the rng.choices / rng.choice call it replaces, drawing
    # the same numbers in the same order, so the rows are unchanged.
    rand = rng.random
    traffic = _traffic_draws(rng)
    by_group = {g: (p_engaged, _ADD_TO_CART * propensity, traffic[g],
                    weighted(rng, range(4), cum_weights=list(accumulate(mix))))
                for g, (_share, p_engaged, propensity, mix) in _CHANNELS.items()}
    device = weighted(rng, _DEVICES, cum_weights=list(accumulate(d[1] for d in _DEVICES)))
    country = weighted(rng, COUNTRIES, cum_weights=list(accumulate(COUNTRY_WEIGHTS)))
    landing = tuple(uniform_choice(rng, kind) for kind in pages)
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
        starts = sorted(tl.random_moments(rng, i, n))
        day_groups = rng.choices(groups, weights, k=n)
        for started_at, group in zip(starts, day_groups, strict=True):
            p_engaged, cart_base, traffic_of, page_of = by_group[group]
            source, medium, camp = traffic_of(campaign)
            page_kind = page_of()
            device_name, _, device_prop = device()
            is_new = not users or rand() < _NEW_USER
            if is_new:
                user_id = f"u{len(users) + 1:06d}"
                users.append(user_id)
            else:  # recent visitors come back more often than old ones
                user_id = users[max(0, len(users) - 1 - int(rng.expovariate(_RETURN_RATE)))]
            engaged = rand() < p_engaged
            # multiplied left to right from cart_base: regrouping the floats changes rows
            p_cart = (cart_base * device_prop * _PAGE_PROPENSITY[page_kind]
                      * (0.86 if is_new else 1.3))
            cart = engaged and rand() < p_cart
            checkout = cart and rand() < _CHECKOUT_AFTER_CART
            purchased = checkout and rand() < _PURCHASE_AFTER_CHECKOUT
            if engaged:
                duration = round(10 + rng.lognormvariate(_DURATION_MU, 0.8)
                                 + (150 if checkout else 0), 1)
                pageviews = 2 + int(rng.expovariate(_PAGEVIEW_RATE)) + (3 if checkout else 0)
            else:
                duration, pageviews = round(rng.uniform(0, 9.5), 1), 1
            rows.append({
                "session_id": f"ss{len(rows) + 1:07d}", "user_id": user_id,
                "started_at": started_at, "duration_seconds": duration,
                "pageviews": pageviews, "engaged": engaged, "is_new_user": is_new,
                "source": source, "medium": medium, "channel_group": group,
                "campaign": camp, "device_category": device_name,
                "country": country(), "landing_page": landing[page_kind](),
                "added_to_cart": cart, "began_checkout": checkout, "purchased": purchased,
                "revenue": zero})
    return rows


def _traffic_draws(rng: random.Random
                   ) -> dict[str, Callable[[str | None], tuple[str, str, str | None]]]:
    """Per channel group, a function of the day's email campaign drawing a session's
    (source, medium, campaign)."""
    rand = rng.random
    referrer = uniform_choice(rng, _REFERRERS)

    def organic(_email: str | None) -> tuple[str, str, str | None]:
        return ("google" if rand() < 0.92 else "bing"), "organic", None

    def direct(_email: str | None) -> tuple[str, str, str | None]:
        return "(direct)", "(none)", None

    def email(campaign: str | None) -> tuple[str, str, str | None]:
        return "newsletter", "email", campaign or "welcome_series"

    def referral(_email: str | None) -> tuple[str, str, str | None]:
        if rand() < AFFILIATE.share:
            return AFFILIATE.source, AFFILIATE.medium, AFFILIATE.campaign
        return referrer(), "referral", None

    def paid(group: str) -> Callable[[str | None], tuple[str, str, str | None]]:
        camps = [c for c in AD_CAMPAIGNS if c.channel_group == group]
        pick = weighted(rng, [(c.source, c.medium, c.campaign) for c in camps],
                        [c.share for c in camps])
        return lambda _email: pick()

    return {"Organic Search": organic, "Direct": direct, "Paid Search": paid("Paid Search"),
            "Paid Social": paid("Paid Social"), "Email": email, "Referral": referral}
