"""Open a warehouse from its URL, using the factories plugins registered by scheme."""

from __future__ import annotations

import inspect

from ..errors import WarehouseError, did_you_mean
from ..extensions import extensions
from .base import Warehouse
from .identifiers import check_schema_name
from .url import WarehouseURL

DEFAULT_URL = "duckdb:///kpi.duckdb"


def connect(url: str | None = None, schema: str | None = None, *,
            create: bool = True) -> Warehouse:
    """The warehouse at ``url``, its tables in ``schema`` (a ``?schema=`` in the URL wins).

    ``create=False`` is for commands that only read: nothing is created (no database file,
    folder or schema); a missing one is a clear "no data yet" error instead.
    """
    url = url or DEFAULT_URL
    address = WarehouseURL.parse(url)  # one clear error for a malformed URL, redacted
    address.schema(schema)  # checked before any factory sees it
    if schema is not None:
        check_schema_name(schema)
    factories = extensions().warehouses
    factory = factories.get(address.scheme) or factories.get(address.base_scheme)
    if factory is None:
        known = ", ".join(sorted(factories)) or "none"
        hint = did_you_mean(address.base_scheme, set(factories))
        raise WarehouseError(f"unsupported warehouse URL {str(address)!r}{hint}: "
                             f"known schemes are {known}")
    if _accepts_create(factory):
        return factory(url, schema, create=create)
    return factory(url, schema)  # a plugin's factory written before ``create`` existed


def _accepts_create(factory) -> bool:
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "create" or p.kind is p.VAR_KEYWORD for p in params)
