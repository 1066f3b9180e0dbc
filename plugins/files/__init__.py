"""The built-in ``files`` connector plugin (CSV, JSON Lines, Parquet).

The connector's modules are imported when the hook runs, not when the plugin loads: every
``kpi`` command loads plugins (for their commands), and most never sync.
"""

from __future__ import annotations

from kpi_engine import hookimpl


@hookimpl
def kpi_register_connectors(register):
    from .connector import FilesConnector

    register(FilesConnector)


def __getattr__(name: str):
    # `from kpi_engine_plugins.files import FilesConnector` keeps working, lazily.
    if name == "FilesConnector":
        from .connector import FilesConnector

        return FilesConnector
    if name == "FilesSettings":
        from .settings import FilesSettings

        return FilesSettings
    raise AttributeError(name)


__all__ = ["FilesConnector", "FilesSettings", "kpi_register_connectors"]
