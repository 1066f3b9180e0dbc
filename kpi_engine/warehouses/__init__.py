"""Warehouses addressed by URL; plugins add more through ``kpi_register_warehouses``."""

from typing import Any

__all__ = ["QueryResult", "Warehouse", "redact_url"]


def __getattr__(name: str) -> Any:
    # Imported on first use: reading a URL (``warehouses.url``, which every command that
    # names a schema uses) needs neither the base class nor the table catalogue it imports.
    if name in __all__:
        from . import base

        return getattr(base, name)
    raise AttributeError(f"module 'kpi_engine.warehouses' has no attribute {name!r}")
