"""The Python API: ``kpi_engine.open(...)`` for analysts and notebooks.

    import kpi_engine
    kpis = kpi_engine.open("shop/kpi.yaml")          # or a warehouse URL
    result = kpis.eval("net_sales", grain="month", since="2026-01-01")
    result.records; result.to_pandas()

It is the engine behind the ``kpi`` command (a ``Workspace``): the same project file,
registry, compiler and warehouse, so ``eval`` returns the numbers ``kpi eval --format
json`` prints. Each call connects to the warehouse and closes the connection again, like a
command does, so a notebook never holds a DuckDB file open between cells.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .workspace import Workspace

if TYPE_CHECKING:
    from .compiler.request import CompiledQuery
    from .explain.tree import Explanation
    from .goals.results import CheckResult
    from .results import Result

_DUCKDB_SUFFIXES = (".duckdb", ".ddb")


class Kpis:
    """A project's KPIs: evaluate, compile and explain them."""

    def __init__(self, workspace: Workspace, warehouse: str | None = None):
        self.workspace = workspace
        self.warehouse = warehouse  # None: kpi.yaml's, else the default

    def __repr__(self) -> str:
        from .warehouses.url import redact_url

        where = redact_url(self.workspace.warehouse_url(self.warehouse))
        return f"<kpi_engine.Kpis warehouse={where!r}>"

    @property
    def registry(self):
        """Every metric and source the project loads (``registry.metrics``)."""
        return self.workspace.registry

    def eval(self, metrics: str | list[str] | tuple[str, ...], *, grain: str = "month",
             by: str | list[str] | tuple[str, ...] = (), since: Any = None,
             until: Any = None, where: str | list[str] | tuple[str, ...] = (),
             compare: str | None = None, timezone: str | None = None,
             week_start: str | None = None) -> Result:
        """Evaluate ``metrics`` in the warehouse, as ``kpi eval``: ``since`` inclusive,
        ``until`` exclusive (dates or "YYYY-MM-DD"), ``where`` filters over dimensions,
        ``compare`` = "previous", "last_year" or a period such as "2025-11"."""
        return self.workspace.evaluate(
            metrics, warehouse=self.warehouse, grain=grain, by=by, since=since, until=until,
            where=where, compare=compare, timezone=timezone, week_start=week_start)

    def compile(self, metrics: str | list[str] | tuple[str, ...], *, dialect: str = "duckdb",
                grain: str = "month", by: str | list[str] | tuple[str, ...] = (),
                since: Any = None, until: Any = None,
                where: str | list[str] | tuple[str, ...] = (), compare: str | None = None,
                timezone: str | None = None, week_start: str | None = None
                ) -> CompiledQuery:
        """The one SQL statement (``.sql``) that computes ``metrics``, as ``kpi compile``."""
        return self.workspace.compile(
            metrics, dialect=dialect, grain=grain, by=by, since=since, until=until,
            where=where, compare=compare, timezone=timezone, week_start=week_start,
            warehouse=self.warehouse)

    def explain(self, metric: str, period: str, *, vs: str | None = None,
                by: str | list[str] | tuple[str, ...] | None = None) -> Explanation:
        """Why ``metric`` moved from ``vs`` (default: the period before) to ``period``, as
        ``kpi explain``: ``.tree`` divides the change among the drivers, ``.by`` by
        slice, ``.to_dict()`` is what ``--format json`` prints."""
        from .explain.tree import explain

        dims = (by,) if isinstance(by, str) else by
        return explain(self.workspace, metric, period, vs, dims, self.warehouse)

    def check(self, scorecard: str | None = None, *, as_of: Any = None,
              history: bool = True, notify: bool = False) -> CheckResult:
        """KPIs against their targets, as ``kpi check`` (docs/goals.md): ``.rows`` (value,
        target, expected, projection, status, anomaly per KPI), ``.exit_code``,
        ``.to_dict()`` (what ``--format json`` prints), ``.records`` / ``.to_pandas()``.
        ``as_of`` is the check's today; ``history`` stores the values in kpi_history;
        ``notify`` sends kpi.yaml's alerts (off by default here, unlike the command)."""
        from .goals.run import check_workspace
        from .workspace import _day

        return check_workspace(self.workspace, scorecard=scorecard,
                               as_of=_day(as_of, "as_of"), warehouse=self.warehouse,
                               history=history, notify=notify)


def open(project_or_url: str | Path | None = None, *, warehouse: str | None = None,
         specs: list[str] | tuple[str, ...] = ()) -> Kpis:  # noqa: A001 - kpi_engine.open
    """A project's KPIs.

    ``project_or_url``: a ``kpi.yaml`` file, a folder holding one, a warehouse URL
    (``duckdb:///shop.duckdb``, ``postgresql://...``) or a DuckDB file; None reads
    ``./kpi.yaml`` when present, as the ``kpi`` command does. ``warehouse`` overrides the
    project's warehouse; ``specs`` adds spec folders or files (``kpi --specs``)."""
    project_path: str | None = None
    if project_or_url is not None:
        text = str(project_or_url)
        if "://" in text:
            warehouse = warehouse or text
        elif Path(text).suffix.lower() in _DUCKDB_SUFFIXES:
            from urllib.parse import quote

            warehouse = warehouse or f"duckdb:///{quote(str(Path(text)))}"
        elif Path(text).is_dir():
            from .project import PROJECT_FILE

            project_path = str(Path(text, PROJECT_FILE))
        else:
            project_path = text
    workspace = Workspace(project_path, [str(s) for s in specs])
    workspace.project  # noqa: B018 - a broken kpi.yaml is reported here, not at first use
    return Kpis(workspace, warehouse)
