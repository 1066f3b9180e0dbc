"""Alerts from a check: a KPI whose status changed, or that shows an anomaly.

Each alert has a *state* (the status, or the anomaly's day and side); a route sends an
alert only when its state differs from the one it last delivered (kept in the warehouse,
see ``state``), so an unchanged state is not sent twice. A first status of ``on_track``
is not news and is not sent; ``no_target`` rows have no status to announce.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ...formatting import value_text
from ..reasons import anomaly_reason, status_reason
from ..results import CheckResult, KpiCheck
from ..status import NO_TARGET, ON_TRACK
from ..words import word


@dataclass(frozen=True)
class Alert:
    kind: str  # "status" or "anomaly"
    key: str  # stable per KPI, period, slice and kind
    state: str  # what is announced: on_track/at_risk/... or "<day>:<above|below>"
    metric: str
    label: str
    period: str
    slice: str | None
    owner: str | None
    status: str
    value: float | None
    target: float | None
    change: float | None  # against the same span last year
    value_text: str
    target_text: str
    change_text: str
    reason: str
    subject: str
    language: str

    @property
    def text(self) -> str:
        """The alert in one paragraph: KPI, value, target, change, reason."""
        lang = self.language
        slice_ = f" [{self.slice}]" if self.slice else ""
        owner = f" — {word(lang, 'owner')}: {self.owner}" if self.owner else ""
        return (f"{self.subject}{slice_} ({self.period})\n"
                f"{word(lang, 'value')}: {self.value_text} · {word(lang, 'target')}: "
                f"{self.target_text} · {word(lang, 'change')}: {self.change_text}{owner}\n"
                f"{self.reason}")

    def to_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items()}
        out["text"] = self.text
        return out


def alerts_of(result: CheckResult, lang: str, currency: str | None) -> list[Alert]:
    out = []
    for row in result.rows:
        if row.status != NO_TARGET:
            out.append(_alert(row, "status", row.status, lang, currency))
        if row.anomaly is not None:
            state = f"{row.anomaly.period}:{row.anomaly.side}"
            out.append(_alert(row, "anomaly", state, lang, currency))
    return out


def is_news(alert: Alert, delivered: str | None) -> bool:
    if delivered == alert.state:
        return False
    return not (alert.kind == "status" and delivered is None and alert.state == ON_TRACK)


def _alert(row: KpiCheck, kind: str, state: str, lang: str, currency: str | None) -> Alert:
    fmt = lambda v: value_text(v, row.unit, lang, currency)  # noqa: E731
    change = "—" if row.change is None else value_text(row.change, "percent", lang)
    if row.change is not None and row.change > 0:
        change = "+" + change
    if kind == "status":
        reason = status_reason(row, lang, currency)
        subject = word(lang, "subject", label=row.label, status=word(lang, row.status))
    else:
        reason = anomaly_reason(row, lang, currency)
        subject = word(lang, "subject_anomaly", label=row.label)
    key = hashlib.sha1(f"{row.key}|{kind}".encode()).hexdigest()
    return Alert(kind, key, state, row.metric, row.label, row.period, row.slice, row.owner,
                 row.status, row.value, row.target, row.change, fmt(row.value),
                 fmt(row.target), change, reason, subject, lang)
