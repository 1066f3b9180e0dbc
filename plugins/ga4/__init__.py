"""The built-in ``ga4`` connector plugin: GA4 BigQuery export files into ``sessions``.

Modules are imported when the hook runs, not when the plugin loads (see plugins/files).
"""

from __future__ import annotations

from kpi_engine import hookimpl


@hookimpl
def kpi_register_connectors(register):
    from .connector import Ga4Connector

    register(Ga4Connector)


__all__ = ["kpi_register_connectors"]
