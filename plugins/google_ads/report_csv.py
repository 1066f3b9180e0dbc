"""A Google Ads UI report (Campaigns, segmented by Day, downloaded as CSV) into
``ad_spend`` pages, one per file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from kpi_engine_plugins.ads_common.daily_totals import DailyTotals
from kpi_engine_plugins.ads_common.report_csv import day, integer, number, read_rows, report_files

from kpi_engine.connectors import Page

from .settings import GoogleAdsSettings

COLUMNS = {
    "day": ("Day", "Date"),
    "campaign": ("Campaign", "Campaign name"),
    "campaign_type": ("Campaign type",),
    "cost": ("Cost",),
    "impressions": ("Impr.", "Impressions"),
    "clicks": ("Clicks",),
    "conversions": ("Conversions",),
    "conversion_value": ("Conv. value", "Conversion value", "Conversions value"),
}
REQUIRED = ("day", "campaign", "cost")


def read_report(settings: GoogleAdsSettings, platform: str) -> Iterator[Page]:
    for path in report_files(settings.report_csv):
        totals = DailyTotals(platform)
        keys, origins = [], []
        for line, cells in read_rows(path, COLUMNS, REQUIRED):
            where = f"{path}:{line}"
            keys.append(totals.add(
                day(cells["day"], where, COLUMNS["day"][0]), cells["campaign"],
                settings.campaign_type(cells.get("campaign_type")),
                spend=number(cells["cost"], where, "Cost"),
                impressions=integer(cells.get("impressions", ""), where, "Impr."),
                clicks=integer(cells.get("clicks", ""), where, "Clicks"),
                conversions=number(cells.get("conversions", ""), where, "Conversions"),
                conversion_value=number(cells.get("conversion_value", ""), where,
                                        "Conv. value")))
            origins.append(where)
        rows = totals.rows(keys)
        # One row per (day, campaign): the first line of each names it in errors.
        first = dict(zip(reversed(keys), reversed(origins), strict=True))
        yield Page("ad_spend", rows, origins=[
            first[(date.fromisoformat(r["date"]), r["campaign"])] for r in rows])
