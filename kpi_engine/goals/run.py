"""A check as the ``kpi`` command and the Python API run it: kpi.yaml's settings checked
first (a mistake there is found before connecting), the warehouse opened for writing only
when history or alert state will be written, alerts sent after the check."""

from __future__ import annotations

from datetime import date

from .results import CheckResult


def check_workspace(workspace, *, scorecard: str | None = None, as_of: date | None = None,
                    warehouse: str | None = None, history: bool = True,
                    notify: bool = True) -> CheckResult:
    from .check import check_scorecard, run_check
    from .config import goal_settings
    from .notify.routes import routes

    project, registry = workspace.project, workspace.registry
    settings = goal_settings(project)
    check_scorecard(project, registry, scorecard)
    notify = notify and bool(routes(project))
    wh = workspace.connect(warehouse)  # read-only: a missing database is "no data yet"
    if history or notify:
        # kpi_history and the alert state are written: the database exists (just
        # checked), so opening it for writing creates nothing else.
        wh.close()
        wh = workspace.connect(warehouse, create=True)
    try:
        result = run_check(registry, project, wh, scorecard=scorecard, as_of=as_of,
                           history=history, settings=settings)
        if notify:
            from .notify.send import send_alerts

            report = send_alerts(project, wh, result)
            result.alerts_sent, result.alert_failures = report.sent, report.failures
    finally:
        wh.close()
    return result
