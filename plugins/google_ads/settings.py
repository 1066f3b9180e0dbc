"""Settings of the ``google_ads`` connector."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kpi_engine_plugins.ads_common.daily_totals import CAMPAIGN_TYPES
from pydantic import Field, SecretStr, field_validator

from kpi_engine.http import HttpSettings

# advertising_channel_type -> canonical campaign_type (see docs/connectors/google_ads.md).
CHANNEL_TYPES = {
    "SEARCH": "search", "SMART": "search", "HOTEL": "search", "TRAVEL": "search",
    "LOCAL_SERVICES": "search", "DISPLAY": "display", "DEMAND_GEN": "display",
    "DISCOVERY": "display", "LOCAL": "display", "MULTI_CHANNEL": "display",
    "SHOPPING": "shopping", "PERFORMANCE_MAX": "shopping", "VIDEO": "video",
}


class GoogleAdsSettings(HttpSettings):
    """API mode: ``customer_id``, ``developer_token``, and ``client_id`` +
    ``client_secret`` + ``refresh_token`` (OAuth 2, scope adwords; access tokens are
    refreshed as needed) or a short-lived ``access_token``; optionally
    ``login_customer_id`` (a manager account). CSV mode:
    ``report_csv``, a campaign report by day exported from the Google Ads UI (a file or a
    folder of them); no API call is made."""

    base_url: str = "https://googleads.googleapis.com"
    api_version: str = Field("v17", pattern=r"^v\d{1,3}$")
    customer_id: str | None = None
    login_customer_id: str | None = None
    developer_token: SecretStr | None = None
    access_token: SecretStr | None = None
    # OAuth 2.0 refresh (instead of access_token): the sync obtains its access tokens.
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    token_url: str = Field("https://oauth2.googleapis.com/token", description=(
        "The OAuth 2.0 token endpoint; override for a proxy or tests."))
    report_csv: Path | None = Field(None, description=(
        "A campaign report by day exported from the UI (file or folder): no API call."))
    # Google Ads credits conversions to the day of the click for as long as each
    # conversion action's window (30 days by default): re-read that many days each sync.
    attribution_days: int = Field(30, ge=0, le=90, description=(
        "Attribution window: days before the last loaded day asked for again."))
    window_days: int = Field(30, ge=1, le=366)
    initial_days: int = Field(90, ge=1, le=3660)
    end_date: date | None = None  # last day asked for (default: today); for backfills
    campaign_types: dict[str, str] = {}  # channel type (or UI "Campaign type") -> type

    @field_validator("token_url")
    @classmethod
    def _token_url(cls, value: str) -> str:
        return HttpSettings._http_url(value)

    @field_validator("customer_id", "login_customer_id")
    @classmethod
    def _digits(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = value.replace("-", "").strip()
        if not digits.isdigit() or len(digits) != 10:
            raise ValueError("must be a 10-digit customer id such as 123-456-7890")
        return digits

    @field_validator("campaign_types")
    @classmethod
    def _types(cls, value: dict[str, str]) -> dict[str, str]:
        for key, kind in value.items():
            if kind not in CAMPAIGN_TYPES:
                raise ValueError(f"{key!r}: campaign type must be one of "
                                 f"{', '.join(CAMPAIGN_TYPES)}")
        return {k.upper().replace(" ", "_"): v for k, v in value.items()}

    def missing_credentials(self) -> list[str]:
        """The API-mode settings not given (empty when a sync can start)."""
        missing = [n for n in ("customer_id", "developer_token") if getattr(self, n) is None]
        if self.refresh_token is not None:
            missing += [n for n in ("client_id", "client_secret") if getattr(self, n) is None]
        elif self.access_token is None:
            missing.append("refresh_token")
        return missing

    def campaign_type(self, channel: str | None) -> str | None:
        if not channel:
            return None
        key = channel.strip().upper().replace(" ", "_")
        return self.campaign_types.get(key) or CHANNEL_TYPES.get(key)
