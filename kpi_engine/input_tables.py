"""Canonical input tables: data no common API provides, loaded from files (contract).

Teams keep these as spreadsheets or exports (market research, competitor price checks,
social and search console reports, shop-floor logs, project controlling, goals) and load
them with the files connector. Amounts are booked on the row's date, so summing a period
gives the period's total; ``snapshot``-style columns (followers) say so.

This module imports ``schema`` lazily: ``schema`` imports it at its end to register the
tables, and either module may be imported first.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .schema import Table

INPUT_TABLE_NAMES = (
    "market_size", "competitor_prices", "social_stats", "search_console", "reviews",
    "production_runs", "labor_shifts", "incidents", "project_costs",
    "newsletter_subscribers", "targets", "exchange_rates",
)

# name, logical type, meaning; a "!" after the name marks a required (not null) column.
_Spec = tuple[str, str, str]

_GRAINS = "day, week, month, quarter or year"

_DEFINITIONS: dict[str, tuple[str, tuple[str, ...], str, tuple[_Spec, ...]]] = {
    "market_size": (
        "market x period", ("period_start", "period_grain", "market"),
        "Size of the store's market per period (market research), for market_share.",
        (("period_start!", "date", "First day of the period the amount covers."),
         ("period_grain!", "string", f"Length of the period: {_GRAINS}."),
         ("market!", "string", "Name of the market, e.g. sea_fashion_online."),
         ("amount!", "decimal", "Total sales of the whole market in the period."),
         ("currency", "string", "ISO 4217 code of amount; the store's currency when empty."))),
    "competitor_prices": (
        "day x product x competitor", ("date", "product_id", "competitor"),
        "Competitors' prices for the store's products (price checks), for price_index.",
        (("date!", "date", "Day the price was observed."),
         ("product_id!", "string", "The store's product_id the competitor's item matches."),
         ("competitor!", "string", "Name of the competitor or its shop."),
         ("price!", "decimal", "Competitor's selling price, in the store's currency."))),
    "social_stats": (
        "day x platform", ("date", "platform"),
        "Daily statistics of the store's social media accounts.",
        (("date!", "date", "Day the figures are for."),
         ("platform!", "string", "Social network: facebook, instagram, tiktok, ..."),
         ("followers", "integer", "Followers or fans at the end of the day (snapshot: "
          "take the last value of a period, never a sum)."),
         ("impressions", "integer", "Times the account's posts were shown that day."),
         ("engagements", "integer", "Likes + shares + comments that day."))),
    "search_console": (
        "day x query x page", ("date", "query", "page"),
        "Organic search performance (Google Search Console export).",
        (("date!", "date", "Day the figures are for."),
         ("query!", "string", "Search query typed by users."),
         ("page!", "string", "URL of the page shown in the results."),
         ("clicks", "integer", "Clicks from the results to the page."),
         ("impressions", "integer", "Times the page was shown for the query."),
         ("position", "float", "Average ranking position that day (1 = top); weight it "
          "by impressions to average over rows."))),
    "reviews": (
        "one review", ("source", "review_id"),
        "Product reviews written by customers.",
        (("review_id!", "string", "Identifier of the review in its source."),
         ("source!", "string", "Where the rows came from (connector or file set)."),
         ("created_at!", "timestamp", "When the review was posted (UTC)."),
         ("product_id", "string", "Reviewed product (products.product_id)."),
         ("rating!", "integer", "Stars given, 1 (worst) to 5 (best)."))),
    "production_runs": (
        "one production run", ("run_id",),
        "Production runs (batches) on the shop floor, for OEE, cycle time and yield.",
        (("run_id!", "string", "Identifier of the run or batch."),
         ("line", "string", "Production line or machine."),
         ("product_id", "string", "Product made (products.product_id), when known."),
         ("started_at!", "timestamp", "Start of the run (UTC)."),
         ("ended_at", "timestamp", "End of the run (UTC); empty while running."),
         ("planned_minutes", "float", "Planned production time (availability's "
          "denominator)."),
         ("run_minutes", "float", "Time actually producing: planned minus stops."),
         ("ideal_cycle_seconds", "float", "Ideal time to make one unit (performance)."),
         ("units_total", "integer", "Units produced, good or not."),
         ("units_good", "integer", "Units right first time (quality, yield)."))),
    "labor_shifts": (
        "one worker shift", ("shift_id",),
        "Worked shifts, for overall labor effectiveness (OLE).",
        (("shift_id!", "string", "Identifier of the shift."),
         ("date!", "date", "Day of the shift."),
         ("worker_id!", "string", "The worker."),
         ("team", "string", "Team or line the worker was on."),
         ("scheduled_hours", "float", "Hours the worker was scheduled (availability's "
          "denominator)."),
         ("worked_hours", "float", "Hours actually worked."),
         ("standard_hours_earned", "float", "Standard hours of the output produced "
          "(performance = earned / worked)."),
         ("units_total", "integer", "Units produced in the shift."),
         ("units_good", "integer", "Units without defects (quality)."))),
    "incidents": (
        "one incident", ("incident_id",),
        "Non-compliance incidents on the shop floor or in the warehouse.",
        (("incident_id!", "string", "Identifier of the incident."),
         ("occurred_at!", "timestamp", "When it happened (UTC)."),
         ("kind!", "string", "safety, working_conditions or quality."),
         ("severity", "string", "low, medium or high."),
         ("line", "string", "Line, machine or area where it happened."),
         ("description", "string", "What happened, in a few words."))),
    "project_costs": (
        "project x day", ("project_id", "date"),
        "Project controlling, earned-value style: every amount is booked on its day "
        "(sum a period for its total).",
        (("project_id!", "string", "Identifier of the project."),
         ("project_name", "string", "Title of the project."),
         ("date!", "date", "Day the amounts are booked on."),
         ("budget", "decimal", "Budget allocated that day (usually once, at the start)."),
         ("planned_cost", "decimal", "Planned value: cost planned for the work scheduled "
          "that day."),
         ("earned_value", "decimal", "Budgeted cost of the work actually done that day."),
         ("actual_cost", "decimal", "Money actually spent that day."),
         ("estimated_hours", "float", "Hours the work scheduled that day was estimated "
          "to take."),
         ("actual_hours", "float", "Hours actually worked that day."),
         ("gain", "decimal", "Benefit the project brought that day, for ROI."))),
    "newsletter_subscribers": (
        "one subscriber", ("subscriber_id",),
        "Newsletter (email list) subscribers, for subscriber counts and growth.",
        (("subscriber_id!", "string", "Identifier of the subscriber (or a hash of the "
          "address)."),
         ("subscribed_at!", "timestamp", "When they joined the list (UTC)."),
         ("unsubscribed_at", "timestamp", "When they left the list (UTC); empty while "
          "subscribed."))),
    "targets": (
        "metric x period", ("metric", "period_grain", "period_start"),
        "Goals per KPI and period, for progress and early warnings.",
        (("metric!", "string", "Name of the KPI (as in the catalog)."),
         ("period_start!", "date", "First day of the period the goal is for."),
         ("period_grain!", "string", f"Length of the period: {_GRAINS}."),
         ("value!", "float", "Goal value in the KPI's unit; rates as fractions "
          "(0.03 is 3%)."),
         ("owner", "string", "Team or person answerable for the goal (kpi check shows it)."),
         ("slice", "string", "Optional filter narrowing the goal to part of the KPI, e.g. "
          "channel = 'website' (parsed like kpi eval --where; docs/goals.md)."))),
    "exchange_rates": (
        "day x currency", ("date", "currency"),
        "Exchange rates into the project's reporting currency (kpi.yaml `currency:`), for "
        "money in other currencies: an amount dated on or after `date` (and before the "
        "currency's next row) is multiplied by `rate`.",
        (("date!", "date", "First day the rate applies (store timezone)."),
         ("currency!", "string", "ISO 4217 code of the currency converted, e.g. USD."),
         # A float, not a 4-place decimal: one dong or rial is worth 0.00004 dollars.
         ("rate!", "float", "Value of one unit of `currency` in the reporting "
          "currency."))),
}


@cache
def input_tables() -> tuple[Table, ...]:
    """The input tables, in INPUT_TABLE_NAMES order."""
    from .schema import Column, Table

    tables = []
    for name in INPUT_TABLE_NAMES:
        grain, key, description, specs = _DEFINITIONS[name]
        columns = tuple(
            Column(col.rstrip("!"), typ, meaning, nullable=not col.endswith("!"))
            for col, typ, meaning in specs)
        tables.append(Table(name, grain, key, columns, description, input=True))
    return tuple(tables)


def register_input_tables() -> None:
    """Add the input tables to the canonical schema (``schema`` calls this on import)."""
    from .schema import register_table

    for t in input_tables():
        register_table(t)
