"""google_ads and meta_ads through the shared conformance suite (kpi_engine.testing):
secrets never shown, bounded memory, kill-and-resume, a second sync writes nothing, a
malformed page changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from kpi_engine.testing.conformance import ConnectorCase, ConnectorConformance

from .ads_api import google_result, meta_row, serve_google, serve_meta

FIRST = date(2024, 3, 1)
DAYS = 15  # google_ads asks one window per day over these days


class GoogleAdsCase(ConnectorCase):
    def serve(self, server, pages):
        days = {}
        for n in range(pages):  # one window (page) per day, the first `pages` with data
            day = (FIRST + timedelta(days=n)).isoformat()
            days[day] = [[google_result(day, str(c), f"Campaign {c}", "SEARCH",
                                        cost=f"{n + c}.25", clicks=n + c, impressions=10 * c,
                                        conversions=c / 2, value=7.5 * c) for c in (1, 2)]]
        serve_google(server, days)


class GoogleAdsOAuthCase(GoogleAdsCase):
    """Access tokens from a refresh token: the loopback server is the token endpoint too."""

    def serve(self, server, pages):
        super().serve(server, pages)
        server.add("POST", "/token", {"access_token": "ya29.fresh-3456", "expires_in": 3599,
                                      "token_type": "Bearer"})

    def all_settings(self, server):
        return {**super().all_settings(server), "token_url": server.url + "/token"}

    def cli_settings(self, server):
        return [*super().cli_settings(server), "--set", f"token_url={server.url}/token"]


class MetaAdsCase(ConnectorCase):
    def serve(self, server, pages):
        serve_meta(server, [
            [meta_row((FIRST + timedelta(days=n % DAYS)).isoformat(), f"Campaign {n}-{c}",
                      f"{n}.{c}0", str(100 * n + c), str(n + c),
                      [{"action_type": "purchase", "value": str(c)}],
                      [{"action_type": "purchase", "value": f"{10 * c}.00"}]) for c in (1, 2)]
            for n in range(pages)])


_PERIOD = {"start_date": FIRST.isoformat(),
           "end_date": (FIRST + timedelta(days=DAYS - 1)).isoformat()}


class TestGoogleAdsConformance(ConnectorConformance):
    case = GoogleAdsCase("google_ads", secrets={"developer_token": "dev-token-1234",
                                                "access_token": "ya29.token-5678"},
                         settings={"customer_id": "1234567890", "window_days": 1,
                                   **_PERIOD})


class TestGoogleAdsOAuthConformance(ConnectorConformance):
    case = GoogleAdsOAuthCase("google_ads", secrets={
        "developer_token": "dev-token-1234", "client_secret": "GOCSPX-secret-7890",
        "refresh_token": "1//0refresh-2468"},
        settings={"customer_id": "1234567890", "window_days": 1,
                  "client_id": "1234.apps.googleusercontent.com", **_PERIOD})


class TestMetaAdsConformance(ConnectorConformance):
    case = MetaAdsCase("meta_ads", secrets={"access_token": "EAAB-token-9012"},
                       settings={"account_id": "987654321", "page_size": 2,
                                 "window_days": 31, **_PERIOD})
