"""The ``google_ads`` connector: campaign figures by day into ``ad_spend``.

API mode: one ``googleAds:searchStream`` request per window of days (GAQL over the
``campaign`` resource, segmented by ``segments.date``); the streamed answer is a JSON array
of result batches, all turned into one page. CSV mode: a campaign report by day exported
from the Google Ads UI.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from kpi_engine_plugins.ads_common.daily_totals import DailyTotals
from kpi_engine_plugins.ads_common.windows import first_day, today, windows

from kpi_engine.connectors import Page, SyncContext
from kpi_engine.errors import SyncError
from kpi_engine.http import HttpClient, HttpConnector, HttpError, HttpResponse, Request, page

from .oauth import AccessTokens
from .report_csv import read_report
from .settings import GoogleAdsSettings

PLATFORM = "google_ads"
STREAM = "campaign_days"
MICROS = Decimal(1_000_000)
GAQL = ("SELECT segments.date, campaign.id, campaign.name, "
        "campaign.advertising_channel_type, metrics.cost_micros, metrics.clicks, "
        "metrics.impressions, metrics.conversions, metrics.conversions_value "
        "FROM campaign WHERE segments.date BETWEEN '{since}' AND '{until}' "
        "ORDER BY segments.date")


class GoogleAdsConnector(HttpConnector):
    name = "google_ads"
    description = "Google Ads campaign reports by day (searchStream API or UI CSV export)"
    settings_model = GoogleAdsSettings
    tables = ("ad_spend",)
    settings: GoogleAdsSettings

    def source_identity(self) -> str:
        """Cursors kept per customer id: two accounts in one warehouse keep theirs."""
        return self.settings.customer_id or ""

    def read(self, context: SyncContext) -> Iterator[Page]:
        if self.settings.report_csv is not None:
            yield from read_report(self.settings, PLATFORM)
            return
        missing = self.settings.missing_credentials()
        if missing:
            raise SyncError(f"connector 'google_ads': setting {missing[0]!r} is required "
                            "(API mode: customer_id, developer_token, and client_id + "
                            "client_secret + refresh_token or an access_token; or "
                            "'report_csv' to load a report exported from the UI)")
        yield from super().read(context)

    def headers(self) -> dict[str, str]:
        # Authorization is per request (AccessTokens): it changes when a token is refreshed.
        s = self.settings
        out = {"developer-token": s.developer_token.get_secret_value()}
        if s.login_customer_id:
            out["login-customer-id"] = s.login_customer_id
        return out

    def read_http(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        s = self.settings
        saved = context.cursors.get(STREAM) or ""  # never moved back by a re-read
        start = first_day(context, STREAM, attribution_days=s.attribution_days,
                          start_date=s.start_date, initial_days=s.initial_days)
        url = f"/{s.api_version}/customers/{s.customer_id}/googleAds:searchStream"
        tokens = AccessTokens(self.name, s)
        for number, (since, until) in enumerate(windows(start, s.end_date or today(context),
                                                        s.window_days), 1):
            query = GAQL.format(since=since.isoformat(), until=until.isoformat())
            response = self._search(http, tokens, url, query, number)
            totals = DailyTotals(PLATFORM)
            batches = response.json()
            if not isinstance(batches, list):
                raise response.error("expected the JSON array of searchStream batches")
            # The whole stream is in memory already: one page of its totals, so rows of
            # two like-named campaigns in different batches are written once, summed.
            keys = [self._add(totals, response, r)
                    for batch in batches for r in _results(response, batch)]
            # The window is complete: its last day is where the next sync looks back from.
            yield page("ad_spend", totals.rows(keys), stream=STREAM,
                       cursor=max(until.isoformat(), saved), response=response)

    def _search(self, http: HttpClient, tokens: AccessTokens, url: str, query: str,
                 number: int) -> HttpResponse:
        def send() -> HttpResponse:
            return http.send(Request("POST", url, json={"query": query},
                                     headers={"Authorization": tokens.bearer(http)}),
                             stream=STREAM, page=number)
        try:
            return send()
        except HttpError as exc:
            # A token revoked or expired early: refresh once and ask again.
            if exc.status != 401 or not tokens.can_refresh:
                raise
        tokens.refresh(http)
        return send()

    def _add(self, totals: DailyTotals, response: HttpResponse, result: Any):
        if not isinstance(result, dict):
            raise response.error("a result is not an object")
        campaign = result.get("campaign") or {}
        metrics = result.get("metrics") or {}
        day = (result.get("segments") or {}).get("date")
        name = campaign.get("name")
        if not day or not name:
            raise response.error("a result has no segments.date or campaign.name")
        try:
            when = date.fromisoformat(day)
            # INT64 metrics come as JSON strings; zero metrics may be left out.
            cost = Decimal(str(metrics.get("costMicros", 0))) / MICROS
            return totals.add(
                when, name, self.settings.campaign_type(campaign.get("advertisingChannelType")),
                spend=cost, impressions=int(metrics.get("impressions", 0)),
                clicks=int(metrics.get("clicks", 0)),
                conversions=Decimal(str(metrics.get("conversions", 0))),
                conversion_value=Decimal(str(metrics.get("conversionsValue", 0))))
        except (ValueError, ArithmeticError) as exc:
            raise response.error(f"campaign {name!r} on {day}: a metric is not a number "
                                 f"({exc})") from None


def _results(response: HttpResponse, batch: Any) -> list[Any]:
    if not isinstance(batch, dict):
        raise response.error("a searchStream batch is not an object")
    results = batch.get("results", [])
    if not isinstance(results, list):
        raise response.error("a batch's 'results' is not a list")
    return results
