"""SQL for merging a staged page into its table by primary key, shared by the engines.

The merge is one INSERT with an upsert clause on the table's PRIMARY KEY, so it is
race-free: two writers of the same key serialise on the key's index entry instead of both
inserting it (a DELETE-then-INSERT merge let two concurrent syncs duplicate every row).
A row whose values all equal the stored row is left alone (counted as unchanged).

Identifiers reach these functions already quoted by the caller (``quote``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

Quote = Callable[[str], str]


@dataclass(frozen=True)
class MergePlan:
    """The names one merge works with, quoted for the engine."""

    target: str            # qualified, quoted table
    stage: str             # quoted staging table
    columns: list[str]     # columns the page gives
    key: list[str]         # primary key columns
    cleared: list[str]     # table columns the page does not give: set to NULL on update
    quote: Quote
    same: str = "{a} IS NOT DISTINCT FROM {b}"  # null-safe equality (MySQL <=>, SQLite IS)

    @property
    def updated_columns(self) -> list[str]:
        return [c for c in self.columns if c not in self.key]

    def equal(self, a: str, b: str) -> str:
        return self.same.format(a=a, b=b)

    def column_list(self) -> str:
        return ", ".join(self.quote(c) for c in self.columns)


def on_conflict_sql(plan: MergePlan, excluded: str = "EXCLUDED", where_true: bool = False,
                    returning: str = "") -> str:
    """PostgreSQL, SQLite and DuckDB: INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE the
    row differs. SQLite needs ``WHERE true`` after the SELECT so ON reads as the upsert."""
    q = plan.quote
    cols = plan.column_list()
    keys = ", ".join(q(k) for k in plan.key)
    sets = [f"{q(c)} = {excluded}.{q(c)}" for c in plan.updated_columns]
    sets += [f"{q(c)} = NULL" for c in plan.cleared]
    select = f"SELECT {cols} FROM {plan.stage}" + (" WHERE true" if where_true else "")
    if not sets:
        action = "DO NOTHING"
    else:
        same = [plan.equal(f"t.{q(c)}", f"{excluded}.{q(c)}") for c in plan.updated_columns]
        same += [f"t.{q(c)} IS NULL" for c in plan.cleared]
        action = f"DO UPDATE SET {', '.join(sets)} WHERE NOT ({' AND '.join(same)})"
    return (f"INSERT INTO {plan.target} AS t ({cols}) {select} "
            f"ON CONFLICT ({keys}) {action}{returning}")


def on_duplicate_key_sql(plan: MergePlan) -> str:
    """MySQL/MariaDB: INSERT ... SELECT ... ON DUPLICATE KEY UPDATE (an unchanged row is
    not rewritten: MySQL skips updates that change nothing)."""
    q = plan.quote
    cols = plan.column_list()
    sets = [f"{q(c)} = VALUES({q(c)})" for c in plan.updated_columns]
    sets += [f"{q(c)} = NULL" for c in plan.cleared]
    if not sets:
        first = q(plan.key[0])
        sets = [f"{first} = {first}"]  # keys only: nothing to update
    return (f"INSERT INTO {plan.target} ({cols}) SELECT {cols} FROM {plan.stage} AS s "
            f"ON DUPLICATE KEY UPDATE {', '.join(sets)}")


def count_sql(plan: MergePlan) -> str:
    """Staged rows, how many are new, and how many differ from the stored row; run before
    the merge. Key columns are never NULL, so a missing match shows as a NULL key."""
    q = plan.quote
    on = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in plan.key)
    first = f"t.{q(plan.key[0])}"
    same = [plan.equal(f"t.{q(c)}", f"s.{q(c)}") for c in plan.updated_columns]
    same += [f"t.{q(c)} IS NULL" for c in plan.cleared]
    differs = f"NOT ({' AND '.join(same)})" if same else "1 = 0"
    return (f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {first} IS NULL THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN {first} IS NOT NULL AND {differs} THEN 1 ELSE 0 END), 0) "
            f"FROM {plan.stage} AS s LEFT JOIN {plan.target} AS t ON {on}")


def key_sql(quote: Quote, key: Sequence[str]) -> str:
    """``PRIMARY KEY (a, b)`` for CREATE TABLE."""
    return f"PRIMARY KEY ({', '.join(quote(k) for k in key)})"
