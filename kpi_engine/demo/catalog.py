"""The demo store's assortment and its customer book."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .timeline import SOURCE, money


@dataclass(frozen=True)
class Variant:
    product_id: str
    variant_id: str
    sku: str
    title: str
    category: str
    price: Decimal
    unit_cost: Decimal
    popularity: float
    rating_bias: float  # how customers like it: shifts review stars


# code, title, category, base price, cost share, popularity, rating bias, variants
# ("name" or "name+extra price").
_PRODUCTS = (
    ("LSH", "Linen Shirt", "apparel", 39, 0.38, 1.4, 0.2, ("S", "M", "L")),
    ("TEE", "Organic Cotton Tee", "apparel", 19, 0.35, 2.2, 0.0, ("S", "M", "L", "XL+2")),
    ("CHI", "Relaxed Chinos", "apparel", 49, 0.42, 0.9, -0.1, ("30", "32", "34")),
    ("DRS", "Wrap Dress", "apparel", 59, 0.40, 0.8, 0.3, ("S", "M", "L")),
    ("JKT", "Rain Jacket", "apparel", 89, 0.45, 0.4, 0.1, ("M", "L+5")),
    ("LEG", "Yoga Leggings", "apparel", 34, 0.36, 1.1, 0.1, ("S", "M", "L")),
    ("SNK", "Canvas Sneakers", "footwear", 55, 0.44, 1.0, -0.2, ("40", "41", "42", "43")),
    ("SND", "Leather Sandals", "footwear", 45, 0.43, 0.7, -0.6, ("38", "40", "42")),
    ("TOT", "Everyday Tote", "accessories", 29, 0.33, 1.2, 0.4, ("Natural", "Black")),
    ("SUN", "Bamboo Sunglasses", "accessories", 35, 0.30, 0.6, 0.0, ("One size",)),
    ("BEA", "Wool Beanie", "accessories", 18, 0.34, 0.5, 0.2, ("Grey", "Navy")),
    ("BLT", "Leather Belt", "accessories", 32, 0.37, 0.5, 0.1, ("M", "L")),
    ("MUG", "Ceramic Mug", "home", 14, 0.32, 1.0, 0.3, ("White", "Sage")),
    ("CUS", "Linen Cushion Cover", "home", 24, 0.36, 0.6, 0.2, ("Sand", "Olive")),
    ("CDL", "Soy Candle", "home", 22, 0.30, 0.9, 0.5, ("Lavender", "Cedar")),
    ("LIP", "Natural Lip Balm", "beauty", 8, 0.25, 1.6, 0.1, ("One size",)),
    ("HCR", "Hand Cream", "beauty", 16, 0.28, 1.0, 0.2, ("One size",)),
    ("OIL", "Body Oil", "beauty", 28, 0.30, 0.6, -0.3, ("One size",)),
)

LOCATIONS = ("wh-main", "wh-south")  # the south warehouse fulfils marketplace orders

COUNTRIES = ("VN", "MY", "SG", "TH", "PH", "ID", "US")
COUNTRY_WEIGHTS = (45, 18, 12, 8, 8, 6, 3)


def products() -> list[Variant]:
    out = []
    for n, (code, title, category, base, cost, pop, bias, variants) in enumerate(
            _PRODUCTS, start=1):
        product_id = f"p{n:02d}"
        for k, spec in enumerate(variants, start=1):
            name, _, extra = spec.partition("+")
            price = Decimal(base + int(extra or 0)) - Decimal("0.01")  # 39 -> 38.99
            out.append(Variant(
                product_id, f"{product_id}-v{k}", f"{code}-{name.upper().replace(' ', '')}",
                f"{title} - {name}", category, price, money(price * Decimal(cost)),
                pop / len(variants), bias))
    return out


def product_rows(variants: list[Variant]) -> list[dict[str, Any]]:
    return [{"product_id": v.product_id, "variant_id": v.variant_id, "source": SOURCE,
             "sku": v.sku, "title": v.title, "category": v.category, "price": v.price,
             "unit_cost": v.unit_cost} for v in variants]


@dataclass
class CustomerBook:
    """Customers as the shop meets them; ``buyers`` keeps first-time buyers in order."""

    rng: random.Random
    rows: list[dict[str, Any]] = field(default_factory=list)
    buyers: list[str] = field(default_factory=list)
    b2b_buyers: list[str] = field(default_factory=list)
    segment: dict[str, str] = field(default_factory=dict)

    def new(self, created_at: datetime, segment: str = "b2c") -> str:
        customer_id = f"c{len(self.rows) + 1:05d}"
        country = self.rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        self.rows.append({"customer_id": customer_id, "source": SOURCE,
                          "created_at": created_at, "country": country, "segment": segment})
        self.segment[customer_id] = segment
        return customer_id

    def bought(self, customer_id: str, first: bool) -> None:
        if first:
            self.buyers.append(customer_id)
            if self.segment[customer_id] == "b2b":
                self.b2b_buyers.append(customer_id)

    def returning(self, b2b: bool = False) -> str | None:
        """A past buyer, favouring recent ones (they are likelier to come back)."""
        pool = self.b2b_buyers if b2b else self.buyers
        if not pool:
            return None
        back = int(self.rng.expovariate(1 / (len(pool) * 0.6 + 1)))
        return pool[max(0, len(pool) - 1 - back)]
