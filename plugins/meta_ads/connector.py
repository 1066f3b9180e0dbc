"""The ``meta_ads`` connector: Marketing API insights by campaign and day into
``ad_spend``.

API mode: ``GET /{version}/act_{account}/insights?level=campaign&time_increment=1`` per
window of days, following ``paging.cursors.after`` while the answer has ``paging.next``.
CSV mode: a campaign report by day exported from Ads Manager.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from kpi_engine_plugins.ads_common.daily_totals import DailyTotals
from kpi_engine_plugins.ads_common.windows import first_day, today, windows

from kpi_engine.connectors import Page, SyncContext
from kpi_engine.errors import SyncError
from kpi_engine.http import HttpClient, HttpConnector, HttpResponse, Request, page

from .report_csv import read_report
from .settings import MetaAdsSettings

PLATFORM = "meta_ads"
STREAM = "campaign_days"
FIELDS = ("campaign_id,campaign_name,spend,impressions,clicks,inline_link_clicks,actions,"
          "action_values,date_start")


@dataclass
class InsightsPaginator:
    """Graph API cursor paging: ``after`` = ``paging.cursors.after`` while the answer
    links a ``paging.next`` page (the last page still has cursors, but no ``next``)."""

    path: str
    params: dict[str, Any] = field(default_factory=dict)

    def first(self) -> Request:
        return Request("GET", self.path, dict(self.params))

    def next(self, request: Request, response: HttpResponse) -> Request | None:
        if not response.get("paging.next", str, required=False):
            return None
        after = response.get("paging.cursors.after", str)
        return Request("GET", self.path, {**self.params, "after": after})


class MetaAdsConnector(HttpConnector):
    name = "meta_ads"
    description = "Meta (Facebook, Instagram) campaign insights by day (API or Ads Manager CSV)"
    settings_model = MetaAdsSettings
    tables = ("ad_spend",)
    settings: MetaAdsSettings

    def source_identity(self) -> str:
        """Cursors kept per ad account: two accounts in one warehouse keep theirs."""
        return self.settings.account_id or ""

    def read(self, context: SyncContext) -> Iterator[Page]:
        if self.settings.report_csv is not None:
            yield from read_report(self.settings, PLATFORM)
            return
        for needed in ("account_id", "access_token"):
            if getattr(self.settings, needed) is None:
                raise SyncError(f"connector 'meta_ads': setting {needed!r} is required "
                                "(or 'report_csv' to load a report exported from Ads Manager)")
        yield from super().read(context)

    def headers(self) -> dict[str, str]:
        # In a header, not in the URL's access_token parameter: URLs end up in logs.
        return {"Authorization": f"Bearer {self.settings.access_token.get_secret_value()}"}

    def read_http(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        s = self.settings
        saved = context.cursors.get(STREAM) or ""  # never moved back by a re-read
        start = first_day(context, STREAM, attribution_days=s.attribution_days,
                          start_date=s.start_date, initial_days=s.initial_days)
        path = f"/{s.api_version}/act_{s.account_id}/insights"
        for since, until in windows(start, s.end_date or today(context), s.window_days):
            params = {"level": "campaign", "time_increment": 1, "fields": FIELDS,
                      "time_range": json.dumps({"since": since.isoformat(),
                                                "until": until.isoformat()}),
                      "action_attribution_windows": json.dumps(s.attribution_windows),
                      "limit": s.page_size}
            totals = DailyTotals(PLATFORM)
            for response in http.paginate(InsightsPaginator(path, params), stream=STREAM):
                keys = [self._add(totals, response, r) for r in response.get("data", list)]
                yield page("ad_spend", totals.rows(keys), stream=STREAM, response=response)
            yield Page("ad_spend", [], stream=STREAM, cursor=max(until.isoformat(), saved))

    def _add(self, totals: DailyTotals, response: HttpResponse, row: Any):
        if not isinstance(row, dict) or not row.get("date_start") or not row.get(
                "campaign_name"):
            raise response.error("an insights row has no date_start or campaign_name")
        s = self.settings
        name = row["campaign_name"]
        try:
            clicks = row.get("inline_link_clicks") if s.clicks == "link" else row.get("clicks")
            return totals.add(
                date.fromisoformat(row["date_start"]), name, s.campaign_type,
                spend=_dec(row.get("spend")), impressions=int(row.get("impressions") or 0),
                clicks=int(clicks or 0),
                conversions=self.purchases(row.get("actions")),
                conversion_value=self.purchases(row.get("action_values")))
        except (ValueError, ArithmeticError, TypeError) as exc:
            raise response.error(f"campaign {name!r} on {row['date_start']}: a figure is not "
                                 f"a number ({exc})") from None

    def purchases(self, actions: Any) -> Decimal:
        """The purchase figure of an ``actions`` / ``action_values`` list: the first of
        ``purchase_actions`` present, in the requested attribution windows."""
        by_type = {a.get("action_type"): a for a in actions or [] if isinstance(a, dict)}
        for kind in self.settings.purchase_actions:
            entry = by_type.get(kind)
            if entry is None:
                continue
            windows_given = [w for w in self.settings.attribution_windows if w in entry]
            if windows_given:
                return sum((_dec(entry[w]) for w in windows_given), Decimal(0))
            return _dec(entry.get("value"))
        return Decimal(0)


def _dec(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{str(value)[:40]!r}") from None
