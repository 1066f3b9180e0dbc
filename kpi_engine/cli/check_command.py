"""``kpi check``: a scorecard's KPIs against their targets, with anomalies.

Exit codes (for cron and CI): 0 every KPI with a target is on track, 1 some are at risk,
off track or could not be evaluated, 2 the check could not run (bad flag, bad kpi.yaml,
unreachable warehouse). The check stores what it reports in ``kpi_history``
(``--no-history`` to skip) and sends ``notify:`` alerts (``--no-notify`` to skip).
"""

from __future__ import annotations

import json

import click

from ..errors import KpiError
from .context import AppContext
from .options import DateParam, warehouse_option

EXIT_ATTENTION, EXIT_USAGE = 1, 2


@click.command("check")
@click.option("--scorecard", "-s", metavar="NAME",
              help="Scorecard to check (kpi.yaml's or a shipped one per domain: sales, "
                   "marketing, ...). Default: every KPI with a target.")
@click.option("--as-of", type=DateParam(), metavar="DATE",
              help="The check's today: data before this day counts (default: today in the "
                   "project's timezone).")
@warehouse_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@click.option("--lang", type=click.Choice(["en", "vi", "fa", "ms"]),
              help="Language of the table (default: kpi.yaml's language, else en).")
@click.option("--history/--no-history", default=True, show_default=True,
              help="Store the values in the warehouse table kpi_history.")
@click.option("--notify/--no-notify", default=True, show_default=True,
              help="Send kpi.yaml's notify: alerts for changed states.")
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even when KPIs need attention (reports, docs).")
@click.pass_obj
def check(app: AppContext, scorecard, as_of, warehouse, fmt, lang, history, notify,
          exit_zero) -> None:
    """Check KPIs against their targets: value, target, pace, status, anomalies."""
    from ..goals.run import check_workspace

    try:
        result = check_workspace(app, scorecard=scorecard, as_of=as_of, warehouse=warehouse,
                                 history=history, notify=notify)
    except KpiError as exc:
        if app.debug:
            raise
        for line in str(exc).splitlines():
            click.echo(f"Error: {line}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        from .scorecard_table import scorecard_text

        click.echo(scorecard_text(result, lang or app.project.language,
                                  app.project.currency))
        if result.alerts_sent:
            click.echo(f"{result.alerts_sent} alert(s) sent", err=True)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    for failure in result.alert_failures:
        click.echo(f"Error: alert not delivered via {failure}", err=True)
    code = max(result.exit_code, EXIT_ATTENTION if result.alert_failures else 0)
    raise SystemExit(0 if exit_zero else code)


COMMANDS = [check]
