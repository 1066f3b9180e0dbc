"""Targets kept in the warehouse's ``targets`` input table (loaded from a spreadsheet with
the files connector): absolute goals per metric and period. A row naming an unknown
metric or a period that does not exist is skipped with a note, so one typo in a
spreadsheet does not stop the whole check."""

from __future__ import annotations

from datetime import date, datetime

from ..errors import Location
from .config import MAX_TARGETS, TargetSpec
from .periods import period_of

TABLE = "targets"
_COLUMNS = ("metric", "period_start", "period_grain", "value")


def table_targets(warehouse, registry, notes: list[str]) -> list[TargetSpec]:
    if not warehouse.table_exists(TABLE):
        return []
    from sqlglot import exp

    table = exp.table_(TABLE, db=warehouse.schema, quoted=True)
    select = exp.select(*[exp.column(c, quoted=True) for c in _COLUMNS]).from_(table).limit(
        MAX_TARGETS + 1)
    with warehouse.read_only():
        rows = warehouse.query(select.sql(warehouse.dialect)).rows
    if len(rows) > MAX_TARGETS:
        notes.append(f"table {TABLE}: only the first {MAX_TARGETS:,} rows are read")
        rows = rows[:MAX_TARGETS]
    out = []
    for i, (metric, start, grain, value) in enumerate(rows, start=1):
        where = Location(f"table {TABLE}", i)
        name = str(metric)
        if name not in registry.metrics and name not in registry.aliases:
            notes.append(f"table {TABLE}: unknown metric {name[:60]!r} skipped")
            continue
        try:
            day = start.date() if isinstance(start, datetime) else (
                start if isinstance(start, date) else date.fromisoformat(str(start)[:10]))
            period = period_of(day, str(grain))
        except ValueError as exc:
            notes.append(f"table {TABLE}: {name}: {exc}; skipped")
            continue
        if value is None:
            continue
        out.append(TargetSpec(registry.metric(name).name, period, float(value),
                              origin=where))
    return out
