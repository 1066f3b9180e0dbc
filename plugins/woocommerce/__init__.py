"""The built-in ``woocommerce`` connector plugin (REST API v3).

The connector's modules are imported when the hook runs, not when the plugin loads: every
``kpi`` command loads plugins, and most never sync.
"""

from __future__ import annotations

from kpi_engine import hookimpl


@hookimpl
def kpi_register_connectors(register):
    from .connector import WooCommerceConnector

    register(WooCommerceConnector)
