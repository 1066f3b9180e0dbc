"""Warehouses addressed by URL; plugins add more through ``kpi_register_warehouses``."""

from .base import QueryResult, Warehouse, redact_url

__all__ = ["QueryResult", "Warehouse", "redact_url"]
