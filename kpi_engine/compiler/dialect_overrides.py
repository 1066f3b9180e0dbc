"""Adapters for engines whose semantics differ from what sqlglot transpiles."""

from __future__ import annotations

from .dialects import DialectAdapter, register_adapter


@register_adapter
class DuckDBAdapter(DialectAdapter):
    dialect = "duckdb"
