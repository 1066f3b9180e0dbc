"""Settings of the ``zendesk`` connector."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, model_validator

from kpi_engine.http import HttpSettings


class ZendeskSettings(HttpSettings):
    """A Zendesk Support account read with an API token (Admin Center → Apps and
    integrations → Zendesk API)."""

    subdomain: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
                                  description="`acme` for acme.zendesk.com.")
    base_url: str = Field(description="The account's address; https://<subdomain>."
                                      "zendesk.com unless overridden.")
    email: str = Field(min_length=3, max_length=320,
                       description="The agent whose API token this is.")
    api_token: SecretStr = Field(description="API token (secret).")
    source: str = Field("zendesk", min_length=1, max_length=100)
    per_page: int = Field(1000, ge=1, le=1000,
                          description="Tickets per incremental export page (at most 1000).")
    category_field_id: int | None = Field(
        None, description="Id of the custom ticket field holding the contact's reason "
                          "(category); default: the ticket type.")
    escalation_tags: list[str] = Field(
        default_factory=lambda: ["escalated"],
        description="Tags that mark a ticket escalated (besides passing to a second group).")
    escalation_events: bool = Field(
        True, description="Read the ticket event export to mark tickets whose priority "
                          "was raised or whose group changed as escalated.")
    ratings_lookback_days: int = Field(
        30, ge=0, le=3660,
        description="Satisfaction ratings are re-read this far back: a survey is answered "
                    "days after it is offered.")

    @model_validator(mode="before")
    @classmethod
    def _address_from_subdomain(cls, values: Any) -> Any:
        if isinstance(values, dict) and not values.get("base_url") and values.get("subdomain"):
            values = {**values, "base_url": f"https://{values['subdomain']}.zendesk.com"}
        return values
