"""An Ads Manager export (Campaigns, breakdown by Day, exported as CSV) into ``ad_spend``
pages, one per file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from kpi_engine_plugins.ads_common.daily_totals import DailyTotals
from kpi_engine_plugins.ads_common.report_csv import day, integer, number, read_rows, report_files

from kpi_engine.connectors import Page

from .settings import MetaAdsSettings

COLUMNS = {
    "day": ("Day", "Reporting starts"),
    "campaign": ("Campaign name",),
    "spend": ("Amount spent*",),
    "impressions": ("Impressions",),
    "link_clicks": ("Link clicks",),
    "all_clicks": ("Clicks (all)",),
    "purchases": ("Purchases", "Website purchases"),
    "purchase_value": ("Purchases conversion value", "Website purchases conversion value"),
}
REQUIRED = ("day", "campaign", "spend")


def read_report(settings: MetaAdsSettings, platform: str) -> Iterator[Page]:
    for path in report_files(settings.report_csv):
        totals = DailyTotals(platform)
        keys, origins = [], []
        clicks_field = "link_clicks" if settings.clicks == "link" else "all_clicks"
        for line, cells in read_rows(path, COLUMNS, REQUIRED):
            where = f"{path}:{line}"
            keys.append(totals.add(
                day(cells["day"], where, "Day"), cells["campaign"], settings.campaign_type,
                spend=number(cells["spend"], where, "Amount spent"),
                impressions=integer(cells.get("impressions", ""), where, "Impressions"),
                clicks=integer(cells.get(clicks_field, ""), where, "Link clicks"),
                conversions=number(cells.get("purchases", ""), where, "Purchases"),
                conversion_value=number(cells.get("purchase_value", ""), where,
                                        "Purchases conversion value")))
            origins.append(where)
        rows = totals.rows(keys)
        first = dict(zip(reversed(keys), reversed(origins), strict=True))
        yield Page("ad_spend", rows, origins=[
            first[(date.fromisoformat(r["date"]), r["campaign"])] for r in rows])
