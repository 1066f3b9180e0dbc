"""Status of a KPI against its target, direction-aware.

*Attainment* compares the projected value with the target so that 1.0 means "exactly on
target" and more is better, whatever the KPI's direction:

* higher is better: ``projection / target`` (sales 90 against 100: 0.9);
* lower is better: ``target / projection`` (cart abandonment 0.75 against 0.68: 0.91);
* neutral: ``1 - |projection - target| / |target|`` (closeness either way).

A target of zero or below cannot be divided by: then attainment is 1.0 when the projection
is on the right side of the target (or equal to it) and 0.0 otherwise.

Status: ``on_track`` when attainment >= ``goals.on_track`` (default 1.0), ``at_risk`` when
>= ``goals.at_risk`` (default 0.9), else ``off_track``.
"""

from __future__ import annotations

ON_TRACK, AT_RISK, OFF_TRACK = "on_track", "at_risk", "off_track"
NO_TARGET, ERROR = "no_target", "error"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_TARGET, ERROR)


def attainment(projection: float | None, target: float | None, direction: str
               ) -> float | None:
    if projection is None or target is None:
        return None
    p, t = float(projection), float(target)
    if direction == "neutral":
        if t == 0:
            return 1.0 if p == 0 else 0.0
        return 1 - abs(p - t) / abs(t)
    if direction == "lower_is_better":
        if t <= 0 or p <= 0:
            return 1.0 if p <= t else 0.0
        return t / p
    if t <= 0:
        return 1.0 if p >= t else 0.0
    return p / t


def status_of(attained: float | None, on_track: float = 1.0, at_risk: float = 0.9) -> str:
    if attained is None:
        return NO_TARGET
    if attained >= on_track - 1e-12:
        return ON_TRACK
    if attained >= at_risk - 1e-12:
        return AT_RISK
    return OFF_TRACK
