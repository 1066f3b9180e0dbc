"""``kpi_alert_state``: the state each route last delivered per alert key, in the
warehouse, so a repeated alert for an unchanged state is not sent again (by any machine
that runs the check against this warehouse)."""

from __future__ import annotations

from datetime import UTC, datetime

from ...schema import Column, Table

STATE_TABLE = "kpi_alert_state"
STATE = Table(
    STATE_TABLE, "route x alert", ("route", "alert_key"),
    (Column("route", "string", "Name of the notify: route."),
     Column("alert_key", "string", "Hash of KPI, period, slice and alert kind."),
     Column("metric", "string", "The KPI."),
     Column("state", "string", "Status, or the anomaly's day and side, last delivered."),
     Column("delivered_at", "timestamp", "When it was delivered (UTC).")),
    "What each notify: route last delivered (docs/goals.md#alerts).")


def delivered_states(warehouse, route: str, keys: list[str]) -> dict[str, str]:
    if not keys or not warehouse.table_exists(STATE_TABLE):
        return {}
    q = warehouse._q
    out: dict[str, str] = {}
    for start in range(0, len(keys), 500):  # bounded parameter lists
        chunk = keys[start:start + 500]
        marks = ", ".join([warehouse.param] * len(chunk))
        sql = (f"SELECT {q('alert_key')}, {q('state')} FROM "
               f"{warehouse.qualify(STATE_TABLE)} WHERE {q('route')} = {warehouse.param} "
               f"AND {q('alert_key')} IN ({marks})")
        out.update(dict(warehouse.query_params(sql, (route, *chunk)).rows))
    return out


def save_states(warehouse, route: str, alerts) -> None:
    if not alerts:
        return
    warehouse.ensure_table(STATE)
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = list({a.key: (route, a.key, a.metric, a.state, now) for a in alerts}.values())
    with warehouse.transaction():
        warehouse.upsert(STATE, STATE.column_names, rows)
