"""The goal settings of ``kpi.yaml``: ``targets:``, ``goals:`` (pacing, status
thresholds, anomalies) and ``language:``, checked into plain objects with one located
error per problem. ``scorecards:`` are read by ``scorecards``, ``notify:`` by
``notify.routes``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import KpiError, Location
from .periods import Period, parse_period

LANGUAGES = ("en", "vi", "fa", "ms")
PACING_METHODS = ("linear", "seasonal")
ANOMALY_GRAINS = ("day", "week", "month")
MAX_TARGETS = 10_000
MAX_SLICE_CHARS = 500
_TARGET_KEYS = {"metric", "period", "value", "change", "vs", "slice", "owner", "pacing", "note"}
_GOAL_KEYS = {"pacing", "on_track", "at_risk", "anomaly_grain", "anomaly_periods"}
_AMOUNT = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*([kKmMbB%]?)$")
_SCALE = {"": 1, "k": 1e3, "m": 1e6, "b": 1e9}


class GoalConfigError(KpiError):
    """A problem in kpi.yaml's targets, goals, scorecards or notify settings."""


@dataclass(frozen=True)
class TargetSpec:
    """One goal: absolute (``value``) or relative to a base period (``change``)."""

    metric: str
    period: Period
    value: float | None = None
    change: float | None = None  # 0.5 = +50% against ``base``
    base: Period | None = None
    slice: str | None = None  # a filter over dimensions, parsed like --where
    owner: str | None = None
    pacing: str | None = None  # None: the project's setting
    origin: Location | None = None  # where it was written (kpi.yaml line, or the table)

    @property
    def basis(self) -> str:
        if self.change is None:
            return "absolute"
        return f"{self.change:+.0%} vs {self.base.label if self.base else '?'}"


@dataclass(frozen=True)
class GoalSettings:
    """How pacing and status are judged (docs/goals.md#status)."""

    pacing: str = "linear"
    on_track: float = 1.0  # attainment at or above: on track
    at_risk: float = 0.9  # at or above (and below on_track): at risk; below: off track
    anomaly_grain: str = "day"
    anomaly_periods: int = 8
    language: str = "en"


