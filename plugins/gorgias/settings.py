"""Settings of the ``gorgias`` connector."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, model_validator

from kpi_engine.http import HttpSettings


class GorgiasSettings(HttpSettings):
    """A Gorgias helpdesk read with a REST API key (Settings → REST API)."""

    domain: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
                               description="`acme` for acme.gorgias.com.")
    base_url: str = Field(description="The helpdesk's address; https://<domain>."
                                      "gorgias.com unless overridden.")
    username: str = Field(min_length=3, max_length=320,
                          description="The e-mail address of the API key's user.")
    api_key: SecretStr = Field(description="REST API key (secret).")
    source: str = Field("gorgias", min_length=1, max_length=100)
    per_page: int = Field(100, ge=1, le=100, description="Records per request (at most 100).")
    read_messages: bool = Field(
        True, description="Read each changed ticket's messages for the first response time "
                          "(one request per ticket).")
    category_tags: list[str] = Field(
        default_factory=list,
        description="Tags that name a contact reason; the first one on a ticket is its "
                    "category (empty: the ticket's first tag).")
    escalation_tags: list[str] = Field(default_factory=lambda: ["escalated"])
    escalation_teams: list[str] = Field(
        default_factory=list,
        description="Teams whose tickets count as escalated (a second-level team).")

    @model_validator(mode="before")
    @classmethod
    def _address_from_domain(cls, values: Any) -> Any:
        if isinstance(values, dict) and not values.get("base_url") and values.get("domain"):
            values = {**values, "base_url": f"https://{values['domain']}.gorgias.com"}
        return values
