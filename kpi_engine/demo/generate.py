"""A small, realistic store's year of data: one Parquet file per canonical table.

Deterministic: every part draws from its own ``random.Random`` seeded from ``seed`` (no
wall clock, no global random state, no set iteration), so the same arguments give
byte-identical files.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from .. import schema
from . import catalog, commerce, finance, inputs, marketing, operations, stock, support, web
from .timeline import Timeline, rng_for
from .writer import write_parquet


def demo_tables(*, seed: int = 7, start: date = date(2025, 1, 1), days: int = 365
                ) -> dict[str, list[dict[str, Any]]]:
    """The demo rows per table, in memory."""
    tl = Timeline(start, days)
    variants = catalog.products()
    subscribers = marketing.newsletter_subscribers(rng_for(seed, "subscribers"), tl)
    emails, email_by_day = marketing.email_campaigns(rng_for(seed, "email"), tl, subscribers)
    sessions = web.sessions(rng_for(seed, "web"), tl, variants, email_by_day)
    # orders follow the purchasing sessions (and fill in their revenue)
    shop = commerce.build(rng_for(seed, "commerce"), tl, variants, sessions)
    tickets = support.tickets(rng_for(seed, "tickets"), tl, shop,
                              sorted({v.product_id for v in variants}))
    return {
        "orders": shop.orders,
        "order_lines": shop.lines,
        "refunds": shop.refunds,
        "customers": shop.customers,
        "products": catalog.product_rows(variants),
        "inventory_snapshots": stock.inventory_snapshots(
            rng_for(seed, "stock"), tl, variants, shop.orders, shop.lines),
        "checkouts": shop.checkouts,
        "sessions": sessions,
        "tickets": tickets,
        "survey_responses": support.survey_responses(
            rng_for(seed, "surveys"), tl, tickets, shop.orders),
        "ad_spend": marketing.ad_spend(rng_for(seed, "ads"), tl, sessions, shop.orders),
        "email_campaigns": emails,
        "expenses": finance.expenses(rng_for(seed, "expenses"), tl, shop.orders),
        "market_size": inputs.market_size(rng_for(seed, "market"), tl),
        "competitor_prices": inputs.competitor_prices(rng_for(seed, "competitors"), tl,
                                                      variants),
        "social_stats": inputs.social_stats(rng_for(seed, "social"), tl),
        "search_console": inputs.search_console(rng_for(seed, "search"), tl),
        "reviews": inputs.reviews(rng_for(seed, "reviews"), tl, shop, variants),
        "production_runs": operations.production_runs(rng_for(seed, "production"), tl,
                                                      variants),
        "labor_shifts": operations.labor_shifts(rng_for(seed, "labor"), tl),
        "incidents": operations.incidents(rng_for(seed, "incidents"), tl),
        "project_costs": operations.project_costs(rng_for(seed, "projects"), tl),
        "newsletter_subscribers": subscribers,
        "targets": inputs.targets(tl, shop),
        "exchange_rates": inputs.exchange_rates(rng_for(seed, "rates"), tl),
    }


def generate_demo(folder: Path, *, seed: int = 7, start: date = date(2025, 1, 1),
                  days: int = 365) -> dict[str, Path]:
    """Write ``<table>.parquet`` into ``folder`` for every canonical and input table;
    returns {table: path}. Timestamps fall in [start, start + days), naive UTC."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = demo_tables(seed=seed, start=start, days=days)
    paths = {}
    for name, rows in tables.items():
        table = schema.TABLES[name]
        paths[name] = write_parquet(folder / f"{name}.parquet", table, rows)
    return paths
