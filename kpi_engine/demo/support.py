"""Support tickets (Zendesk-like lifecycle) and CSAT / NPS survey answers."""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from datetime import datetime, timedelta
from typing import Any

from .commerce import Commerce
from .timeline import SOURCE, Timeline

TICKETS_PER_YEAR = 1500
AGENTS = tuple(f"agent{n:02d}" for n in range(1, 7))
_CHANNELS = ("email", "chat", "phone", "web", "social")
_CHANNEL_WEIGHTS = (35, 25, 15, 15, 10)
# median minutes to the first reply and hours to solve, per channel
_FIRST_REPLY = {"email": 180, "chat": 2, "phone": 1, "web": 200, "social": 90}
_SOLVE = {"email": 30, "chat": 3, "phone": 2, "web": 34, "social": 20}
# category, weight, about an order
_CATEGORIES = (("shipping", 30, True), ("returns", 18, True), ("product_question", 20, False),
               ("order_change", 10, True), ("payment", 8, True), ("damaged_item", 8, True),
               ("account", 6, False))
_PRIORITIES = (("low", 20, 1.3), ("normal", 60, 1.0), ("high", 15, 0.7), ("urgent", 5, 0.4))
_SUPPORT_HOURS = tuple(1.0 if 7 <= h < 22 else 0.15 for h in range(24))


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def tickets(rng: random.Random, tl: Timeline, shop: Commerce,
            product_ids: list[str]) -> list[dict[str, Any]]:
    bought = [(o["created_at"], o["customer_id"], o["order_id"]) for o in shop.orders
              if o["order_id"] in shop.products_of]
    bought_at = [b[0] for b in bought]
    known = sorted((c["created_at"], c["customer_id"]) for c in shop.customers)
    known_at = [k[0] for k in known]
    rows = []
    for i in tl.random_days(rng, round(TICKETS_PER_YEAR * tl.days / 365)):
        created = tl.random_moment(rng, i, _SUPPORT_HOURS)
        channel = rng.choices(_CHANNELS, _CHANNEL_WEIGHTS)[0]
        category, _, about_order = rng.choices(_CATEGORIES, [c[1] for c in _CATEGORIES])[0]
        k = bisect_left(bought_at, created)
        requester = product = None
        if about_order and k:
            # mostly about a recent order
            _, requester, order_id = bought[max(0, k - 1 - int(rng.expovariate(1 / 60)))]
            if category != "payment":
                product = rng.choice(shop.products_of[order_id])
        else:
            n_known = bisect_left(known_at, created)
            requester = known[rng.randrange(n_known)][1] if n_known else None
            if category == "product_question":
                product = rng.choice(product_ids)
        rows.append(_lifecycle(rng, tl, created, channel) | {
            "ticket_id": f"t{len(rows) + 1:05d}", "source": SOURCE, "category": category,
            "product_id": product, "requester_id": requester})
    return rows


def _lifecycle(rng: random.Random, tl: Timeline, created: datetime, channel: str
               ) -> dict[str, Any]:
    """Timing and status as seen at the end of the window."""
    priority, _, speed = rng.choices(_PRIORITIES, [p[1] for p in _PRIORITIES])[0]
    escalated = rng.random() < 0.05
    first = tl.within(created + timedelta(
        minutes=_lognormal(rng, _FIRST_REPLY[channel] * speed, 0.9)))
    if tl.end_at - created < timedelta(days=3) and rng.random() < 0.35:
        first = None  # the queue has grown at the end of the window: not picked up yet
    reopens = rng.choices((0, 1, 2), (88, 10, 2))[0]
    hours = _lognormal(rng, _SOLVE[channel] * speed * (3 if escalated else 1), 0.9)
    hours += reopens * rng.uniform(24, 72)  # a reopened ticket takes days more
    solved = tl.within(max(first, created + timedelta(hours=hours))) if first else None
    if solved is not None and rng.random() < 0.01:
        solved = None  # waiting on a supplier: left on hold
    if solved is not None:
        status = "closed" if tl.end_at - solved > timedelta(days=4) else "solved"
    elif first is None:
        status = "new"  # nobody has picked it up: no assignee yet
    else:
        status = rng.choices(("open", "pending", "hold"), (6, 3, 1))[0]
    return {"created_at": created, "channel": channel, "status": status,
            "priority": priority, "assignee_id": rng.choice(AGENTS) if first else None,
            "first_response_at": first, "solved_at": solved,
            "reopens": reopens if solved else 0, "escalated": escalated,
            "updated_at": max(t for t in (created, first, solved) if t is not None)}


def survey_responses(rng: random.Random, tl: Timeline, tickets: list[dict[str, Any]],
                     orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CSAT after solved tickets (about 30% answer) and NPS a week or two after orders."""
    answers: list[tuple[datetime, str, float, float, str | None, str | None]] = []
    for t in tickets:
        if t["solved_at"] is None or rng.random() >= 0.3:
            continue
        at = tl.within(t["solved_at"] + timedelta(hours=rng.uniform(0.5, 48)))
        slow = t["solved_at"] - t["created_at"] > timedelta(hours=48) or t["reopens"]
        weights = (12, 12, 20, 30, 26) if slow else (3, 4, 9, 32, 52)
        if at is not None:
            answers.append((at, "csat", float(rng.choices(range(1, 6), weights)[0]), 5.0,
                            t["ticket_id"], t["requester_id"]))
    for o in orders:
        if o["status"] != "fulfilled" or o["is_test"] or rng.random() >= 0.12:
            continue
        at = tl.within(o["created_at"] + timedelta(days=rng.uniform(7, 14)))
        score = rng.choices(range(11), (2, 1, 1, 2, 2, 3, 5, 10, 20, 24, 30))[0]
        if at is not None:
            answers.append((at, "nps", float(score), 10.0, None, o["customer_id"]))
    answers.sort(key=lambda a: a[0])
    return [{"response_id": f"sv{n:05d}", "source": SOURCE, "responded_at": at, "kind": kind,
             "score": score, "scale_max": scale, "ticket_id": ticket, "customer_id": customer}
            for n, (at, kind, score, scale, ticket, customer) in enumerate(answers, start=1)]
