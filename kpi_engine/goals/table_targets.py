"""Targets kept in the warehouse's ``targets`` input table (loaded from a spreadsheet with
the files connector): absolute goals per metric and period. A row naming an unknown
metric or a period that does not exist is skipped with a note, so one typo in a
spreadsheet does not stop the whole check."""

from __future__ import annotations

from datetime import date, datetime

from ..errors import Location
from .config import MAX_SLICE_CHARS, MAX_TARGETS, TargetSpec
from .periods import period_of

TABLE = "targets"
_COLUMNS = ("metric", "period_start", "period_grain", "value")
_OPTIONAL = ("owner", "slice")  # added later: a table synced before may lack them


def table_targets(warehouse, registry, notes: list[str]) -> list[TargetSpec]:
    if not warehouse.table_exists(TABLE):
        return []
    from sqlglot import exp

    have = _columns(warehouse)
    columns = _COLUMNS + tuple(c for c in _OPTIONAL if have is None or c in have)
    table = exp.table_(TABLE, db=warehouse.schema, quoted=True)
    select = exp.select(*[exp.column(c, quoted=True) for c in columns]).from_(table).limit(
        MAX_TARGETS + 1)
    with warehouse.read_only():
        rows = warehouse.query(select.sql(warehouse.dialect)).rows
    if len(rows) > MAX_TARGETS:
        notes.append(f"table {TABLE}: only the first {MAX_TARGETS:,} rows are read")
        rows = rows[:MAX_TARGETS]
    out = []
    for i, row in enumerate(rows, start=1):
        metric, start, grain, value = row[:4]
        extra = dict(zip(columns[4:], row[4:], strict=True))
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
        slice_ = (extra.get("slice") or "").strip() or None
        if slice_ is not None and not _valid_slice(slice_):
            notes.append(f"table {TABLE}: {name}: slice {slice_[:60]!r} is not a filter "
                         "over dimensions; skipped")
            continue
        owner = (extra.get("owner") or "").strip()[:200] or None
        out.append(TargetSpec(registry.metric(name).name, period, float(value),
                              slice=slice_, owner=owner, origin=where))
    return out


def _columns(warehouse) -> set[str] | None:
    """The table's columns, None when the engine cannot say (then all are asked for)."""
    lister = getattr(warehouse, "existing_columns", None)
    return set(lister(TABLE)) if lister is not None else None


def _valid_slice(text: str) -> bool:
    from ..specs.expressions import UnsafeExpression, parse_expression

    if len(text) > MAX_SLICE_CHARS:
        return False
    try:
        parse_expression(text, "duckdb")
    except UnsafeExpression:
        return False
    return True
