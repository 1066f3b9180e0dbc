"""The built-in ``meta_ads`` connector plugin: Meta (Facebook, Instagram) campaign
insights by day into ``ad_spend`` (Marketing API insights, or the Ads Manager CSV export)."""

from __future__ import annotations

from kpi_engine import hookimpl


@hookimpl
def kpi_register_connectors(register):
    from .connector import MetaAdsConnector

    register(MetaAdsConnector)


__all__ = ["kpi_register_connectors"]
