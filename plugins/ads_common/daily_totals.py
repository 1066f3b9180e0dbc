"""Running totals per (day, campaign name) for ``ad_spend``.

``ad_spend`` is keyed by (date, platform, campaign name), the name being what visits carry
in utm_campaign. Two campaigns of an account may share a name, and their rows may come on
different pages: each page's rows are added to the window's running totals and the
page yields the totals of the keys it touched, so the merge by key ends with the sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

CAMPAIGN_TYPES = ("search", "display", "social", "video", "shopping", "affiliate", "email")


@dataclass
class _Total:
    campaign_type: str | None
    spend: Decimal = Decimal(0)
    impressions: int = 0
    clicks: int = 0
    conversions: Decimal = Decimal(0)
    conversion_value: Decimal = Decimal(0)


class DailyTotals:
    """Totals of one window of days; ``add`` rows, then ``rows(keys)`` for a page."""

    def __init__(self, platform: str):
        self.platform = platform
        self._totals: dict[tuple[date, str], _Total] = {}

    def add(self, day: date, campaign: str, campaign_type: str | None, *,
            spend: Decimal | None, impressions: int | None, clicks: int | None,
            conversions: Decimal | None, conversion_value: Decimal | None
            ) -> tuple[date, str]:
        key = (day, campaign)
        total = self._totals.get(key)
        if total is None:
            total = self._totals[key] = _Total(campaign_type)
        total.spend += spend or 0
        total.impressions += impressions or 0
        total.clicks += clicks or 0
        total.conversions += conversions or 0
        total.conversion_value += conversion_value or 0
        if total.campaign_type is None:
            total.campaign_type = campaign_type
        return key

    def rows(self, keys: list[tuple[date, str]]) -> list[dict[str, Any]]:
        """``ad_spend`` rows of ``keys`` (each once, in first-seen order)."""
        out = []
        for day, campaign in dict.fromkeys(keys):
            t = self._totals[(day, campaign)]
            out.append({"date": day.isoformat(), "platform": self.platform,
                        "campaign": campaign, "campaign_type": t.campaign_type,
                        "spend": str(t.spend), "impressions": t.impressions,
                        "clicks": t.clicks, "conversions": str(t.conversions),
                        "conversion_value": str(t.conversion_value)})
        return out
