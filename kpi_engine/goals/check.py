"""``kpi check``: each KPI of a scorecard against its target — value to date, expected to
date, projection, status — plus anomalies, stored in ``kpi_history``.

Values come from the engine like ``kpi eval``'s: one statement per (slice, date range),
covering every metric that needs that range, so a scorecard costs a handful of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..errors import KpiError
from .anomalies import checked_period, detect, series_range
from .config import GoalConfigError, GoalSettings, TargetSpec, goal_settings, project_targets
from .pacing import accumulates, pace
from .periods import Period, containing
from .results import CheckResult, KpiCheck
from .scorecards import scorecards
from .status import ERROR, NO_TARGET, ON_TRACK, attainment, status_of
from .table_targets import table_targets


class UnknownScorecard(GoalConfigError):
    """--scorecard names no scorecard."""


@dataclass(frozen=True)
class _Span:
    slice: str | None
    since: date
    until: date


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def run_check(registry, project, warehouse, *, scorecard: str | None = None,
              as_of: date | None = None, history: bool = True,
              settings: GoalSettings | None = None) -> CheckResult:
    """Check ``scorecard``'s KPIs (every KPI with a current target when None) as of
    ``as_of`` (default: today in the project's timezone; data before that day counts)."""
    settings = settings or goal_settings(project)
    cards = check_scorecard(project, registry, scorecard)
    as_of = as_of or today_in(project.timezone)
    notes: list[str] = []
    targets = _unique(project_targets(project, registry)
                      + table_targets(warehouse, registry, notes))
    current = [t for t in targets if t.period.start < as_of <= t.period.end]
    if scorecard is not None:
        metrics = list(cards[scorecard])
    else:
        metrics = list(dict.fromkeys(t.metric for t in current))
        if not metrics:
            raise GoalConfigError(
                f"no target covers {as_of - timedelta(days=1)} (targets: in kpi.yaml or the "
                f"targets table): give --scorecard NAME (one of {', '.join(sorted(cards))}) "
                "or --as-of DATE")
    plan = _Plan(registry, project, warehouse, as_of, settings)
    rows = []
    for metric in metrics:
        mine = [t for t in current if t.metric == metric] or [None]
        rows.extend(plan.row(metric, t) for t in mine)
    plan.fetch()
    result = CheckResult(as_of, scorecard, [plan.finish(r) for r in rows], notes=notes)
    if history:
        from .history import record_history

        result.history_written = record_history(warehouse, result)
    return result


def check_scorecard(project, registry, scorecard: str | None) -> dict[str, tuple[str, ...]]:
    """All scorecards; UnknownScorecard when ``scorecard`` is not one of them."""
    cards = scorecards(project, registry)
    if scorecard is not None and scorecard not in cards:
        from ..errors import did_you_mean

        raise UnknownScorecard(f"no scorecard {scorecard[:60]!r}"
                               f"{did_you_mean(scorecard, set(cards))} (scorecards: "
                               f"{', '.join(sorted(cards))})")
    return cards


def _unique(targets: Iterable[TargetSpec]) -> list[TargetSpec]:
    """The first target of each (metric, period, slice): kpi.yaml's before the table's."""
    seen, out = set(), []
    for t in targets:
        key = (t.metric, t.period, t.slice)
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


class _Plan:
    """Collects the values every row needs, fetches them grouped, then finishes rows."""

    def __init__(self, registry, project, warehouse, as_of: date, settings: GoalSettings):
        self.registry, self.project, self.wh = registry, project, warehouse
        self.as_of, self.settings = as_of, settings
        self.needed: dict[_Span, set[str]] = {}
        self.values: dict[tuple[str, _Span], float | None] = {}
        self.errors: dict[tuple[str, _Span], str] = {}
        self.series_needed: dict[tuple[str | None, date, date], set[str]] = {}
        self.series: dict[tuple[str, str | None], dict[str, float | None]] = {}
        self.series_errors: dict[tuple[str, str | None], str] = {}
        self.checked = checked_period(as_of, settings.anomaly_grain, project.week_start)
        self.pending: dict[int, tuple[TargetSpec | None, Period, dict[str, _Span]]] = {}

    def _need(self, metric: str, span: _Span) -> _Span:
        self.needed.setdefault(span, set()).add(metric)
        return span

    def row(self, metric: str, target: TargetSpec | None) -> KpiCheck:
        m = self.registry.metric(metric)
        from ..units import unit_of

        period = target.period if target else containing(self.as_of - timedelta(days=1),
                                                         "month", self.project.week_start)
        slice_ = target.slice if target else None
        row = KpiCheck(metric=m.name, label=m.label_in(self.settings.language),
                       unit=unit_of(self.registry, m.name), direction=m.direction,
                       period=period.label, period_start=period.start,
                       period_end=period.end, grain=period.grain, slice=slice_,
                       owner=(target.owner if target else None) or m.owner)
        until = min(self.as_of, period.end)
        last_year = period.shifted_years(-1)
        spans = {"value": self._need(metric, _Span(slice_, period.start, until)),
                 "ly_to_date": self._need(metric, _Span(
                     slice_, last_year.start,
                     min(last_year.start + (until - period.start), last_year.end)))}
        if target is not None:
            row.target_basis = target.basis
            if target.change is not None and target.base is not None:
                spans["base"] = self._need(metric, _Span(slice_, target.base.start,
                                                         target.base.end))
            if (target.pacing or self.settings.pacing) == "seasonal":
                spans["ly_whole"] = self._need(metric, _Span(slice_, last_year.start,
                                                             last_year.end))
        first, last = series_range(self.checked, self.settings.anomaly_periods)
        self.series_needed.setdefault((slice_, first, last), set()).add(metric)
        self.pending[id(row)] = (target, period, spans)
        return row

    # -- fetching -------------------------------------------------------------------------
    def fetch(self) -> None:
        for span, metrics in self.needed.items():
            self._fetch_span(span, sorted(metrics))
        for (slice_, since, until), metrics in self.series_needed.items():
            self._fetch_series(slice_, since, until, sorted(metrics))

    def _request(self, metrics, grain, slice_, since, until):
        from ..compiler.request import Request

        return Request(metrics=tuple(metrics), grain=grain, since=since, until=until,
                       where=(slice_,) if slice_ else (), timezone=self.project.timezone,
                       week_start=self.project.week_start, dialect=self.wh.dialect,
                       schema=self.wh.schema, currency=self.project.currency)

    def _evaluate(self, metrics, grain, slice_, since, until):
        """Records for all ``metrics`` at once; on an error, metric by metric, so one
        failing KPI (a missing table) does not hide the others. Returns (records by
        metric, errors by metric)."""
        from ..evaluate import evaluate

        try:
            records = evaluate(self.registry,
                               self._request(metrics, grain, slice_, since, until), self.wh)
            return {m: records for m in metrics}, {}
        except KpiError:
            if len(metrics) == 1:
                raise
        found, errors = {}, {}
        for m in metrics:
            try:
                found[m] = evaluate(self.registry,
                                    self._request([m], grain, slice_, since, until), self.wh)
            except KpiError as exc:
                errors[m] = str(exc).splitlines()[0]
        return found, errors

    def _fetch_span(self, span: _Span, metrics: list[str]) -> None:
        if span.since >= span.until:
            for m in metrics:
                self.values[m, span] = None
            return
        try:
            found, errors = self._evaluate(metrics, "all", span.slice, span.since, span.until)
        except KpiError as exc:
            found, errors = {}, {metrics[0]: str(exc).splitlines()[0]}
        for m, records in found.items():
            self.values[m, span] = _number(records[0].get(m)) if records else None
        for m, err in errors.items():
            self.errors[m, span] = err

    def _fetch_series(self, slice_, since, until, metrics: list[str]) -> None:
        grain = self.settings.anomaly_grain
        try:
            found, errors = self._evaluate(metrics, grain, slice_, since, until)
        except KpiError as exc:
            found, errors = {}, {metrics[0]: str(exc).splitlines()[0]}
        for m, records in found.items():
            self.series[m, slice_] = {r["period"]: _number(r.get(m)) for r in records}
        for m, err in errors.items():
            self.series_errors[m, slice_] = err

    # -- finishing ------------------------------------------------------------------------
    def finish(self, row: KpiCheck) -> KpiCheck:
        target, period, spans = self.pending.pop(id(row))
        failed = [self.errors[row.metric, s] for s in spans.values()
                  if (row.metric, s) in self.errors]
        if failed:
            row.status, row.error = ERROR, failed[0]
            return row
        got = {name: self.values.get((row.metric, s)) for name, s in spans.items()}
        row.value, row.last_year = got["value"], got["ly_to_date"]
        if row.value is not None and row.last_year not in (None, 0):
            row.change = (row.value - row.last_year) / abs(row.last_year)
        target_value = None
        if target is not None:
            if target.change is None:
                target_value = target.value
            else:
                row.base_value = got.get("base")
                if row.base_value is not None:
                    target_value = row.base_value * (1 + target.change)
        row.target = target_value
        adds = accumulates(self.registry, row.metric)
        if row.value is None and target is not None and adds:
            row.value = 0.0  # no rows yet: nothing sold so far, not "no target"
        p = pace(row.value, target_value, period, self.as_of, adds,
                 (target.pacing if target else None) or self.settings.pacing,
                 (got.get("ly_to_date"), got.get("ly_whole")))
        row.expected, row.projection, row.pacing, row.elapsed = (
            p.expected, p.projection, p.method, p.elapsed)
        if row.value is not None and p.expected not in (None, 0):
            row.pace = row.value / p.expected
        if target is not None and target_value is None:
            row.status = ERROR
            row.error = (f"no value for the base period {target.base.label} of the "
                         "relative target" if target.base else "no target value")
        elif target is not None and row.value is None:
            row.status, row.error = ERROR, f"no value yet for {period.label}"
        else:
            row.attainment = attainment(p.projection, target_value, row.direction)
            row.status = status_of(row.attainment, self.settings.on_track,
                                   self.settings.at_risk) if target else NO_TARGET
        if row.status not in (ON_TRACK, NO_TARGET, ERROR):
            row.warning = _warning(row)
        series = self.series.get((row.metric, row.slice))
        if series is not None:
            row.anomaly = detect(series, self.checked, self.settings.anomaly_periods,
                                 row.direction)
        return row


def _warning(row: KpiCheck) -> str:
    if row.pacing == "final":
        return f"{row.period} ended {_short(row.projection)} against a target of " \
               f"{_short(row.target)}"
    if row.projection is None:
        return f"no value yet for {row.period}"
    return (f"projected {_short(row.projection)} for {row.period} misses the target "
            f"{_short(row.target)} ({(row.attainment or 0) - 1:+.1%})")


def _short(value: float | None) -> str:
    if value is None:
        return "—"
    v = float(value)
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.1f}k"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def _number(value) -> float | None:
    if value is None or isinstance(value, (str, bool)):
        return None
    return float(value)
