"""kpi-engine: KPIs declared in YAML, compiled by sqlglot, evaluated where the data is."""

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl", "open"]


def open(project_or_url=None, **options):  # noqa: A001 - the API's entry point
    """A project's KPIs (``kpi_engine.api.Kpis``): see kpi_engine/api.py, docs/python.md."""
    from .api import open as open_project

    return open_project(project_or_url, **options)


def __getattr__(name: str) -> Any:
    # ``hookimpl`` needs pluggy, which only plugins use: a command served from the
    # registry cache never imports it.
    if name == "hookimpl":
        import pluggy

        marker = pluggy.HookimplMarker("kpi_engine")
        globals()["hookimpl"] = marker
        return marker
    raise AttributeError(f"module 'kpi_engine' has no attribute {name!r}")
