"""Settings of the ``meta_ads`` connector."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from kpi_engine_plugins.ads_common.daily_totals import CAMPAIGN_TYPES
from pydantic import Field, SecretStr, field_validator

from kpi_engine.http import HttpSettings

WINDOWS = ("1d_click", "7d_click", "28d_click", "1d_view", "7d_view", "1d_ev")


class MetaAdsSettings(HttpSettings):
    """API mode: ``account_id`` (the ad account, with or without ``act_``) and
    ``access_token`` (a system-user token with ads_read). CSV mode: ``report_csv``, a
    campaign report by day exported from Ads Manager; no API call is made."""

    base_url: str = "https://graph.facebook.com"
    api_version: str = Field("v19.0", pattern=r"^v\d{1,3}\.\d{1,2}$")
    account_id: str | None = None
    access_token: SecretStr | None = None
    report_csv: Path | None = Field(None, description=(
        "An Ads Manager export by day (file or folder): no API call."))
    # The attribution window the conversions are counted in (sent as
    # action_attribution_windows); Meta's default setting is 7-day click or 1-day view.
    attribution_windows: list[str] = Field(["7d_click", "1d_view"], description=(
        "The attribution window conversions are counted in (action_attribution_windows)."))
    # Which action type counts as a purchase: the first one a row has.
    purchase_actions: list[str] = ["omni_purchase", "purchase",
                                   "offsite_conversion.fb_pixel_purchase"]
    clicks: Literal["link", "all"] = "link"  # inline_link_clicks, or every click
    campaign_type: str = "social"
    page_size: int = Field(100, ge=1, le=500)
    # Meta keeps crediting conversions to past days for up to 28 days.
    attribution_days: int = Field(28, ge=0, le=90, description=(
        "Days before the last loaded day asked for again (Meta revises up to 28)."))
    window_days: int = Field(7, ge=1, le=90)
    initial_days: int = Field(90, ge=1, le=1100)
    end_date: date | None = None  # last day asked for (default: today); for backfills

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = value.strip().removeprefix("act_")
        if not digits.isdigit() or len(digits) > 20:
            raise ValueError("must be an ad account id such as act_1234567890")
        return digits

    @field_validator("attribution_windows")
    @classmethod
    def _windows(cls, value: list[str]) -> list[str]:
        bad = [w for w in value if w not in WINDOWS]
        if bad or not value:
            raise ValueError(f"each must be one of {', '.join(WINDOWS)}")
        return value

    @field_validator("campaign_type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in CAMPAIGN_TYPES:
            raise ValueError(f"must be one of {', '.join(CAMPAIGN_TYPES)}")
        return value
