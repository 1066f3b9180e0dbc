"""The two ad APIs as replayed by a ReplayServer in their documented formats, with the
hand-made figures the ad tests work out by hand.

Google Ads ``googleAds:searchStream``: POST a GAQL query, answer a JSON array of batches
``{"results": [{"campaign": {...}, "metrics": {...}, "segments": {"date": ...}}],
"fieldMask": ..., "requestId": ...}`` with INT64 metrics as strings and zero metrics left
out. Meta insights: ``{"data": [...], "paging": {"cursors": {"before", "after"},
"next"}}``, the last page without ``next``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kpi_engine.testing import ReplayServer, Reply

GOOGLE_CUSTOMER = "1234567890"
GOOGLE_PATH = f"/v17/customers/{GOOGLE_CUSTOMER}/googleAds:searchStream"
META_ACCOUNT = "987654321"
META_PATH = f"/v19.0/act_{META_ACCOUNT}/insights"


def google_result(day: str, campaign_id: str, name: str, channel: str, *, cost: str = "0",
                  clicks: int = 0, impressions: int = 0, conversions: float = 0,
                  value: float = 0) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    if cost != "0":
        metrics["costMicros"] = str(int(float(cost) * 1_000_000))
    if clicks:
        metrics["clicks"] = str(clicks)
    if impressions:
        metrics["impressions"] = str(impressions)
    if conversions:
        metrics["conversions"] = conversions
    if value:
        metrics["conversionsValue"] = value
    return {"campaign": {"resourceName": f"customers/{GOOGLE_CUSTOMER}/campaigns/{campaign_id}",
                         "advertisingChannelType": channel, "name": name, "id": campaign_id},
            "metrics": metrics, "segments": {"date": day}}


# Day -> result batches (a day's rows may come in several batches of one stream).
GOOGLE_DAYS: dict[str, list[list[dict[str, Any]]]] = {
    "2024-03-01": [[
        google_result("2024-03-01", "11", "Spring Search", "SEARCH", cost="12.5", clicks=25,
                      impressions=1000, conversions=2, value=150.0),
        google_result("2024-03-01", "12", "Brand PMax", "PERFORMANCE_MAX", cost="7.5",
                      clicks=10, impressions=500, conversions=1, value=60.0)]],
    # Two campaigns named alike: one row of ad_spend with their sum.
    "2024-03-02": [[
        google_result("2024-03-02", "11", "Spring Search", "SEARCH", cost="5", clicks=10,
                      impressions=400, conversions=0.5, value=20.0)], [
        google_result("2024-03-02", "13", "Spring Search", "SEARCH", cost="5", clicks=10,
                      impressions=300, conversions=0.5, value=20.0)]],
    "2024-03-03": [[
        google_result("2024-03-03", "11", "Spring Search", "SEARCH", cost="20", clicks=30,
                      impressions=900, conversions=1, value=100.0)], [
        google_result("2024-03-03", "14", "Video Launch", "VIDEO", cost="10",
                      impressions=2000)]],
    "2024-03-04": [],
}
GOOGLE_SPEND, GOOGLE_VALUE = 60, 350  # 12.5 + 7.5 + 5 + 5 + 20 + 10; 150 + 60 + 20 + 20 + 100


def serve_google(server: ReplayServer, days: dict[str, list] | None = None,
                 path: str = GOOGLE_PATH) -> None:
    """searchStream answering each query with the batches of the days it asks for (at
    ``path``: another customer id's)."""
    days = GOOGLE_DAYS if days is None else days

    def answer(request) -> Reply:
        query = request.json()["query"]
        since, until = re.search(r"BETWEEN '([\d-]+)' AND '([\d-]+)'", query).groups()
        batches = [{"results": batch, "fieldMask": "segments.date,campaign.id,...",
                    "requestId": "r1"}
                   for day, day_batches in sorted(days.items()) if since <= day <= until
                   for batch in day_batches]
        return Reply.json(batches)

    server.add("POST", path, answer)


def meta_row(day: str, name: str, spend: str, impressions: str, link_clicks: str,
             actions: list | None = None, values: list | None = None) -> dict[str, Any]:
    row = {"campaign_id": str(abs(hash(name)) % 10**12), "campaign_name": name,
           "spend": spend, "impressions": impressions, "clicks": str(int(link_clicks) + 15),
           "inline_link_clicks": link_clicks, "date_start": day, "date_stop": day}
    if actions is not None:
        row["actions"] = actions
    if values is not None:
        row["action_values"] = values
    return row


META_PAGES = [
    [meta_row("2024-03-01", "Spring Social", "30.00", "3000", "40",
              [{"action_type": "link_click", "value": "40"},
               {"action_type": "omni_purchase", "value": "3", "7d_click": "2", "1d_view": "1"},
               {"action_type": "purchase", "value": "3", "7d_click": "2", "1d_view": "1"}],
              [{"action_type": "omni_purchase", "value": "210.00", "7d_click": "150.00",
                "1d_view": "60.00"}]),
     meta_row("2024-03-02", "Spring Social", "20.00", "2000", "25",
              [{"action_type": "purchase", "value": "1", "7d_click": "1"}],
              [{"action_type": "purchase", "value": "50.00", "7d_click": "50.00"}])],
    [meta_row("2024-03-02", "Retargeting", "10.00", "800", "8")],
]
META_SPEND, META_VALUE = 60, 260


def serve_meta(server: ReplayServer, pages: list[list[dict]] | None = None) -> None:
    """The insights pages, linked by paging.cursors.after / paging.next."""
    pages = META_PAGES if pages is None else pages
    for number, data in enumerate(pages, 1):
        paging: dict[str, Any] = {"cursors": {"before": f"b{number}", "after": f"c{number}"}}
        if number < len(pages):
            paging["next"] = f"{server.url}{META_PATH}?after=c{number}&limit=2"
        query = {"after": f"c{number - 1}"} if number > 1 else None
        server.add("GET", META_PATH, Reply.json({"data": data, "paging": paging}),
                   query=query)


def time_range(request) -> dict[str, str]:
    return json.loads(request.query["time_range"])
