"""Pacing a period in progress: value to date, expected to date, projected end value.

A KPI that *accumulates* over a period (a sum or a count: net sales, sessions) is paced:

* ``linear``: by the end of day d of an N-day period, d/N of the target is expected, and
  the value to date is projected to ``value / (d/N)``;
* ``seasonal``: shaped like the same period last year: if last year's same span held share
  s of last year's whole period, ``target * s`` is expected and ``value / s`` projected.
  Without last year's data (or a zero) it falls back to linear, and says so.

A KPI that does not accumulate (a rate, an average: conversion rate, AOV) is a *level*:
its value to date is its projection and the target itself is expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .periods import Period

ACCUMULATING_TYPES = ("sum", "count")


@dataclass(frozen=True)
class Pace:
    expected: float | None  # the value expected by now
    projection: float | None  # the value expected at the period's end
    method: str  # linear, seasonal, level or final
    elapsed: float  # share of the period's days gone (0..1)


def elapsed_share(period: Period, as_of: date) -> float:
    """Share of the period's days before ``as_of`` (today is not complete yet)."""
    done = min(max((as_of - period.start).days, 0), period.days)
    return done / period.days


def pace(value: float | None, target: float | None, period: Period, as_of: date,
         accumulates: bool, method: str = "linear",
         last_year: tuple[float | None, float | None] | None = None) -> Pace:
    """``last_year``: (value over last year's same span to date, over its whole period)."""
    share = elapsed_share(period, as_of)
    if share >= 1:
        return Pace(target, value, "final", 1.0)
    if not accumulates:
        return Pace(target, value, "level", share)
    used = "linear"
    if method == "seasonal" and last_year is not None:
        to_date, whole = last_year
        if to_date is not None and whole is not None and float(whole) > 0 \
                and float(to_date) > 0:
            share_ly = float(to_date) / float(whole)
            if 0 < share_ly <= 1:
                share, used = share_ly, "seasonal"
    if share <= 0:
        return Pace(0.0 if target is not None else None, None, used, 0.0)
    expected = None if target is None else target * share
    projection = None if value is None else float(value) / share
    return Pace(expected, projection, used, elapsed_share(period, as_of))


def accumulates(registry, name: str) -> bool:
    """Does the metric add up over a period (sum, count, or a derived sum/difference of
    such metrics, like net sales = gross sales - discounts - refunds)?"""
    return _accumulates(registry, name, set())


def _accumulates(registry, name: str, seen: set[str]) -> bool:
    metric = registry.metric(name)
    if metric.name in seen:
        return False
    seen.add(metric.name)
    if metric.type in ACCUMULATING_TYPES:
        return not metric.point_in_time
    if metric.type != "derived" or not metric.expr:
        return False
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(metric.expr)
    except sqlglot.errors.ParseError:
        return False
    for node in tree.walk():
        if isinstance(node, (exp.Add, exp.Sub, exp.Paren, exp.Neg, exp.Identifier)):
            continue
        if isinstance(node, exp.Column):
            if node.name not in registry.metrics or not _accumulates(registry, node.name,
                                                                      seen):
                return False
            continue
        return False
    return True
