"""The built-in ``files`` connector plugin (CSV, JSON Lines, Parquet)."""

from __future__ import annotations

from kpi_engine import hookimpl

from .connector import FilesConnector
from .settings import FilesSettings


@hookimpl
def kpi_register_connectors(register):
    register(FilesConnector)


__all__ = ["FilesConnector", "FilesSettings", "kpi_register_connectors"]
