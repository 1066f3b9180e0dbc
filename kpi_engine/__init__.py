"""kpi-engine: KPIs declared in YAML, compiled by sqlglot, evaluated where the data is."""

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("kpi_engine")

__all__ = ["__version__", "hookimpl", "open"]


def open(project_or_url=None, **options):  # noqa: A001 - the API's entry point
    """A project's KPIs (``kpi_engine.api.Kpis``): see kpi_engine/api.py, docs/python.md."""
    from .api import open as open_project

    return open_project(project_or_url, **options)
