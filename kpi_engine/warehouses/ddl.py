"""CREATE TABLE statements for canonical tables, shared by the SQL warehouses."""

from __future__ import annotations

from ..schema import Table


def logical_to_sql(logical: str, types: dict[str, str]) -> str:
    return types[logical]


def create_table_sql(table: Table, qualified: str, types: dict[str, str],
                     dialect: str = "duckdb") -> str:
    """Column names are quoted by sqlglot for ``dialect`` (a plugin's table may name them)."""
    from .identifiers import quote_identifier

    cols = [f"{quote_identifier(c.name, dialect)} {logical_to_sql(c.type, types)}"
            for c in table.columns]
    return f"CREATE TABLE IF NOT EXISTS {qualified} ({', '.join(cols)})"
