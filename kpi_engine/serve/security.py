"""Who may ask: loopback binds are open (unless a token is set); any other bind needs the
bearer token from ``KPI_SERVE_TOKEN``, and without one the server refuses to start — and,
should an app be built for such a bind anyway, refuses every request."""

from __future__ import annotations

import hmac
import ipaddress
import os

from pydantic import SecretStr

from ..errors import KpiError

TOKEN_ENV = "KPI_SERVE_TOKEN"


class ServeError(KpiError):
    """The server cannot start as asked."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def token_from_env() -> SecretStr | None:
    value = os.environ.get(TOKEN_ENV, "")
    return SecretStr(value) if value else None


def check_bind(host: str, token: SecretStr | None) -> None:
    if not is_loopback(host) and token is None:
        raise ServeError(f"--host {host} is not a loopback address: set {TOKEN_ENV} to a "
                         "secret bearer token first (clients then send 'Authorization: "
                         "Bearer <token>'), or bind to 127.0.0.1")


def authorised(header: str | None, token: SecretStr | None, loopback: bool) -> bool:
    """Whether a request with this Authorization header may be answered."""
    if token is None:
        return loopback
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.get_secret_value().encode())
