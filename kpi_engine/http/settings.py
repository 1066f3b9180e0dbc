"""Settings every HTTP connector has, on top of its own (token, shop name, ...).

Subclass ``HttpSettings`` and give ``base_url`` a default (the vendor's API address);
users override it for a proxy or a test server. Declare secrets as ``SecretStr``: they
come from ``KPI_<CONNECTOR>_<SETTING>`` environment variables or ``kpi.yaml`` ``${VAR}``
and are never printed, logged or put in an error (the client masks their values).
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from ..connectors import ConnectorSettings
from .retry import RetryPolicy


class HttpSettings(ConnectorSettings):
    base_url: str = Field(description="The API's address; override for a proxy or tests.")
    timeout_seconds: float = Field(30.0, gt=0, le=3600,
                                   description="Connect/read timeout of one request.")
    retries_per_request: int = Field(8, ge=0, le=100)
    retry_budget: int = Field(100, ge=0, le=100_000,
                              description="Retries in one sync, all requests together.")
    retry_time_limit_seconds: float = Field(
        900.0, gt=0, description="Time one request may spend retrying, waits included.")
    retry_initial_delay: float = Field(1.0, ge=0, le=600)
    retry_max_delay: float = Field(60.0, ge=0, le=3600)
    sync_time_limit_seconds: float | None = Field(
        None, gt=0, description="Give up when a sync has run this long (default: no limit).")
    lookback_minutes: int = Field(
        60, ge=0, le=60 * 24 * 366,
        description="Re-read records updated this long before the saved cursor, for "
                    "late-arriving updates.")
    start_date: date | None = Field(
        None, description="The first sync reads records updated from this day (default: all).")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        text = value.strip()
        if not text.lower().startswith(("http://", "https://")) or len(text) > 2048 \
                or any(c.isspace() for c in text):
            # The value is not echoed: a URL may carry a key.
            raise ValueError("must be an http:// or https:// URL without spaces")
        return text.rstrip("/")

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(retries_per_request=self.retries_per_request,
                           retry_budget=self.retry_budget,
                           time_limit=self.retry_time_limit_seconds,
                           initial_delay=self.retry_initial_delay,
                           max_delay=self.retry_max_delay)
