"""google_ads with OAuth 2.0 refresh tokens, against a real loopback server playing both
Google's token endpoint (form-encoded ``grant_type=refresh_token``) and searchStream."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from kpi_engine_plugins.google_ads.oauth import EXPIRY_MARGIN, AccessTokens
from kpi_engine_plugins.google_ads.settings import GoogleAdsSettings

from kpi_engine.errors import SyncError
from kpi_engine.http import HttpClient
from kpi_engine.sync.engine import run_sync
from kpi_engine.testing import ReplayServer, Reply
from kpi_engine.warehouses.connect import connect

from .ads_api import GOOGLE_PATH, GOOGLE_SPEND, serve_google

TOKEN_PATH = "/oauth2/token"
CLIENT_SECRET = "GOCSPX-client-secret-123"
REFRESH_TOKEN = "1//0refresh-token-456"


def oauth_settings(server: ReplayServer, **more) -> dict:
    return {"retry_initial_delay": 0.01, "retry_max_delay": 0.05, "timeout_seconds": 5,
            "base_url": server.url, "token_url": server.url + TOKEN_PATH,
            "customer_id": "123-456-7890", "developer_token": "dev-token-XYZ",
            "client_id": "1234.apps.googleusercontent.com", "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN, "start_date": "2024-03-01",
            "end_date": "2024-03-04", "window_days": 2, **more}


def serve_tokens(server: ReplayServer, expires_in: int = 3599) -> None:
    """The token endpoint, issuing ya29.token-1, ya29.token-2, ... in turn."""
    issued = []

    def answer(request) -> Reply:
        issued.append(1)
        return Reply.json({"access_token": f"ya29.token-{len(issued)}",
                           "expires_in": expires_in, "scope":
                           "https://www.googleapis.com/auth/adwords", "token_type": "Bearer"})

    server.add("POST", TOKEN_PATH, answer)


def bearers(server: ReplayServer) -> list[str]:
    return [r.headers.get("authorization") for r in server.requests_to(GOOGLE_PATH)]


@pytest.fixture
def wh(tmp_path):
    warehouse = connect("duckdb:///" + str(tmp_path / "ads.duckdb"))
    yield warehouse
    warehouse.close()


def test_token_request_form_and_bearer_of_search_stream(wh):
    with ReplayServer() as server:
        serve_google(server)
        serve_tokens(server)
        run_sync("google_ads", wh, oauth_settings(server))
        token_requests = server.requests_to(TOKEN_PATH)
    assert len(token_requests) == 1  # one token serves both windows: it lives an hour
    sent = token_requests[0]
    assert sent.method == "POST"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent.body.decode()) == {
        "grant_type": ["refresh_token"], "client_id": ["1234.apps.googleusercontent.com"],
        "client_secret": [CLIENT_SECRET], "refresh_token": [REFRESH_TOKEN]}
    assert bearers(server) == ["Bearer ya29.token-1"] * 2
    assert {r.headers["developer-token"] for r in server.requests_to(GOOGLE_PATH)} == {
        "dev-token-XYZ"}
    assert wh.query("SELECT sum(spend) FROM ad_spend").rows[0][0] == GOOGLE_SPEND


def test_expired_token_answered_401_is_refreshed_once(wh):
    with ReplayServer() as server:
        serve_tokens(server)
        serve_google(server)
        # The first searchStream request, sent with ya29.token-1, is answered 401 as if
        # the token had been revoked before its stated expiry.
        server.fail("server_error", status=401, path=GOOGLE_PATH)
        run_sync("google_ads", wh, oauth_settings(server))
        assert bearers(server) == ["Bearer ya29.token-1", "Bearer ya29.token-2",
                                   "Bearer ya29.token-2"]
        assert len(server.requests_to(TOKEN_PATH)) == 2
    assert wh.query("SELECT sum(spend) FROM ad_spend").rows[0][0] == GOOGLE_SPEND


def test_a_second_401_after_refreshing_fails_without_showing_tokens(wh):
    with ReplayServer() as server:
        serve_tokens(server)
        server.add("POST", GOOGLE_PATH, lambda request: Reply.json(
            {"error": {"code": 401, "message": "bad " + request.headers["authorization"]}},
            status=401))
        with pytest.raises(SyncError) as failed:
            run_sync("google_ads", wh, oauth_settings(server))
        assert len(server.requests_to(GOOGLE_PATH)) == 2  # refreshed once, not forever
        assert len(server.requests_to(TOKEN_PATH)) == 2
    text = str(failed.value)
    assert "HTTP 401" in text and "google_ads" in text
    assert "ya29.token" not in text  # the obtained token is masked like the settings


def test_invalid_grant_is_one_clear_line_without_secrets(wh):
    with ReplayServer() as server:
        server.add("POST", TOKEN_PATH, Reply.json(
            {"error": "invalid_grant", "error_description": "Token has been expired or "
             f"revoked: {REFRESH_TOKEN}"}, status=400))
        serve_google(server)
        with pytest.raises(SyncError) as failed:
            run_sync("google_ads", wh, oauth_settings(server))
        assert server.requests_to(GOOGLE_PATH) == []
    text = str(failed.value)
    assert "connector 'google_ads'" in text and "'refresh_token'" in text
    assert "invalid_grant" in text and "\n" not in text
    assert REFRESH_TOKEN not in text and CLIENT_SECRET not in text


def test_short_lived_tokens_are_refreshed_before_they_expire():
    now = [1000.0]
    with ReplayServer() as server:
        serve_tokens(server, expires_in=3600)
        settings = GoogleAdsSettings(**oauth_settings(server))
        tokens = AccessTokens("google_ads", settings, clock=lambda: now[0])
        with HttpClient("google_ads", server.url) as http:
            first = tokens.bearer(http)
            now[0] += 3600 - EXPIRY_MARGIN - 1  # still over a minute to live: kept
            assert tokens.bearer(http) == first == "Bearer ya29.token-1"
            now[0] += 1  # within the margin: a long sync gets a new one first
            assert tokens.bearer(http) == "Bearer ya29.token-2"
        assert len(server.requests_to(TOKEN_PATH)) == 2


def test_missing_oauth_settings_are_named(wh):
    with ReplayServer() as server:
        settings = oauth_settings(server)
        del settings["client_secret"]
        with pytest.raises(SyncError, match="setting 'client_secret' is required"):
            run_sync("google_ads", wh, settings)
        del settings["refresh_token"]
        with pytest.raises(SyncError, match="setting 'refresh_token' is required"):
            run_sync("google_ads", wh, settings)
        assert server.requests == []
