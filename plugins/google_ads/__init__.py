"""The built-in ``google_ads`` connector plugin: campaign reports by day into ``ad_spend``
(Google Ads API ``googleAds:searchStream``, or the report CSV exported from the UI)."""

from __future__ import annotations

from kpi_engine import hookimpl


@hookimpl
def kpi_register_connectors(register):
    from .connector import GoogleAdsConnector

    register(GoogleAdsConnector)


__all__ = ["kpi_register_connectors"]
