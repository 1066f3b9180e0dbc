"""Render the canonical schema as Markdown: ``docs/schema.md`` is this output verbatim.

Regenerate with ``python -m kpi_engine.docs_schema > docs/schema.md``; a test checks the
file is up to date. Column meanings come from ``Column.description``; the core tables in
``schema.py`` carry none yet, so their meanings live in ``CANONICAL_MEANINGS`` below.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import schema
from .schema import Table

_WHO = "The connector or file set the row came from (several stores can share a warehouse)."
_UTC = " (UTC)."

CANONICAL_MEANINGS: dict[str, dict[str, str]] = {
    "orders": {
        "order_id": "Identifier of the order in its source.",
        "source": _WHO,
        "channel": "Sales channel: website, facebook, shopee, lazada, phone, sales_rep, "
                   "edi, ... (online or offline, for B2B shares).",
        "customer_id": "The buyer (customers.customer_id); empty for guest and test orders.",
        "created_at": "When the order was placed" + _UTC,
        "currency": "ISO 4217 code of the order's money columns.",
        "subtotal": "Items at their selling price before discounts; no shipping, no tax.",
        "discounts": "All discounts on the order (the sum of its lines' discounts).",
        "shipping": "Shipping charged to the customer.",
        "tax": "Tax charged to the customer.",
        "total": "What the customer pays: subtotal - discounts + shipping + tax.",
        "refunded": "Amount refunded so far (the sum of the order's refunds).",
        "status": "pending, paid, fulfilled, cancelled or refunded (the connector maps the "
                  "platform's statuses).",
        "is_test": "True for test orders, which the KPIs leave out.",
        "utm_source": "utm_source of the visit that led to the order, when known.",
        "utm_medium": "utm_medium of that visit (cpc, email, affiliate, ...).",
        "utm_campaign": "utm_campaign of that visit (matches ad_spend.campaign).",
        "landing_page": "First page of that visit (path).",
        "updated_at": "Last change of the order in its source" + _UTC,
        "presentment_currency": "Currency the buyer saw and paid in, when the platform "
                                "sells in several (Shopify's presentment currency); the "
                                "money columns stay in `currency`.",
    },
    "order_lines": {
        "order_id": "The order (orders.order_id).",
        "line_id": "Identifier of the line in its source.",
        "source": _WHO,
        "product_id": "The product (products.product_id).",
        "variant_id": "The variant (products.variant_id).",
        "sku": "Stock keeping unit of the variant.",
        "quantity": "Units ordered.",
        "unit_price": "Selling price of one unit, before discounts.",
        "discount": "Discount on the whole line (not per unit).",
        "unit_cost": "Cost of one unit when sold, for COGS; empty when unknown.",
    },
    "refunds": {
        "refund_id": "Identifier of the refund in its source.",
        "source": _WHO,
        "order_id": "The refunded order (orders.order_id).",
        "created_at": "When the money was returned" + _UTC,
        "amount": "Amount refunded, positive.",
    },
    "customers": {
        "customer_id": "Identifier of the customer in its source.",
        "source": _WHO,
        "created_at": "When the customer record was created" + _UTC,
        "country": "ISO 3166-1 alpha-2 country code.",
        "segment": "b2c or b2b.",
    },
    "products": {
        "product_id": "Identifier of the product.",
        "variant_id": "Identifier of the variant (size, colour); one row per variant.",
        "source": _WHO,
        "sku": "Stock keeping unit.",
        "title": "Display name of the variant.",
        "category": "Product category.",
        "price": "Current selling price.",
        "unit_cost": "Current cost of one unit.",
    },
    "inventory_snapshots": {
        "snapshot_at": "When the stock level was read" + _UTC,
        "source": _WHO,
        "product_id": "The product (products.product_id).",
        "variant_id": "The variant (products.variant_id).",
        "location_id": "Warehouse or store holding the stock.",
        "on_hand": "Units on hand at snapshot_at (semi-additive: take the last snapshot "
                   "of a period, never a sum over time).",
    },
    "checkouts": {
        "checkout_id": "Identifier of the cart or checkout in its source.",
        "source": _WHO,
        "created_at": "When the cart was created" + _UTC,
        "completed_at": "When it became an order; empty if abandoned.",
        "customer_id": "The customer, when known (customers.customer_id).",
        "value": "Value of the cart's items.",
        "order_id": "The order it became (orders.order_id); empty if abandoned.",
    },
    "sessions": {
        "session_id": "Identifier of the web session.",
        "user_id": "Pseudonymous visitor id (cookie or user id).",
        "started_at": "When the session started" + _UTC,
        "duration_seconds": "Length of the session in seconds.",
        "pageviews": "Pages viewed in the session.",
        "engaged": "GA4 engaged session: over 10 s, a conversion or 2+ pageviews "
                   "(bounce = not engaged).",
        "is_new_user": "True on the visitor's first session.",
        "source": "Traffic source (not the connector): google, facebook, newsletter, "
                  "(direct), ...",
        "medium": "Traffic medium: organic, cpc, paid_social, email, referral, affiliate, "
                  "(none), ...",
        "channel_group": "Default channel group: Organic Search, Paid Search, Paid Social, "
                         "Email, Referral, Direct, ...",
        "campaign": "Campaign name (utm_campaign), when tagged.",
        "device_category": "mobile, desktop or tablet.",
        "country": "ISO 3166-1 alpha-2 country code of the visitor.",
        "landing_page": "Path of the first page (blog pages start with /blog/).",
        "added_to_cart": "The session added an item to the cart.",
        "began_checkout": "The session began a checkout.",
        "purchased": "The session ended in a purchase (converting session).",
        "revenue": "Purchase revenue recorded in the session (0 without a purchase).",
    },
    "tickets": {
        "ticket_id": "Identifier of the ticket in its source.",
        "source": _WHO,
        "created_at": "When the customer made contact" + _UTC,
        "channel": "email, phone, chat, web or social.",
        "status": "new, open, pending, hold, solved or closed; the first four are unsolved.",
        "priority": "low, normal, high or urgent.",
        "category": "What the contact is about (shipping, returns, product_question, ...).",
        "product_id": "The product concerned, when known (products.product_id).",
        "requester_id": "The customer who made contact (customers.customer_id).",
        "assignee_id": "The agent working on it; empty while unassigned.",
        "first_response_at": "First reply from an agent; empty while unanswered.",
        "solved_at": "When it was (last) solved; empty while unsolved.",
        "reopens": "Times the ticket was reopened after being solved.",
        "escalated": "True if passed to a higher support tier or another team.",
        "updated_at": "Last change of the ticket in its source" + _UTC,
    },
    "survey_responses": {
        "response_id": "Identifier of the answer in its source.",
        "source": _WHO,
        "responded_at": "When the customer answered" + _UTC,
        "kind": "csat or nps.",
        "score": "The answer: 1-5 for csat, 0-10 for nps.",
        "scale_max": "Top of the answer's scale: 5 for csat, 10 for nps.",
        "ticket_id": "The ticket a csat question was about (tickets.ticket_id).",
        "customer_id": "The customer who answered (customers.customer_id).",
    },
    "ad_spend": {
        "date": "Day of the figures (store timezone).",
        "platform": "Ad platform: google_ads, facebook_ads, tiktok, an affiliate network ...",
        "campaign": "Campaign name, as in the visits' utm_campaign.",
        "campaign_type": "search, display, social, video, shopping, affiliate or email.",
        "spend": "Money spent (affiliates: commission owed).",
        "impressions": "Times the ads were shown.",
        "clicks": "Clicks on the ads.",
        "conversions": "Conversions the platform attributes to the campaign (may be "
                       "fractional).",
        "conversion_value": "Revenue the platform attributes to the campaign (ROAS "
                            "numerator).",
    },
    "email_campaigns": {
        "date": "Day the campaign was sent (store timezone).",
        "campaign": "Campaign name, as in the visits' utm_campaign.",
        "sent": "Emails sent.",
        "delivered": "Emails delivered (sent minus bounces).",
        "opens": "Unique opens.",
        "clicks": "Unique clicks.",
        "unsubscribes": "Recipients who unsubscribed after this campaign.",
    },
    "expenses": {
        "date": "Day the expense is booked on (store timezone).",
        "category": "marketing, payroll, sales, operations, tax, ...; marketing excludes "
                    "the ad platforms' spend, which ad_spend holds.",
        "amount": "Amount spent, positive.",
    },
}

# One example row per input table, under its CSV header.
CSV_EXAMPLES: dict[str, str] = {
    "exchange_rates": "2025-01-01,USD,25400",
    "market_size": "2025-01-01,month,sea_fashion_online,24000000.00,USD",
    "competitor_prices": "2025-01-06,p01,rival_mall,36.49",
    "social_stats": "2025-01-01,instagram,8512,3840,131",
    "search_console": '2025-01-01,linen shirt,https://shop.example.com/products/linen-shirt'
                      ',4,61,8.7',
    "reviews": "rv00001,website,2025-01-14 09:30:00,p01,5",
    "production_runs": "run00001,line_a,p01,2025-01-02 08:00:00,2025-01-02 15:35:00,"
                       "450,402.5,40,512,498",
    "labor_shifts": "sh000001,2025-01-02,w01,line_b,8,7.6,6.9,352,347",
    "incidents": "inc0001,2025-01-09 10:12:00,safety,low,line_a,slip near the loading bay",
    "project_costs": "prj-web,Website redesign,2025-01-21,24000.00,1425.00,1380.00,1502.10,"
                     "31.7,33.0,0",
    "newsletter_subscribers": "sub00001,2025-01-01 09:12:00,",
    "targets": "sessions,2025-01-01,month,7000,Marketing team,",
}

_TYPES = (
    ("string", "text"),
    ("integer", "64-bit integer"),
    ("decimal", "exact decimal, 18 digits with 4 after the point; money, in the store's "
                "currency"),
    ("float", "double-precision number"),
    ("boolean", "true or false"),
    ("timestamp", "date and time in UTC, without a time zone"),
    ("date", "calendar day in the store's timezone"),
)

_INTRO = """\
# Canonical schema

