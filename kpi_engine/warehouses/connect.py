"""Open a warehouse from its URL, using the factories plugins registered by scheme."""

from __future__ import annotations

from ..errors import WarehouseError, did_you_mean
from ..extensions import extensions
from .base import Warehouse, redact_url

DEFAULT_URL = "duckdb:///kpi.duckdb"


def connect(url: str | None = None, schema: str | None = None) -> Warehouse:
    url = url or DEFAULT_URL
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    base_scheme = scheme.split("+", 1)[0]  # postgresql+psycopg -> postgresql
    factories = extensions().warehouses
    factory = factories.get(scheme) or factories.get(base_scheme)
    if factory is None:
        known = ", ".join(sorted(factories)) or "none"
        hint = did_you_mean(base_scheme, set(factories)) if base_scheme else ""
        raise WarehouseError(f"unsupported warehouse URL {redact_url(url)!r}{hint}: "
                             f"known schemes are {known}")
    return factory(url, schema)
