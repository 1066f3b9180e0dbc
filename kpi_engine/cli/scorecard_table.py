"""The scorecard as a plain-text table, in the project's language, then the warnings and
anomalies, one line each."""

from __future__ import annotations

from ..formatting import is_rtl, value_text
from ..goals.reasons import anomaly_reason, status_reason
from ..goals.results import CheckResult
from ..goals.words import word
from .output import render_table

_MARK = {"on_track": "✓", "at_risk": "!", "off_track": "✗", "no_target": "·", "error": "?"}


def scorecard_text(result: CheckResult, lang: str = "en", currency: str | None = None) -> str:
    def fmt(value, unit):
        return value_text(value, unit, lang, currency)

    headers = [word(lang, k) for k in ("kpi", "period", "value", "target", "expected",
                                        "projection", "pace", "status", "owner")]
    rows = []
    for r in result.rows:
        label = r.label + (f" [{r.slice}]" if r.slice else "")
        pace = "—" if r.pace is None else value_text(r.pace, "percent", lang)
        rows.append([label, r.period, fmt(r.value, r.unit), fmt(r.target, r.unit),
                     fmt(r.expected, r.unit), fmt(r.projection, r.unit), pace,
                     f"{_MARK[r.status]} {word(lang, r.status)}", r.owner or ""])
    title = f"Scorecard {result.scorecard or '(all targets)'} as of {result.as_of}"
    lines = [title, "", render_table(headers, rows, align_right={2, 3, 4, 5, 6},
                                     rtl=is_rtl(lang))]
    notes = []
    for r in result.rows:
        if r.error:
            notes.append(f"{r.metric}: {r.error}")
        elif r.warning:
            notes.append(f"{r.metric}: {status_reason(r, lang, currency)}")
        if r.restated:
            notes.append(f"{r.metric}: restated: {fmt(r.value, r.unit)} now, "
                         f"{fmt(r.reported, r.unit)} reported earlier")
        if r.anomaly:
            notes.append(f"{r.metric}: {word(lang, 'anomaly')}: "
                         f"{anomaly_reason(r, lang, currency)}")
    if notes:
        lines += [""] + notes
    counts = result.counts()
    summary = ", ".join(f"{counts[s]} {word(lang, s)}" for s in
                        ("on_track", "at_risk", "off_track", "error", "no_target")
                        if counts.get(s))
    lines += ["", summary or "(no KPI)"]
    return "\n".join(lines)
