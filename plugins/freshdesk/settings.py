"""Settings of the ``freshdesk`` connector."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, model_validator

from kpi_engine.http import HttpSettings


class FreshdeskSettings(HttpSettings):
    """A Freshdesk account read with an agent's API key (Profile settings → API key)."""

    domain: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
                               description="`acme` for acme.freshdesk.com.")
    base_url: str = Field(description="The account's address; https://<domain>."
                                      "freshdesk.com unless overridden.")
    api_key: SecretStr = Field(description="The agent's API key (secret).")
    source: str = Field("freshdesk", min_length=1, max_length=100)
    per_page: int = Field(100, ge=1, le=100, description="Records per request (at most 100).")
    escalation_tags: list[str] = Field(
        default_factory=lambda: ["escalated"],
        description="Tags that mark a ticket escalated (besides Freshdesk's is_escalated).")
    ratings_lookback_days: int = Field(
        30, ge=0, le=3660, description="Satisfaction ratings are re-read this far back.")

    @model_validator(mode="before")
    @classmethod
    def _address_from_domain(cls, values: Any) -> Any:
        if isinstance(values, dict) and not values.get("base_url") and values.get("domain"):
            values = {**values, "base_url": f"https://{values['domain']}.freshdesk.com"}
        return values
