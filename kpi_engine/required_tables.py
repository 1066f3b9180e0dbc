"""Which warehouse tables a request reads, and a clear error when some are missing.

Checked before the statement runs, so a store without ``order_lines`` hears which metric
needs it and how to load it, not the engine's "Catalog Error: Table ... does not exist".
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

from .errors import KpiError
from .graph import build_graph, upstream
from .registry import Registry
from .specs.expressions import parse_query


class MissingTablesError(KpiError):
    """The warehouse lacks tables the requested metrics read."""


def source_tables(registry: Registry, name: str, _seen: set[str] | None = None) -> set[str]:
    """The tables a source reads: its table, the tables of its SQL, and its joins'."""
    seen = _seen if _seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    src = registry.source(name)
    tables = {src.table} if src.table else _tables_of_query(
        src.sql or "", registry.dialect_of_source(name))
    for join in src.joins:
        tables |= source_tables(registry, join.source, seen)
    return tables


def _tables_of_query(sql: str, dialect: str) -> set[str]:
    query = parse_query(sql, dialect)
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    return {t.name for t in query.find_all(exp.Table) if t.name and t.name not in ctes}


def tables_needed(registry: Registry, metrics: Iterable[str]) -> dict[str, list[str]]:
    """Each table the metrics read -> the requested metrics that need it (in order)."""
    graph = build_graph(registry)
    needed: dict[str, list[str]] = {}
    for requested in metrics:
        name = registry.metric(requested).name
        sources = {n.removeprefix("source:") for n in upstream(graph, name)
                   if n.startswith("source:")}
        tables: set[str] = set()
        for src in sources:
            tables |= source_tables(registry, src)
        for table in sorted(tables):
            users = needed.setdefault(table, [])
            if name not in users:
                users.append(name)
    return needed


def check_tables(registry: Registry, metrics: Iterable[str], warehouse) -> None:
    """Raise one line naming every missing table, who needs it, and how to fill it."""
    needed = tables_needed(registry, metrics)
    if not needed:
        return
    missing = sorted(set(needed) - warehouse.existing_tables(sorted(needed)))
    if not missing:
        return
    where = f" (schema {warehouse.schema})" if warehouse.schema else ""
    parts = [f"{t} (for {_first(needed[t])})" for t in missing]
    noun = "table" if len(missing) == 1 else f"{len(missing)} tables"
    raise MissingTablesError(
        f"the warehouse{where} lacks {noun}: {', '.join(parts)} — load "
        f"{'it' if len(missing) == 1 else 'them'} with {_fill_hint(missing)}; "
        "columns in docs/schema.md")


def _first(names: list[str], keep: int = 3) -> str:
    """A few names and how many more, so a request for every metric stays one line."""
    more = f" and {len(names) - keep} more" if len(names) > keep else ""
    return ", ".join(names[:keep]) + more


def _fill_hint(missing: list[str]) -> str:
    """Which connectors can fill the tables (a connector with no fixed list, like files,
    fills whatever its files name)."""
    from .extensions import extensions

    named, open_ended = [], []
    for name, cls in sorted(extensions().connectors.items()):
        tables = tuple(getattr(cls, "tables", ()) or ())
        if not tables:
            open_ended.append(name)
        elif set(missing) & set(tables):
            named.append(name)
    commands = [f"`kpi sync {n}`" for n in named + open_ended]
    if "files" in open_ended:
        commands[commands.index("`kpi sync files`")] = (
            "`kpi sync files` (a CSV, JSON Lines or Parquet file per table)")
    return (" or ".join(commands) if commands else "them") + " or your store's connector"
