"""UpdatedCursor: where an incremental read starts and which cursor each page saves;
HttpSettings: the settings every HTTP connector shares."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import SecretStr, ValidationError

from kpi_engine.connectors import SyncContext
from kpi_engine.http import HttpSettings, Redactor, UpdatedCursor, parse_timestamp
from kpi_engine.http.redact import secret_values

STARTED = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def context(cursor: str | None = None, full_refresh: bool = False) -> SyncContext:
    return SyncContext(STARTED, full_refresh, {"orders": cursor} if cursor else {})


def test_first_sync_reads_everything_or_from_start_date():
    assert UpdatedCursor(context(), "orders").since is None
    since = UpdatedCursor(context(), "orders", start_date=date(2025, 1, 1)).since
    assert since == datetime(2025, 1, 1, tzinfo=UTC)


def test_next_sync_reads_from_the_saved_cursor_minus_the_lookback():
    cursor = UpdatedCursor(context("2025-05-01T10:00:00Z"), "orders",
                           lookback=timedelta(minutes=90))
    assert cursor.since_iso() == "2025-05-01T08:30:00Z"
    # ... but never before start_date
    cursor = UpdatedCursor(context("2025-05-01T10:00:00Z"), "orders",
                           lookback=timedelta(days=400), start_date=date(2025, 1, 1))
    assert cursor.since_iso() == "2025-01-01T00:00:00Z"


def test_full_refresh_ignores_the_saved_cursor():
    cursor = UpdatedCursor(context("2025-05-01T10:00:00Z", full_refresh=True), "orders")
    assert cursor.since is None


def test_ordered_stream_saves_the_newest_time_seen_never_going_back():
    cursor = UpdatedCursor(context("2025-05-01T10:00:00Z"), "orders")
    assert cursor.page_cursor() is None  # nothing seen yet: save nothing
    cursor.observe("2025-05-01T09:30:00+00:00")  # inside the lookback window
    assert cursor.page_cursor() == "2025-05-01T10:00:00Z"
    cursor.observe("2025-05-02T07:00:00+02:00")
    cursor.observe(None)
    cursor.observe("2025-05-01T11:00:00Z")
    assert cursor.page_cursor() == "2025-05-02T05:00:00Z"
    assert cursor.done() == "2025-05-02T05:00:00Z"


def test_done_never_passes_the_sync_start():
    cursor = UpdatedCursor(context(), "orders")
    cursor.observe("2030-01-01T00:00:00Z")  # a source clock far ahead
    assert cursor.done() == "2025-06-01T12:00:00Z"


def test_unordered_stream_saves_only_when_done_and_then_the_start_time():
    cursor = UpdatedCursor(context("2025-05-01T10:00:00Z"), "orders", ordered=False)
    cursor.observe("2025-05-20T00:00:00Z")
    assert cursor.page_cursor() is None
    assert cursor.done() == "2025-06-01T12:00:00Z"


def test_parse_timestamp():
    assert parse_timestamp("2025-05-01") == datetime(2025, 5, 1, tzinfo=UTC)
    assert parse_timestamp("2025-05-01T10:00:00") == datetime(2025, 5, 1, 10, tzinfo=UTC)
    assert parse_timestamp("yesterday") is None and parse_timestamp(None) is None


class ShopSettings(HttpSettings):
    base_url: str = "https://shop.example/api"
    token: SecretStr
    nested: dict[str, SecretStr] = {}


def test_base_url_must_be_http():
    with pytest.raises(ValidationError) as info:
        ShopSettings(base_url="ftp://user:hunter22@host", token="t0k3n-value")
    assert "must be an http:// or https:// URL" in str(info.value)
    settings = ShopSettings(base_url="http://127.0.0.1:8000/", token="t0k3n-value")
    assert settings.base_url == "http://127.0.0.1:8000"
    assert "t0k3n-value" not in repr(settings)


def test_build_settings_names_a_bad_base_url_without_the_value():
    from kpi_engine.errors import SyncError
    from kpi_engine.sync.engine import build_settings

    class Shop:
        name = "shop"
        settings_model = ShopSettings

    with pytest.raises(SyncError) as info:
        build_settings(Shop, {"base_url": "javascript:alert-hunter22", "token": "x"})
    assert "setting 'base_url'" in str(info.value) and "hunter22" not in str(info.value)


def test_retry_policy_from_settings():
    policy = ShopSettings(token="x", retries_per_request=2, retry_budget=7,
                          retry_initial_delay=0.5, retry_max_delay=4).retry_policy()
    assert (policy.retries_per_request, policy.retry_budget, policy.initial_delay,
            policy.max_delay) == (2, 7, 0.5, 4)


def test_redactor_masks_secret_values_and_parameters():
    settings = ShopSettings(token="abcd-secret", nested={"k": "nested-secret"})
    redactor = Redactor.for_settings(settings)
    assert sorted(secret_values(settings)) == ["abcd-secret", "nested-secret"]
    assert redactor.text("bad token abcd-secret, nested-secret") == "bad token ***, ***"
    url = redactor.url("https://u:pw@shop.example/x?api_key=k1&page=2&sig=abcd-secret")
    assert url == "https://***@shop.example/x?api_key=***&page=2&sig=***"
