"""What ``kpi check`` finds: one ``KpiCheck`` per KPI (and target), in a ``CheckResult``.

This shape is shared by the CLI's table and JSON, the Python API and the HTML report:
fields are only ever added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .anomalies import Anomaly
from .status import AT_RISK, ERROR, OFF_TRACK, ON_TRACK

# Exit codes of `kpi check`, for cron and CI.
EXIT_ON_TRACK, EXIT_ATTENTION, EXIT_USAGE = 0, 1, 2


@dataclass
class KpiCheck:
    metric: str
    label: str
    unit: str
    direction: str
    period: str  # label: 2026-Q1, 2026-03, 2026
    period_start: date
    period_end: date  # exclusive
    grain: str
    value: float | None = None  # value to date (the whole period once it has ended)
    target: float | None = None
    target_basis: str | None = None  # "absolute" or "+50% vs 2025"
    base_value: float | None = None  # the base period's value of a relative target
    expected: float | None = None  # expected to date
    projection: float | None = None  # projected end value
    pace: float | None = None  # value / expected
    attainment: float | None = None  # projection against target, 1.0 = on target
    status: str = "no_target"
    pacing: str | None = None  # linear, seasonal, level or final
    elapsed: float = 0.0  # share of the period gone
    warning: str | None = None  # early warning: the projection misses the target
    slice: str | None = None
    owner: str | None = None
    last_year: float | None = None  # the same span a year earlier
    change: float | None = None  # relative change against last_year
    anomaly: Anomaly | None = None
    reported: float | None = None  # what an earlier check reported for this same span
    restated: bool = False  # the value differs from what was reported
    error: str | None = None

    @property
    def key(self) -> str:
        """Identifies the KPI, period and slice (alerts and history use it)."""
        return f"{self.metric}|{self.grain}|{self.period_start}|{self.slice or ''}"

    def to_dict(self) -> dict[str, Any]:
        out = {k: _plain(v) for k, v in self.__dict__.items() if k != "anomaly"}
        out["anomaly"] = self.anomaly.to_dict() if self.anomaly else None
        return out


@dataclass
class CheckResult:
    as_of: date  # the check's "today": data before this day is counted
    scorecard: str | None
    rows: list[KpiCheck] = field(default_factory=list)
    history_written: int = 0  # rows stored in kpi_history (0 with --no-history)
    notes: list[str] = field(default_factory=list)  # e.g. skipped rows of the targets table
    alerts_sent: int = 0  # alerts delivered by notify: routes
    alert_failures: list[str] = field(default_factory=list)  # "route: reason", no secrets

    @property
    def needs_attention(self) -> list[KpiCheck]:
        return [r for r in self.rows if r.status in (AT_RISK, OFF_TRACK, ERROR)]

    @property
    def exit_code(self) -> int:
        return EXIT_ATTENTION if self.needs_attention else EXIT_ON_TRACK

    @property
    def anomalies(self) -> list[KpiCheck]:
        return [r for r in self.rows if r.anomaly is not None]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "scorecard": self.scorecard,
                "exit_code": self.exit_code, "counts": self.counts(),
                "on_track": sum(r.status == ON_TRACK for r in self.rows),
                "notes": list(self.notes), "alerts_sent": self.alerts_sent,
                "alert_failures": list(self.alert_failures),
                "kpis": [r.to_dict() for r in self.rows]}

    @property
    def records(self) -> list[dict[str, Any]]:
        """One flat dict per row (the anomaly as anomaly_* columns), for data frames."""
        out = []
        for r in self.rows:
            record = {k: v for k, v in r.to_dict().items() if k != "anomaly"}
            a = r.anomaly
            record.update(anomaly_period=a.period if a else None,
                          anomaly_side=a.side if a else None,
                          anomaly_low=a.low if a else None, anomaly_high=a.high if a else None)
            out.append(record)
        return out

    def to_arrow(self):
        from ..results import Result

        return Result(self.records, []).to_arrow()

    def to_pandas(self):
        from ..results import Result

        return Result(self.records, []).to_pandas()

    def to_polars(self):
        from ..results import Result

        return Result(self.records, []).to_polars()


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
