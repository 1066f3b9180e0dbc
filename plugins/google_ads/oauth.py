"""Access tokens for the Google Ads API: a fixed ``access_token``, or ones obtained from
an OAuth 2.0 refresh token (``grant_type=refresh_token`` at the token endpoint).

Google's access tokens live about an hour, so a long sync refreshes before the current one
runs out, and once more when the API answers 401 all the same (a token revoked early).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kpi_engine.errors import SyncError
from kpi_engine.http import HttpClient, HttpError, Request

from .settings import GoogleAdsSettings

# Refresh this long before the token's stated expiry: a request sent with a token that
# expires on its way would be answered 401.
EXPIRY_MARGIN = 60.0
TOKEN_STREAM = "oauth_token"


class AccessTokens:
    """The bearer token for each request of one sync."""

    def __init__(self, connector: str, settings: GoogleAdsSettings,
                 clock: Callable[[], float] = time.monotonic):
        self.connector = connector
        self.settings = settings
        self.clock = clock
        self.refreshes = 0
        self._token: str | None = None
        self._expires_at = 0.0

    @property
    def can_refresh(self) -> bool:
        return self.settings.refresh_token is not None

    def bearer(self, http: HttpClient) -> str:
        """The ``Authorization`` header's value, refreshing the token when due."""
        if not self.can_refresh:
            return f"Bearer {self.settings.access_token.get_secret_value()}"
        if self._token is None or self.clock() >= self._expires_at:
            self.refresh(http)
        return f"Bearer {self._token}"

    def refresh(self, http: HttpClient) -> None:
        s = self.settings
        form = {"grant_type": "refresh_token", "client_id": s.client_id or "",
                "client_secret": s.client_secret.get_secret_value(),
                "refresh_token": s.refresh_token.get_secret_value()}
        # Retried on 429/5xx like any request: a refresh has no side effect (Google keeps
        # the refresh token), so sending it twice is harmless. 4xx answers are final.
        try:
            response = http.send(Request("POST", s.token_url, data=form),
                                 stream=TOKEN_STREAM)
        except HttpError as exc:
            raise self._refused(exc) from None
        token = response.get("access_token", str)
        if not token.strip():
            raise response.error("the token endpoint's access_token is empty")
        lifetime = response.get("expires_in", (int, float, str), required=False,
                                default=3600)
        try:
            seconds = float(lifetime)
        except ValueError:
            raise response.error("the token endpoint's expires_in is not a number") from None
        http.redactor.add(token)  # masked in every later message, like the settings
        self._token = token
        self._expires_at = self.clock() + seconds - EXPIRY_MARGIN
        self.refreshes += 1

    def _refused(self, exc: HttpError) -> SyncError:
        """One line naming the setting to fix; the endpoint's body is not repeated (it
        can quote what was sent)."""
        text = str(exc)
        where = f"connector {self.connector!r}: the token endpoint refused"
        if exc.status is not None and "invalid_grant" in text:
            return SyncError(f"{where} setting 'refresh_token' (invalid_grant: expired, "
                             "revoked, or issued for another client_id); create a new "
                             "refresh token with the adwords scope")
        if exc.status is not None and ("invalid_client" in text
                                       or "unauthorized_client" in text):
            return SyncError(f"{where} settings 'client_id'/'client_secret' "
                             "(invalid_client); check the OAuth client's credentials")
        return exc
