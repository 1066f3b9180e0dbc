"""A warehouse URL, parsed once into its parts; shown, it never reveals a credential.

``scheme://user:password@host:port/database?name=value&...`` for servers,
``scheme:///relative/file`` or ``scheme:////absolute/file`` for embedded databases.
Printing a ``WarehouseURL`` (``str``, ``repr``, f-strings) shows the password and every
secret-looking query parameter (password, token, key, secret, ...) as ``***``; every
message about a warehouse goes through it, so no message has to remember to redact.

Parsing is by hand rather than ``urllib``: ``urlsplit`` cuts the user info at the first
``@`` and the host at ``#``, so a password such as ``Zz9@ss`` or ``a#b`` was half shown.
Here the user info ends at the *last* ``@`` before the query, so ``@ : / #`` may appear in
a password as written; ``?`` must be percent-encoded (``%3F``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from ..errors import WarehouseError
from .identifiers import check_schema_name

MAX_URL_LENGTH = 4096
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A query parameter whose name contains one of these is a credential.
SECRET_WORDS = ("pass", "pwd", "secret", "token", "key", "credential",
                "auth", "signature", "private")
MASK = "***"


class URLError(WarehouseError):
    """Something wrong in the URL itself (as opposed to the warehouse behind it)."""


def is_secret_param(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


@dataclass(frozen=True, repr=False)
class WarehouseURL:
    scheme: str                       # lower case, e.g. "postgresql", "postgresql+psycopg"
    user: str | None = None           # percent-decoded
    password: str | None = None       # percent-decoded; never shown
    location: str = ""                # as written: host[:port][/path], or /file
    params: tuple[tuple[str, str], ...] = ()  # decoded query parameters, in order

    # -- parsing -----------------------------------------------------------------------
    @classmethod
    def parse(cls, url: str) -> WarehouseURL:
        if not isinstance(url, str):
            raise URLError(f"a warehouse URL must be text, not {type(url).__name__}")
        if len(url) > MAX_URL_LENGTH:
            raise URLError(f"the warehouse URL is longer than {MAX_URL_LENGTH} "
                                 "characters")
        if _CONTROL.search(url):
            raise URLError("the warehouse URL contains a control character")
        scheme, sep, rest = url.partition("://")
        if not sep or not _SCHEME.fullmatch(scheme):
            # Not printed: without a scheme we cannot tell which part is a password.
            raise URLError("the warehouse URL has no scheme: write it as "
                                 "scheme://..., e.g. duckdb:///kpi.duckdb or "
                                 "postgresql://user@host:5432/db")
        before, _, query = rest.partition("?")
        user = password = None
        # A leading "/" is an embedded database's file: no user info there, and an "@"
        # in a file name stays part of the name.
        at = -1 if before.startswith("/") else before.rfind("@")
        if at >= 0:
            name, colon, secret = before[:at].partition(":")
            user = unquote(name) or None
            password = unquote(secret) if colon else None
        return cls(scheme.lower(), user, password, before[at + 1:], _parse_query(query))

    # -- parts -------------------------------------------------------------------------
    @property
    def base_scheme(self) -> str:
        """``postgresql+psycopg`` -> ``postgresql``."""
        return self.scheme.split("+", 1)[0]

    def _host_port(self) -> tuple[str, str]:
        if self.location.startswith("/"):
            return "", ""
        hostport = self.location.split("/", 1)[0]
        if hostport.startswith("["):  # [IPv6]:port
            host, _, tail = hostport[1:].partition("]")
            return host, tail[1:] if tail.startswith(":") else ""
        host, colon, port = hostport.rpartition(":")
        return (unquote(host), port) if colon else (unquote(hostport), "")

    @property
    def host(self) -> str:
        return self._host_port()[0]

    @property
    def port(self) -> int | None:
        """The port as a number; an error (not showing it) when it is not one."""
        text = self._host_port()[1]
        if not text:
            return None
        if not text.isdigit() or not 0 < int(text) < 65536:
            # The text is not shown: in 'user:secret/db' (a forgotten '@host') it is the
            # password.
            raise URLError(f"{self.scheme} URL: the port is not a number from 1 to "
                                 "65535 (a password with '?' must be written %3F)")
        return int(text)

    @property
    def database(self) -> str:
        """The path after the host, without its leading '/', decoded ('' when none)."""
        if self.location.startswith("/"):
            return unquote(self.location[1:])
        _, slash, path = self.location.partition("/")
        return unquote(path) if slash else ""

    def file_path(self) -> str:
        """An embedded database's file: ``scheme:///x.db`` is ``x.db`` (relative),
        ``scheme:////abs/x.db`` absolute; nothing or ``:memory:`` is in memory."""
        path = unquote(self.location)
        path = path[1:] if path.startswith("/") else path
        return path or ":memory:"

    def param(self, name: str) -> str | None:
        return dict(self.params).get(name)

    def param_names(self) -> list[str]:
        return [k for k, _ in self.params]

    def int_param(self, name: str) -> int | None:
        """A whole-number parameter such as ``connect_timeout``, checked."""
        value = self.param(name)
        if value is None:
            return None
        if not value.strip().isdigit() or len(value.strip()) > 9:
            raise URLError(f"warehouse URL parameter {name}={_shown(name, value)} is "
                           "not a whole number (at most 9 digits)")
        return int(value)

    def schema(self, configured: str | None = None) -> str | None:
        """The schema holding the tables: the URL's ``?schema=`` wins over the configured
        one (kpi.yaml's); either is checked as an identifier."""
        from_url = self.param("schema")
        if from_url is not None:
            try:
                return check_schema_name(from_url, "warehouse URL parameter ?schema=")
            except WarehouseError as exc:
                raise URLError(exc.message) from None
        if configured is not None:
            return check_schema_name(configured, "schema")
        return None

    # -- secrets -----------------------------------------------------------------------
    def secrets(self) -> list[str]:
        """Every credential in the URL, as given and as written in it."""
        values = [self.password or ""]
        values += [v for k, v in self.params if is_secret_param(k)]
        found = {form for v in values if v for form in (v, quote(v, safe=""), quote(v))}
        return sorted(found, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` (a driver's message, say) with every credential replaced by ***."""
        for secret in self.secrets():
            text = text.replace(secret, MASK)
        return text

    # -- showing -----------------------------------------------------------------------
    def __str__(self) -> str:
        auth = ""
        if self.user is not None or self.password is not None:
            auth = quote(self.user or "", safe="") + (f":{MASK}" if self.password is not None
                                                      else "") + "@"
        query = "&".join(f"{k}={MASK if is_secret_param(k) else v}" for k, v in self.params)
        return f"{self.scheme}://{auth}{self._shown_location()}" + (f"?{query}" if query
                                                                       else "")

    def _shown_location(self) -> str:
        """The location with a port that is not a number masked: in ``user:secret/db``
        (a forgotten ``@host``) that 'port' is the password."""
        if self.location.startswith("/"):
            return self.location
        hostport, slash, path = self.location.partition("/")
        head, colon, port = hostport.rpartition(":")
        if colon and not port.isdigit() and not hostport.endswith("]"):
            hostport = f"{head}:{MASK}"
        return hostport + slash + path

    def __repr__(self) -> str:
        return f"WarehouseURL({str(self)!r})"


def _shown(name: str, value: str) -> str:
    if is_secret_param(name):
        return MASK
    return repr(value if len(value) <= 40 else value[:40] + "…")


def _parse_query(query: str) -> tuple[tuple[str, str], ...]:
    """``a=1&b=2`` decoded by hand: ``+`` stays ``+`` (it may be part of a password)."""
    params: list[tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition("=")
        name = unquote(raw_name)
        if not _PARAM_NAME.fullmatch(name):
            # Not shown: a '?' inside a password makes its tail look like a parameter.
            raise URLError("the warehouse URL has a malformed query parameter name "
                                 "(write '?' '&' '=' inside values as %3F %26 %3D)")
        if any(name == known for known, _ in params):
            raise URLError(f"warehouse URL parameter {name} is given twice")
        params.append((name, unquote(raw_value)))
    return tuple(params)


def redact_url(url: str) -> str:
    """Any URL-like text with its credentials replaced, safe to print."""
    try:
        return str(WarehouseURL.parse(url))
    except WarehouseError:
        return "<unreadable warehouse URL>"
