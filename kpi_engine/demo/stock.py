"""Daily end-of-day stock levels that follow the orders, with reorders and lead times."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

from .catalog import LOCATIONS, Variant
from .timeline import SOURCE, Timeline

_MARKETPLACES = ("shopee", "lazada")


def inventory_snapshots(rng: random.Random, tl: Timeline, variants: list[Variant],
                        orders: list[dict[str, Any]], lines: list[dict[str, Any]]
                        ) -> list[dict[str, Any]]:
    # every other variant is also stocked in the south warehouse, which ships the
    # marketplace orders for it
    south = {v.variant_id for k, v in enumerate(variants) if k % 2 == 0}
    shipped = {o["order_id"]: (o["channel"], tl.index(o["created_at"])) for o in orders
               if o["status"] != "cancelled" and not o["is_test"]}
    sold: Counter[tuple[int, str, str]] = Counter()
    for ln in lines:
        if ln["order_id"] in shipped:
            channel, day = shipped[ln["order_id"]]
            south_ships = channel in _MARKETPLACES and ln["variant_id"] in south
            sold[day, ln["variant_id"], LOCATIONS[1] if south_ships else LOCATIONS[0]] += (
                ln["quantity"])
    totals: Counter[tuple[str, str]] = Counter()
    for (_, variant_id, location), qty in sold.items():
        totals[variant_id, location] += qty
    end_of_day = timedelta(hours=23, minutes=59, seconds=59)
    rows = []
    for v in variants:
        for location in LOCATIONS[:2 if v.variant_id in south else 1]:
            daily = max(0.2, totals[v.variant_id, location] / tl.days)
            on_hand = round(daily * 45) + rng.randint(10, 30)
            arriving: dict[int, int] = {}
            for i in range(tl.days):
                on_hand += arriving.pop(i, 0)
                # sales beyond stock are backorders: stock stays at zero
                on_hand = max(0, on_hand - sold[i, v.variant_id, location])
                if on_hand <= daily * 14 and not arriving:
                    arriving[i + rng.randint(5, 9)] = round(daily * 60) + rng.randint(10, 40)
                rows.append({"snapshot_at": tl.at(i, 0) + end_of_day, "source": SOURCE,
                             "product_id": v.product_id, "variant_id": v.variant_id,
                             "location_id": location, "on_hand": on_hand})
    rows.sort(key=lambda r: (r["snapshot_at"], r["variant_id"], r["location_id"]))
    return rows
