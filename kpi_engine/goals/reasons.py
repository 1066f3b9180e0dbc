"""One-line reasons, in the project's language: why a KPI is at risk, off track, back on
track, or unusual. Shared by the scorecard table and the alerts."""

from __future__ import annotations

from ..formatting import value_text
from .results import KpiCheck
from .words import word


def status_reason(row: KpiCheck, lang: str = "en", currency: str | None = None) -> str:
    if row.error:
        return row.error
    fmt = lambda v: value_text(v, row.unit, lang, currency)  # noqa: E731
    if row.pacing == "final":
        return word(lang, "reason_final", period=row.period, value=fmt(row.value),
                    target=fmt(row.target))
    return word(lang, "reason_projection", projection=fmt(row.projection),
                period=row.period, target=fmt(row.target))


def anomaly_reason(row: KpiCheck, lang: str = "en", currency: str | None = None) -> str:
    a = row.anomaly
    if a is None:
        return ""
    fmt = lambda v: value_text(v, row.unit, lang, currency)  # noqa: E731
    return word(lang, "reason_anomaly", day=a.period, value=fmt(a.value),
                side=word(lang, a.side), n=len(a.comparable), low=fmt(a.low),
                high=fmt(a.high))
