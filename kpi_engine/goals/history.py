"""``kpi_history``: every ``kpi check`` run stores what it reported, in the warehouse.

So a number that changes afterwards for the same span (a late refund, a re-synced
order) shows up as a *restatement* against what was reported: the next check of the same
as-of day compares its value with the last stored one and marks the row ``restated``.
``kpi check --no-history`` (``history=False`` in the API) neither reads nor writes it.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from ..schema import Column, Table

HISTORY_TABLE = "kpi_history"
MAX_READ = 10_000  # rows of earlier runs read back for one as-of day

HISTORY = Table(
    HISTORY_TABLE, "one KPI row of one check run", ("run_id", "row_key"),
    tuple(Column(n, t, d) for n, t, d in (
        # Sortable to the microsecond on every engine (SQLite and MariaDB keep timestamps
        # to the second), unique with its random tail.
        ("run_id", "string", "The run: UTC time to the microsecond, then a random tail."),
        ("checked_at", "timestamp", "When the check ran (UTC)."),
        ("row_key", "string", "Hash of metric, period and slice (one row of a check)."),
        ("as_of", "date", "The check's as-of day: data before it was counted."),
        ("scorecard", "string", "Scorecard checked, empty for all targets."),
        ("metric", "string", "The KPI."),
        ("period_grain", "string", "month, quarter, year, ..."),
        ("period_start", "date", "First day of the target's period."),
        ("slice", "string", "The target's filter, empty for none."),
        ("value", "float", "Value to date as reported."),
        ("target", "float", "Target value."),
        ("projection", "float", "Projected end value."),
        ("status", "string", "on_track, at_risk, off_track, no_target or error."),
    )),
    "What kpi check reported, run by run (docs/goals.md#history).")
_COLUMNS = HISTORY.column_names


def row_key(row) -> str:
    return hashlib.sha1(row.key.encode("utf-8")).hexdigest()


def record_history(warehouse, result) -> int:
    """Mark restated rows of ``result``, then append its rows; returns rows written."""
    if not result.rows:
        return 0
    from ..errors import WarehouseError

    try:
        return _record(warehouse, result)
    except WarehouseError as exc:
        raise WarehouseError(f"cannot store the check in table {HISTORY_TABLE}: "
                             f"{exc.message} (--no-history skips it)") from None


def _record(warehouse, result) -> int:
    warehouse.ensure_table(HISTORY)  # DDL before the transaction (MySQL commits DDL)
    reported = _reported(warehouse, result.as_of)
    for row in result.rows:
        before = reported.get(row_key(row))
        if before is not None:
            row.reported = before
            row.restated = row.value is not None and abs(row.value - before) > 1e-9 * max(
                1.0, abs(before))
    now = datetime.now(UTC).replace(tzinfo=None)
    run_id = f"{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
    rows = [(run_id, now, row_key(r), result.as_of, result.scorecard or "", r.metric, r.grain,
             r.period_start, r.slice or "", r.value, r.target, r.projection, r.status)
            for r in result.rows]
    unique = list({r[2]: r for r in rows}.values())  # one row per key and run
    with warehouse.transaction():
        warehouse.upsert(HISTORY, _COLUMNS, unique)
    return len(unique)


def _reported(warehouse, as_of) -> dict[str, float]:
    """The last value each row key was reported with, for checks of the same as-of day."""
    q = warehouse._q
    sql = (f"SELECT {q('row_key')}, {q('value')} FROM {warehouse.qualify(HISTORY_TABLE)} "
           f"WHERE {q('as_of')} = {warehouse.param} AND {q('value')} IS NOT NULL "
           f"ORDER BY {q('run_id')} DESC LIMIT {MAX_READ}")
    out: dict[str, float] = {}
    for key, value in warehouse.query_params(sql, (as_of,)).rows:
        out.setdefault(key, float(value))
    return out


def history_rows(warehouse, metric: str | None = None) -> list[dict]:
    """Stored rows, oldest first (for reports and tests)."""
    if not warehouse.table_exists(HISTORY_TABLE):
        return []
    q = warehouse._q
    cols = ", ".join(q(c) for c in _COLUMNS)
    sql = f"SELECT {cols} FROM {warehouse.qualify(HISTORY_TABLE)}"
    params: tuple = ()
    if metric is not None:
        sql += f" WHERE {q('metric')} = {warehouse.param}"
        params = (metric,)
    sql += f" ORDER BY {q('run_id')}, {q('row_key')}"
    return [dict(zip(_COLUMNS, r, strict=True))
            for r in warehouse.query_params(sql, params).rows]
