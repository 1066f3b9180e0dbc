"""CREATE TABLE statements for canonical tables, shared by the SQL warehouses."""

from __future__ import annotations

from ..schema import Table


def logical_to_sql(logical: str, types: dict[str, str]) -> str:
    return types[logical]


def create_table_sql(table: Table, qualified: str, types: dict[str, str],
                     dialect: str = "duckdb") -> str:
    """Typed columns, key columns NOT NULL, and the table's PRIMARY KEY: merges upsert on
    it, and it is what stops two writers from storing one key twice. Column names are
    quoted by sqlglot for ``dialect`` (a plugin's table may name them)."""
    from .identifiers import quote_identifier

    def name(n: str) -> str:
        return quote_identifier(n, dialect)

    cols = [f"{name(c.name)} {logical_to_sql(c.type, types)}"
            f"{' NOT NULL' if c.name in table.primary_key else ''}" for c in table.columns]
    if table.primary_key:
        cols.append(f"PRIMARY KEY ({', '.join(name(k) for k in table.primary_key)})")
    return f"CREATE TABLE IF NOT EXISTS {qualified} ({', '.join(cols)})"
