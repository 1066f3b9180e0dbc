"""What a tile shows, decided in Python (the template only lays it out): the value
formatted by unit and language, the changes with their verdict for the KPI's direction,
target and status, sparkline points, breakdown bars, benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .collect import Collected, breakdown_of
from .goals import Goal
from .window import Window


@dataclass(frozen=True)
class Change:
    kind: str  # "previous" or "last_year"
    prior: Any
    ratio: float | None  # relative change, 0.1 = +10%
    text: str
    verdict: str  # good, bad, neutral, unchanged or none


@dataclass
class Tile:
    name: str
    label: str
    domain: str
    unit: str
    direction: str
    description: str
    value: Any = None
    value_text: str = ""
    changes: list[Change] = field(default_factory=list)
    goal: Goal | None = None
    target_text: str = ""
    spark: list[tuple[str, float | None]] = field(default_factory=list)
    slices: list[tuple[str, float]] = field(default_factory=list)
    slices_text: list[str] = field(default_factory=list)
    more_slices: int = 0
    breakdown_by: tuple[str, ...] = ()
    benchmarks: list[str] = field(default_factory=list)
    drivers: list = field(default_factory=list)  # drivers.Contribution, vs previous period
    error: str | None = None


def verdict(change: float | None, direction: str) -> str:
    if change is None:
        return "none"
    if change == 0:
        return "unchanged"
    if direction == "neutral":
        return "neutral"
    return "good" if (change > 0) == (direction == "higher_is_better") else "bad"


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, (int, float, Decimal)) else None


def _change(kind: str, value: Any, prior: Any, direction: str, lang: str) -> Change:
    from ..formatting import percent

    v, p = _number(value), _number(prior)
    if v is None or p is None:
        return Change(kind, prior, None, "—", "none")
    ratio = None if p == 0 else (v - p) / abs(p)
    if ratio is None:
        text = "—"
    else:
        text = ("+" if ratio > 0 else "") + percent(ratio, lang)
        text = text if not text.startswith("-") else "−" + text[1:]
    return Change(kind, prior, ratio, text, verdict(v - p, direction))


def build_tiles(registry, names: list[str], data: Collected, window: Window, lang: str,
                currency: str | None, goals: dict[str, Goal] | None = None,
                drivers: dict[str, list] | None = None) -> list[Tile]:
    from ..citations import benchmark_text
    from ..formatting import value_text
    from ..units import unit_of

    tiles = []
    for name in names:
        metric = registry.metric(name)
        unit = unit_of(registry, name)
        tile = Tile(name=name, label=metric.label_in(lang), domain=metric.domain, unit=unit,
                    direction=metric.direction, description=metric.description,
                    breakdown_by=breakdown_of(metric),
                    benchmarks=[benchmark_text(b, unit) for b in metric.benchmarks],
                    error=data.errors.get(name))
        series = data.series.get(name)
        if series is not None:
            at = {p: series.get(p.isoformat()) for p in window.starts}
            tile.value = at[window.period]
            tile.value_text = value_text(tile.value, unit, lang, currency)
            tile.changes = [
                _change("previous", tile.value, at[window.previous], metric.direction, lang),
                _change("last_year", tile.value, at[window.last_year], metric.direction,
                        lang)]
            tile.spark = [(p.isoformat(), _number(at[p])) for p in window.sparkline]
        tile.goal = (goals or {}).get(name)
        tile.drivers = (drivers or {}).get(name, [])
        if tile.goal is not None:
            tile.target_text = value_text(tile.goal.target, unit, lang, currency)
        if name in data.slices:
            tile.slices = [(label, _number(v)) for label, v in data.slices[name]]
            tile.slices_text = [value_text(v, unit, lang, currency)
                                for _, v in data.slices[name]]
            tile.more_slices = data.more_slices.get(name, 0)
        tiles.append(tile)
    return tiles