<!-- Generated by kpi_engine.docs_schema.render_schema_markdown(); do not edit by hand:
     python -m kpi_engine.docs_schema > docs/schema.md -->

The canonical tables are the contract between connectors, which fill them, and KPI
specs, which read them. Connectors map each platform's data onto these columns; specs
name only these tables (or a team's own). Every table below lists its grain (what one
row is), its primary key (rows are merged on it, so a re-sync never duplicates) and every
column. Columns may be empty (NULL) unless marked required.

Conventions:
- `orders.subtotal` is the items at their selling price before discounts (no shipping, no
  tax); `total` = subtotal - discounts + shipping + tax.
- Timestamps are UTC; the store's timezone (project setting, UTC when unset) decides day,
  week and month boundaries. `date` columns are already days in that timezone.
- Every row of a table with a `source` column carries the connector that loaded it, so
  several stores or platforms can share one warehouse (in `sessions`, `source` is the
  traffic source instead).
- Semi-additive columns (stock on hand, followers) are read as the last value of a
  period, never summed over time.
- Rows describe the source as it is: a record deleted at the source (not a cancelled
  order, which stays with status `cancelled`) is deleted, not kept with a mark, by a
  complete `--full-refresh` of a connector that can tell (docs/connectors.md).

Logical types (each warehouse maps them to its own column types):

