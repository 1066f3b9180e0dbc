"""Text about an HTTP request made safe to print: no token, key or password in it.

Two things leak secrets into messages: a URL carrying a credential in its query
(``?api_key=...``, ``access_token=...``) or user info, and an error body or exception text
that echoes a secret value back. ``Redactor`` masks both: secret-looking query parameters
by name (the same words as warehouse URLs, ``warehouses.url.is_secret_param``) and every
known secret value (the connector's ``SecretStr`` settings) wherever it appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr

from ..warehouses.url import MASK, is_secret_param

MAX_SHOWN = 300  # characters of a URL or body shown in one error line


class Redactor:
    """Masks secret values and secret query parameters in text and URLs."""

    def __init__(self, secrets: Iterable[str] = ()):
        # Longest first, so a secret containing another is masked whole; short values
        # (an empty or 1-3 character "secret") would mask ordinary text and are skipped.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len,
                              reverse=True)

    @classmethod
    def for_settings(cls, settings: BaseModel) -> Redactor:
        return cls(secret_values(settings))

    def add(self, secret: str) -> None:
        """Mask one more value from now on (a token obtained during the sync)."""
        if secret and len(secret) >= 4 and secret not in self.secrets:
            self.secrets = sorted([*self.secrets, secret], key=len, reverse=True)

    def text(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def url(self, url: str) -> str:
        """The URL with user info and secret query parameters masked, then any known
        secret value anywhere in it."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return self.text(url)[:MAX_SHOWN]
        netloc = parts.netloc
        if "@" in netloc:
            netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode([(k, MASK if is_secret_param(k) else v) for k, v in pairs],
                              safe="*[]")
        shown = urlunsplit((parts.scheme, netloc, parts.path, query, ""))
        return self.text(shown)[:MAX_SHOWN]


def secret_values(model: BaseModel) -> list[str]:
    """Every ``SecretStr`` value in a settings model, nested models and containers too."""
    found: list[str] = []

    def visit(value: object) -> None:
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                visit(getattr(value, name))
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, list | tuple | set):
            for item in value:
                visit(item)

    visit(model)
    return found
