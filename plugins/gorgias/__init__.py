"""The built-in ``gorgias`` connector plugin (Gorgias REST API).

The connector's modules are imported when the hook runs, not when the plugin loads.
"""

from __future__ import annotations

from kpi_engine import hookimpl


@hookimpl
def kpi_register_connectors(register):
    from .connector import GorgiasConnector

    register(GorgiasConnector)