def parse_amount(value: Any, field: str) -> float:
    """A number, or text such as ``1.2M``, ``500k``, ``+50%`` (a fraction: 0.5)."""
    if isinstance(value, bool):
        raise ValueError(f"{field}: {value!r} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    match = _AMOUNT.match(str(value).strip().replace(",", "").replace("_", ""))
    if not match:
        raise ValueError(f"{field}: {str(value)[:40]!r} is not a number (e.g. 1200000, 1.2M, "
                         "500k, +50%)")
    number, suffix = float(match.group(1)), match.group(2).lower()
    return number / 100 if suffix == "%" else number * _SCALE[suffix]


def goal_settings(project) -> GoalSettings:
    raw = project.goals or {}
    for key in raw:
        if key not in _GOAL_KEYS:
            from ..errors import did_you_mean

            raise GoalConfigError(f"goals.{key}: unknown key{did_you_mean(str(key), _GOAL_KEYS)}",
                                  project._where(("goals", key)))

    def fail(key: str, msg: str):
        return GoalConfigError(f"goals.{key}: {msg}", project._where(("goals", key)))

    values: dict[str, Any] = {}
    for key in ("on_track", "at_risk"):
        if key in raw:
            try:
                values[key] = parse_amount(raw[key], f"goals.{key}")
            except ValueError as exc:
                raise GoalConfigError(str(exc), project._where(("goals", key))) from None
    settings = GoalSettings(**values)
    if not 0 < settings.at_risk <= settings.on_track <= 10:
        raise fail("at_risk", f"thresholds must satisfy 0 < at_risk ({settings.at_risk:g}) "
                   f"<= on_track ({settings.on_track:g})")
    pacing = raw.get("pacing", "linear")
    if pacing not in PACING_METHODS:
        raise fail("pacing", f"{str(pacing)[:40]!r} is not one of {', '.join(PACING_METHODS)}")
    grain = raw.get("anomaly_grain", "day")
    if grain not in ANOMALY_GRAINS:
        raise fail("anomaly_grain", f"{str(grain)[:40]!r} is not one of "
                   f"{', '.join(ANOMALY_GRAINS)}")
    periods = raw.get("anomaly_periods", 8)
    if isinstance(periods, bool) or not isinstance(periods, int) or not 3 <= periods <= 60:
        raise fail("anomaly_periods", f"{periods!r} is not a whole number from 3 to 60")
    language = project.language
    if language not in LANGUAGES:
        raise GoalConfigError(f"language: {str(language)[:20]!r} is not one of "
                              f"{', '.join(LANGUAGES)}", project._where(("language",)))
    return GoalSettings(pacing, settings.on_track, settings.at_risk, grain, periods, language)


def project_targets(project, registry) -> list[TargetSpec]:
    """``targets:`` of kpi.yaml, each checked (metric known, one of value/change, ...)."""
    entries = project.targets or ()
    if len(entries) > MAX_TARGETS:
        raise GoalConfigError(f"targets: more than {MAX_TARGETS:,} entries",
                              project._where(("targets",)))
    return [_target(project, registry, i, entry) for i, entry in enumerate(entries)]


def _target(project, registry, i: int, entry: Any) -> TargetSpec:
    here = project._where(("targets", i))

    def fail(key: str | None, msg: str):
        path = ("targets", i, key) if key else ("targets", i)
        return GoalConfigError(f"targets[{i}]{'.' + key if key else ''}: {msg}",
                               project._where(path))

    if not isinstance(entry, dict):
        raise fail(None, "a target is a mapping with metric, period and value or change")
    for key in entry:
        if key not in _TARGET_KEYS:
            from ..errors import did_you_mean

            raise fail(str(key), "unknown key" + did_you_mean(str(key), _TARGET_KEYS))
    for key in ("metric", "period"):
        if key not in entry:
            raise fail(None, f"{key!r} is missing")
    name = str(entry["metric"])
    if name not in registry.metrics and name not in getattr(registry, "aliases", {}):
        from ..errors import did_you_mean

        raise fail("metric", f"unknown metric {name[:60]!r}"
                   f"{did_you_mean(name, set(registry.metrics))}")
    metric = registry.metric(name).name
    try:
        period = parse_period(entry["period"])
    except ValueError as exc:
        raise fail("period", str(exc)) from None
    if ("value" in entry) == ("change" in entry):
        raise fail(None, "give exactly one of 'value' (absolute) or 'change' (relative to "
                   "'vs', e.g. change: +50%, vs: 2025)")
    value = change = base = None
    try:
        if "value" in entry:
            value = parse_amount(entry["value"], "value")
        else:
            change = parse_amount(entry["change"], "change")
    except ValueError as exc:
        raise fail("value" if "value" in entry else "change", str(exc)) from None
    if "vs" in entry:
        if change is None:
            raise fail("vs", "'vs' goes with 'change' (a relative target)")
        try:
            base = parse_period(entry["vs"])
        except ValueError as exc:
            raise fail("vs", str(exc)) from None
    elif change is not None:
        base = period.shifted_years(-1)
    slice_ = entry.get("slice")
    if slice_ is not None:
        if not isinstance(slice_, str) or not slice_.strip() or len(slice_) > MAX_SLICE_CHARS:
            raise fail("slice", f"a filter such as \"channel = 'website'\" (at most "
                       f"{MAX_SLICE_CHARS} characters)")
        _check_slice(slice_, lambda msg: fail("slice", msg))
    owner = entry.get("owner")
    if owner is not None and (not isinstance(owner, str) or len(owner) > 200):
        raise fail("owner", "a name of a team or person (text, at most 200 characters)")
    pacing = entry.get("pacing")
    if pacing is not None and pacing not in PACING_METHODS:
        raise fail("pacing", f"{str(pacing)[:40]!r} is not one of {', '.join(PACING_METHODS)}")
    return TargetSpec(metric, period, value, change, base, slice_, owner, pacing, here)


def _check_slice(text: str, fail) -> None:
    """Parse the slice as --where is parsed (allow-listed, never pasted into SQL)."""
    from ..specs.expressions import UnsafeExpression, parse_expression

    try:
        parse_expression(text, "duckdb")
    except UnsafeExpression as exc:
        raise fail(str(exc)) from None
