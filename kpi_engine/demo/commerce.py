"""Orders with their lines, refunds, customers and carts (checkouts)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from .catalog import CustomerBook, Variant
from .timeline import HOUR_WEIGHTS, OFFICE_HOURS, SOURCE, Timeline, money, sale_factor

# Orders that do not come through the web shop: channel -> (orders per web order,
# chance the buyer ordered before). Sales reps and EDI serve business customers only.
_OTHER_CHANNELS = {"facebook": (0.05, 0.2), "shopee": (0.07, 0.15), "lazada": (0.05, 0.15),
                   "phone": (0.015, 0.5), "sales_rep": (0.012, 0.85), "edi": (0.01, 0.9)}
_B2B_ONLY = ("sales_rep", "edi")
_MARKETPLACES = ("shopee", "lazada")
TAX_RATE = Decimal("0.08")
FREE_SHIPPING_FROM = Decimal(50)


@dataclass
class Commerce:
    orders: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    checkouts: list[dict[str, Any]] = field(default_factory=list)
    # product_ids bought per order, for tickets and reviews
    products_of: dict[str, list[str]] = field(default_factory=dict)


def build(rng: random.Random, tl: Timeline, variants: list[Variant],
          sessions: list[dict[str, Any]]) -> Commerce:
    shop = _Shop(rng, tl, variants)
    for moment, _seq, channel, session, is_test in _intents(rng, tl, sessions):
        shop.order(moment, channel, session, is_test)
    # people who made an account (or a B2B lead) but never bought
    for i in tl.random_days(rng, round(len(shop.book.buyers) * 0.35)):
        shop.book.new(tl.random_moment(rng, i))
    shop.out.customers = shop.book.rows
    shop.out.checkouts = shop.checkouts(sessions)
    return shop.out


def _intents(rng: random.Random, tl: Timeline, sessions: list[dict[str, Any]]) -> list[tuple]:
    """Every order to place, in time order: (moment, seq, channel, session, is_test)."""
    intents: list[tuple] = []
    for s in sessions:
        if s["purchased"]:
            moment = s["started_at"] + timedelta(seconds=s["duration_seconds"] * 0.9)
            intents.append((tl.clamp(moment), len(intents), "website", s, False))
    web_orders = len(intents)
    for channel, (per_web, _) in _OTHER_CHANNELS.items():
        hours = OFFICE_HOURS if channel in (*_B2B_ONLY, "phone") else HOUR_WEIGHTS
        for i in tl.random_days(rng, round(web_orders * per_web)):
            intents.append((tl.random_moment(rng, i, hours), len(intents), channel, None, False))
    for i in tl.random_days(rng, 5):  # staff trying the checkout
        intents.append((tl.random_moment(rng, i, OFFICE_HOURS), len(intents), "website",
                        None, True))
    intents.sort(key=lambda it: (it[0], it[1]))
    return intents


class _Shop:
    def __init__(self, rng: random.Random, tl: Timeline, variants: list[Variant]):
        self.rng, self.tl, self.variants = rng, tl, variants
        self.variant_cum = list(accumulate(v.popularity for v in variants))
        self.book = CustomerBook(rng)
        self.out = Commerce()
        self.user_customer: dict[str, str] = {}
        self.ordered: dict[str, int] = {}  # customer -> orders so far
        self.order_of_session: dict[str, dict[str, Any]] = {}

    def customer(self, moment: datetime, channel: str, session: dict[str, Any] | None) -> str:
        rng = self.rng
        signup = max(self.tl.start_at, moment - timedelta(seconds=rng.randrange(60, 900)))
        if session is not None:
            known = self.user_customer.get(session["user_id"])
            if known:
                return known
            # a visitor may be a past buyer on another device or with cleared cookies
            cid = None
            if rng.random() < (0.2 if session["is_new_user"] else 0.55):
                cid = self.book.returning(b2b=rng.random() < 0.1)
            cid = cid or self.book.new(signup, "b2b" if rng.random() < 0.03 else "b2c")
            self.user_customer[session["user_id"]] = cid
            return cid
        b2b = channel in _B2B_ONLY or (channel == "phone" and rng.random() < 0.3)
        cid = None
        if rng.random() < _OTHER_CHANNELS[channel][1]:
            cid = self.book.returning(b2b)
        return cid or self.book.new(signup, "b2b" if b2b else "b2c")

    def order(self, moment: datetime, channel: str, session: dict[str, Any] | None,
              is_test: bool) -> None:
        tl = self.tl
        order_id = f"o{100001 + len(self.out.orders)}"
        customer_id = None if is_test else self.customer(moment, channel, session)
        b2b = customer_id is not None and self.book.segment[customer_id] == "b2b"
        if customer_id is not None:
            self.book.bought(customer_id, first=customer_id not in self.ordered)
            self.ordered[customer_id] = self.ordered.get(customer_id, 0) + 1
        lines = self.lines(order_id, b2b)
        subtotal = sum((ln["quantity"] * ln["unit_price"] for ln in lines), Decimal(0))
        discounts = self.discount(lines, subtotal, b2b, tl.day(tl.index(moment)))
        net = subtotal - discounts
        if b2b:
            shipping = Decimal(0) if net >= 500 else Decimal("25.00")
        elif channel in _MARKETPLACES:
            shipping = Decimal("1.49")
        else:
            shipping = Decimal(0) if net >= FREE_SHIPPING_FROM else Decimal("4.99")
        tax = money(net * TAX_RATE)
        total = net + shipping + tax
        status, updated_at, refunded = self.lifecycle(order_id, moment, total, lines,
                                                      is_test)
        web = session is not None
        order = {
            "order_id": order_id, "source": SOURCE, "channel": channel,
            "customer_id": customer_id, "created_at": moment, "currency": "USD",
            "subtotal": subtotal, "discounts": discounts, "shipping": shipping, "tax": tax,
            "total": total, "refunded": refunded, "status": status, "is_test": is_test,
            "utm_source": _utm(session, "source", "(direct)") if web else None,
            "utm_medium": _utm(session, "medium", "(none)") if web else None,
            "utm_campaign": session["campaign"] if web else None,
            "landing_page": session["landing_page"] if web else None,
            "updated_at": updated_at, "presentment_currency": "USD"}
        if web:
            session["revenue"] = total
            self.order_of_session[session["session_id"]] = order
        self.out.orders.append(order)
        self.out.lines.extend(lines)
        if status != "cancelled" and not is_test:
            self.out.products_of[order_id] = [ln["product_id"] for ln in lines]

    def lines(self, order_id: str, b2b: bool) -> list[dict[str, Any]]:
        rng = self.rng
        n = rng.randint(1, 4) if b2b else rng.choices((1, 2, 3, 4), (55, 28, 12, 5))[0]
        picked = dict.fromkeys(rng.choices(self.variants, cum_weights=self.variant_cum, k=n))
        lines = []
        for k, v in enumerate(picked, start=1):
            qty = 5 * rng.randint(1, 3) if b2b else rng.choices((1, 2, 3), (85, 12, 3))[0]
            lines.append({
                "order_id": order_id, "line_id": f"{order_id}-{k}", "source": SOURCE,
                "product_id": v.product_id, "variant_id": v.variant_id, "sku": v.sku,
                "quantity": qty, "unit_price": money(v.price * Decimal("0.8")) if b2b
                else v.price, "discount": Decimal(0), "unit_cost": v.unit_cost})
        return lines

    def discount(self, lines: list[dict[str, Any]], subtotal: Decimal, b2b: bool,
                 day: date) -> Decimal:
        """Discount codes (more of them on sale days), spread over the lines so that the
        lines' discounts add up to the order's exactly."""
        rng = self.rng
        on_sale = sale_factor(day) > 1
        if b2b or rng.random() >= (0.7 if on_sale else 0.22):
            return Decimal(0)
        rate = Decimal("0.20") if on_sale else rng.choice((Decimal("0.10"), Decimal("0.15")))
        discounts = money(subtotal * rate)
        left = discounts
        for ln in lines[:-1]:
            ln["discount"] = money(ln["quantity"] * ln["unit_price"] * rate)
            left -= ln["discount"]
        lines[-1]["discount"] = left
        return discounts

    def lifecycle(self, order_id: str, moment: datetime, total: Decimal,
                  lines: list[dict[str, Any]], is_test: bool
                  ) -> tuple[str, datetime, Decimal]:
        """Status at the end of the window, recording refunds; returns (status,
        updated_at, amount refunded)."""
        rng, tl = self.rng, self.tl
        age, roll, nothing = tl.end_at - moment, rng.random(), Decimal(0)
        if is_test:
            return "paid", moment, nothing
        if roll < 0.03:
            return ("cancelled", tl.clamp(moment + timedelta(hours=rng.uniform(0.2, 30))),
                    nothing)
        if age < timedelta(days=1):
            return ("pending" if rng.random() < 0.4 else "paid"), moment, nothing
        if age < timedelta(days=3):
            return "paid", moment, nothing
        shipped = tl.clamp(moment + timedelta(hours=rng.uniform(8, 72)))
        refund_at = tl.within(moment + timedelta(days=rng.uniform(3, 14)))
        if refund_at is None or roll >= 0.075:
            return "fulfilled", shipped, nothing
        if roll < 0.05:  # returned in full
            self.refund(order_id, refund_at, total)
            return "refunded", max(shipped, refund_at), total
        # partial: one item sent back, or a goodwill gesture on a single-item order
        line = rng.choice(lines)
        part = line["quantity"] * line["unit_price"] - line["discount"]
        amount = part if len(lines) > 1 else money(total * Decimal(rng.choice((20, 30, 50)))
                                                   / 100)
        self.refund(order_id, refund_at, amount)
        return "fulfilled", max(shipped, refund_at), amount

    def refund(self, order_id: str, moment: datetime, amount: Decimal) -> None:
        refunds = self.out.refunds
        refunds.append({"refund_id": f"rf{len(refunds) + 1:05d}", "source": SOURCE,
                        "order_id": order_id, "created_at": moment, "amount": amount})

    def checkouts(self, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One cart per session that added to cart; the ones that bought link their order."""
        rng, rows = self.rng, []
        created_of = {c["customer_id"]: c["created_at"] for c in self.book.rows}
        for s in sessions:
            if not s["added_to_cart"]:
                continue
            created = self.tl.clamp(s["started_at"] + timedelta(
                seconds=s["duration_seconds"] * rng.uniform(0.3, 0.7)))
            order = self.order_of_session.get(s["session_id"])
            if order is not None:
                customer, value = order["customer_id"], order["total"]
            else:
                customer = self.user_customer.get(s["user_id"])
                if customer is not None and created_of[customer] > created:
                    customer = None  # not yet known when this cart was made
                picks = rng.choices(self.variants, cum_weights=self.variant_cum,
                                    k=rng.choice((1, 1, 2, 3)))
                value = sum((v.price for v in picks), Decimal(0))
            rows.append({
                "checkout_id": f"ck{len(rows) + 1:06d}", "source": SOURCE,
                "created_at": created,
                "completed_at": order["created_at"] if order else None,
                "customer_id": customer, "value": value,
                "order_id": order["order_id"] if order else None})
        return rows


def _utm(session: dict[str, Any], key: str, none: str) -> str | None:
    return None if session[key] == none else session[key]
