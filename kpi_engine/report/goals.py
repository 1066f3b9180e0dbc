"""A tile's target and status, from ``kpi check`` (kpi_engine.goals): the targets of
kpi.yaml and of the ``targets`` table, paced and judged there (direction-aware
thresholds, docs/goals). The report shows them; it does not judge anything itself."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import KpiError
from .window import Window


@dataclass(frozen=True)
class Goal:
    target: float
    status: str  # on_track, at_risk or off_track
    period: str  # the target's period (2025-12, 2025-Q4, 2025)
    projection: float | None = None
    warning: str | None = None


def goals_for(registry, project, warehouse, window: Window,
              scorecard: str | None) -> tuple[dict[str, Goal], list[str]]:
    """metric -> its (whole-store) target as of the end of the reported period; notes
    saying why there are none when the check could not run."""
    from ..goals.check import run_check

    try:
        result = run_check(registry, project, warehouse, scorecard=scorecard,
                           as_of=window.until, history=False)
    except KpiError as exc:  # e.g. no target covers the period: tiles simply have none
        return {}, [str(exc)]
    goals: dict[str, Goal] = {}
    for row in result.rows:
        if row.slice is None and row.target is not None and row.metric not in goals:
            goals[row.metric] = Goal(row.target, row.status, row.period, row.projection,
                                     row.warning)
    return goals, list(result.notes)
