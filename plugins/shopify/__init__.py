"""The built-in ``shopify`` connector plugin: the GraphQL Admin API (paged and bulk) and
the orders CSV export. Modules load when a sync asks for the connector, not before."""

from __future__ import annotations

from kpi_engine import hookimpl


@hookimpl
def kpi_register_connectors(register):
    from .connector import ShopifyConnector

    register(ShopifyConnector)


__all__ = ["kpi_register_connectors"]
