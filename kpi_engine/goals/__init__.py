"""KPIs as goals: targets, pacing, status, anomalies, scorecards, history and alerts.

``check.run_check`` is the one entry point the CLI (``kpi check``), the Python API and
the HTML report share; it returns a ``CheckResult`` (see ``results``).
"""