| type | meaning |
|---|---|
"""

_INPUT_INTRO = """\
## Input tables

No common API provides these: teams keep them as spreadsheets or exports and load them
from files with the files connector:

```
kpi sync files --set path=folder/
```

The folder holds one file per table, named after it (`market_size.csv`, `targets.csv`,
...), whose header row names the table's columns. Write timestamps in UTC as
`YYYY-MM-DD HH:MM:SS`, dates as `YYYY-MM-DD`, money with a decimal point; leave a field
empty for NULL. Each table below shows a header with an example row.
"""


def column_meaning(table: Table, column: str) -> str:
    col = table.column(column)
    if col is not None and col.description:
        return col.description
    return CANONICAL_MEANINGS.get(table.name, {}).get(column, "")


def _render_table(table: Table) -> list[str]:
    out = [f"### {table.name}", ""]
    if table.description:
        out += [table.description, ""]
    key = ", ".join(f"`{k}`" for k in table.primary_key)
    out += [f"- Grain: {table.grain}", f"- Primary key: {key}", "",
            "| column | type | required | meaning |", "|---|---|---|---|"]
    for col in table.columns:
        required = "yes" if col.name in table.primary_key or not col.nullable else ""
        meaning = column_meaning(table, col.name).replace("|", "\\|")
        out.append(f"| `{col.name}` | {col.type} | {required} | {meaning} |")
    out.append("")
    if table.input:
        out += ["```csv", ",".join(table.column_names)]
        if table.name in CSV_EXAMPLES:
            out.append(CSV_EXAMPLES[table.name])
        out += ["```", ""]
    return out


def render_schema_markdown(tables: Iterable[Table] | None = None) -> str:
    """The schema document for ``tables`` (default: every table in ``schema.TABLES``)."""
    tables = list(schema.TABLES.values() if tables is None else tables)
    core = [t for t in tables if not t.input]
    inputs = [t for t in tables if t.input]
    out = [_INTRO.rstrip("\n")]
    out += [f"| {name} | {meaning} |" for name, meaning in _TYPES]
    out += ["", "Tables:", ""]
    out += [f"- [{t.name}](#{t.name}){' (input)' if t.input else ''}: {t.grain}"
            for t in tables]
    out += ["", "## Canonical tables", "",
            "Filled by connectors: shop platforms, analytics exports, helpdesks, ad "
            "platforms.", ""]
    for t in core:
        out += _render_table(t)
    if inputs:
        out.append(_INPUT_INTRO)
        for t in inputs:
            out += _render_table(t)
    return "\n".join(out).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render_schema_markdown(), end="")
