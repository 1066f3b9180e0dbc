"""A tile's target and status.

Until ``kpi check`` (issue 10) provides targets from kpi.yaml and pacing, the report reads
the targets written in the specs (``targets:`` with an absolute ``value`` for the reported
period) and judges the period's value against it: the target met is *on track*, within
``AT_RISK_BAND`` of it *at risk*, further away *off track* — in the metric's direction
(a lower-is-better KPI meets its target by staying at or below it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

AT_RISK_BAND = 0.10  # 10% short of the target


@dataclass(frozen=True)
class Goal:
    target: float
    status: str  # on_track, at_risk or off_track
    note: str = ""


def _period_text(start: date, grain: str) -> str:
    if grain == "year":
        return f"{start.year}"
    if grain == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def goal_for(metric, value: Any, start: date, grain: str) -> Goal | None:
    wanted = _period_text(start, grain)
    target = next((t for t in metric.targets if t.period == wanted and t.value is not None),
                  None)
    if target is None or value is None:
        return None
    return Goal(target.value, status_of(float(value), target.value, metric.direction),
                target.note)


def status_of(value: float, target: float, direction: str) -> str:
    if direction == "lower_is_better":
        if value <= target:
            return "on_track"
        return "at_risk" if value <= target * (1 + AT_RISK_BAND) else "off_track"
    if value >= target:  # higher is better; a neutral KPI with a target aims at it too
        return "on_track"
    return "at_risk" if value >= target * (1 - AT_RISK_BAND) else "off_track"
