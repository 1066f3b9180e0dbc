"""``kpi check`` end to end on a hand-worked store (tests/goals_store.py): targets from
kpi.yaml and the targets table, absolute and relative, slices and owners, linear and
seasonal pacing, anomalies, exit codes from the CLI."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from kpi_engine.cli import build_cli
from kpi_engine.goals.check import run_check
from kpi_engine.project import load_project
from kpi_engine.registry import load_registry
from kpi_engine.warehouses.connect import connect

from . import goals_store

AS_OF = date(2025, 2, 15)  # 45 of the first quarter's 90 days are gone
TARGETS = [
    {"metric": "revenue", "period": "2025-Q1", "value": 15000, "owner": "Sales team"},
    {"metric": "revenue", "period": "2025-Q1", "value": "9k", "slice": "channel = 'web'",
     "owner": "Web team"},
    {"metric": "visits", "period": 2025, "change": "+50%", "vs": 2024, "owner": "Lan"},
    {"metric": "return_rate", "period": "2025-Q1", "value": 0.095},
    {"metric": "revenue", "period": "2025-04", "value": 1},  # not current: not shown
]


@pytest.fixture
def store(tmp_path):
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    wh = connect(url)
    goals_store.load(wh)
    wh.close()
    return tmp_path, url


def _check(root, url, as_of=AS_OF, scorecard=None, history=False, **settings):
    path = goals_store.write_project(root, url, **settings)
    project = load_project(path)
    registry = load_registry([root / "specs"], include_packs=False)
    wh = connect(url)
    try:
        return run_check(registry, project, wh, scorecard=scorecard, as_of=as_of,
                         history=history)
    finally:
        wh.close()


def _by(result):
    return {(r.metric, r.slice): r for r in result.rows}


def test_targets_paced_linearly_with_slices_owners_and_relative_targets(store):
    root, url = store
    result = _check(root, url, targets=TARGETS)
    rows = _by(result)
    assert [r.period for r in result.rows] == ["2025-Q1", "2025-Q1", "2025", "2025-Q1"]
    revenue = rows["revenue", None]
    # 45 days x 150 = 6,750; 7,500 expected; 13,500 projected = 0.9 of 15,000: at risk
    assert (revenue.value, revenue.expected, revenue.projection) == (6750, 7500, 13500)
    assert revenue.pace == pytest.approx(0.9) and revenue.attainment == pytest.approx(0.9)
    assert (revenue.status, revenue.owner, revenue.pacing) == ("at_risk", "Sales team",
                                                               "linear")
    assert revenue.warning == "projected 13.5k for 2025-Q1 misses the target 15.0k (-10.0%)"
    web = rows["revenue", "channel = 'web'"]
    # the slice: 45 x 100 = 4,500, projected 9,000 = its target
    assert (web.value, web.projection, web.status, web.owner) == (4500, 9000, "on_track",
                                                                  "Web team")
    visits = rows["visits", None]
    # +50% on 2024's 3,660 visits = 5,490; 45 x 12 = 540 so far, 540 x 365 / 45 = 4,380
    assert (visits.base_value, visits.target) == (3660, pytest.approx(5490))
    assert visits.target_basis == "+50% vs 2024"
    assert visits.projection == pytest.approx(4380)
    assert visits.expected == pytest.approx(5490 * 45 / 365)
    assert visits.status == "off_track"  # 4,380 / 5,490 = 0.80
    rate = rows["return_rate", None]
    # 15 returned of 150: 10%, a level (not extrapolated); 0.095 / 0.10 = 0.95: at risk
    assert (rate.pacing, rate.value, rate.projection) == ("level", pytest.approx(0.1),
                                                          pytest.approx(0.1))
    assert rate.status == "at_risk" and rate.direction == "lower_is_better"
    assert result.exit_code == 1


def test_seasonal_pacing_and_change_against_last_year(store):
    root, url = store
    result = _check(root, url, targets=TARGETS[:1], goals={"pacing": "seasonal"})
    (revenue,) = result.rows
    # 2024's first 45 days made 9,000 of its quarter's 15,000 (60%)
    assert revenue.pacing == "seasonal"
    assert revenue.expected == pytest.approx(9000)
    assert revenue.projection == pytest.approx(11250)
    assert revenue.status == "off_track"  # 0.75
    assert revenue.last_year == 9000 and revenue.change == pytest.approx(-0.25)


def test_thresholds_from_kpi_yaml(store):
    root, url = store
    result = _check(root, url, targets=TARGETS[:1], goals={"on_track": 0.9, "at_risk": 0.5})
    assert result.rows[0].status == "on_track" and result.exit_code == 0


def test_targets_table_and_finished_periods(store):
    root, url = store
    wh = connect(url)
    from kpi_engine.schema import TABLES

    wh.ensure_table(TABLES["targets"])
    with wh.transaction():
        wh.merge(TABLES["targets"], ["metric", "period_start", "period_grain", "value",
                                     "owner", "slice"],
                 [("revenue", date(2025, 1, 1), "month", 4650.0, "Ana", None),
                  ("revenue", date(2025, 1, 1), "quarter", 9000.0, "Web team",
                   "channel = 'web'"),
                  ("visits", date(2025, 1, 1), "quarter", 1.0, None, "1; DROP TABLE daily"),
                  ("no_such_kpi", date(2025, 1, 1), "month", 1.0, None, None)])
    wh.close()
    result = _check(root, url, as_of=date(2025, 2, 1))
    january, web_quarter = result.rows
    # January has ended: 31 x 150 = 4,650, exactly the target
    assert (january.period, january.pacing, january.value, january.status, january.owner) \
        == ("2025-01", "final", 4650, "on_track", "Ana")
    # the slice from the table: 31 x 100 of the web's 9,000 for the quarter
    assert (web_quarter.slice, web_quarter.owner, web_quarter.value) == (
        "channel = 'web'", "Web team", 3100)
    assert any("no_such_kpi" in n for n in result.notes)
    assert any("is not a filter" in n for n in result.notes)  # skipped, never run


def test_a_targets_table_synced_before_owner_and_slice_existed(store):
    root, url = store
    from kpi_engine.schema import TABLES, Table

    old = TABLES["targets"]
    before = Table(old.name, old.grain, old.primary_key, old.columns[:4], input=True)
    wh = connect(url)
    wh.ensure_table(before)
    with wh.transaction():
        wh.merge(before, before.column_names, [("revenue", date(2025, 1, 1), "month", 1.0)])
    wh.close()
    (row,) = _check(root, url, as_of=date(2025, 1, 20)).rows
    assert (row.target, row.owner, row.slice) == (1.0, None, None)


def test_scorecard_lists_kpis_without_targets_and_anomalies(store):
    root, url = store
    wh = connect(url)
    goals_store.load(wh, extra=[(date(2025, 3, 7), "web", D(1100), D(10), 8)])
    wh.close()
    result = _check(root, url, as_of=date(2025, 3, 8), scorecard="daily",
                    scorecards={"daily": ["revenue", "visits"]})
    rows = _by(result)
    assert rows["visits", None].status == "no_target"
    anomaly = rows["revenue", None].anomaly
    # Friday 7 March sold 1,150; the eight Fridays before sold 150 each
    assert (anomaly.period, anomaly.value, anomaly.low, anomaly.high, anomaly.side) == (
        "2025-03-07", 1150, 150, 150, "above")
    assert rows["visits", None].anomaly is None
    assert result.exit_code == 0  # no target missed: an anomaly alone is news, not failure


def _cli(root, *args):
    return CliRunner().invoke(build_cli(), ["--project", str(root / "kpi.yaml"), "check",
                                            *args], catch_exceptions=False)


def test_exit_codes_from_the_cli(store):
    root, url = store
    goals_store.write_project(root, url, targets=TARGETS[1:2],
                              scorecards={"web": ["revenue"]})
    on_track = _cli(root, "--as-of", "2025-02-15", "--no-history")
    assert on_track.exit_code == 0, on_track.output
    assert "Web team" in on_track.output and "on track" in on_track.output
    goals_store.write_project(root, url, targets=TARGETS)
    at_risk = _cli(root, "--as-of", "2025-02-15", "--format", "json", "--no-history")
    assert at_risk.exit_code == 1
    data = json.loads(at_risk.stdout)
    assert data["counts"] == {"at_risk": 2, "on_track": 1, "off_track": 1}
    assert data["kpis"][0]["projection"] == 13500
    assert _cli(root, "--as-of", "2025-02-15", "--no-history", "--exit-zero").exit_code == 0
    unknown = _cli(root, "--scorecard", "nope")
    assert unknown.exit_code == 2 and "no scorecard 'nope'" in unknown.output
    assert _cli(root, "--as-of", "yesterday").exit_code == 2  # click's usage error
    goals_store.write_project(root, url, targets=[{"metric": "revenue", "period": "2025-Q5",
                                                   "value": 1}])
    bad = _cli(root)
    assert bad.exit_code == 2 and "kpi.yaml:" in bad.output and "2025-Q5" in bad.output


def test_a_slice_is_parsed_not_pasted(store):
    root, url = store
    goals_store.write_project(root, url, targets=[
        {"metric": "revenue", "period": "2025-Q1", "value": 1,
         "slice": "channel = 'web'; DROP TABLE daily"}])
    result = _cli(root, "--as-of", "2025-02-15", "--no-history")
    assert result.exit_code == 2 and "targets[0].slice" in result.output
    wh = connect(url)
    assert wh.table_exists("daily")
    wh.close()


def test_python_api_check_is_the_commands_check(store):
    import kpi_engine

    root, url = store
    goals_store.write_project(root, url, targets=TARGETS)
    kpis = kpi_engine.open(root / "kpi.yaml")
    result = kpis.check(as_of="2025-02-15", history=False)
    command = _cli(root, "--as-of", "2025-02-15", "--format", "json", "--no-history")
    assert json.loads(command.stdout)["kpis"] == result.to_dict()["kpis"]
    assert result.exit_code == command.exit_code == 1
    frame = result.to_arrow()
    assert frame.column("status").to_pylist() == ["at_risk", "on_track", "off_track",
                                                  "at_risk"]
    assert result.records[0]["projection"] == 13500


def test_the_docs_goal_settings_are_valid(tmp_path, monkeypatch):
    """Every kpi.yaml block of docs/goals.md passes the checks `kpi check` makes (the docs
    test only loads them)."""
    from kpi_engine.goals.config import goal_settings, project_targets
    from kpi_engine.goals.notify.routes import routes
    from kpi_engine.goals.scorecards import scorecards

    from .test_docs_examples import blocks_of

    for name in ("SLACK_WEBHOOK_URL", "ALERT_HOOK_URL"):
        monkeypatch.setenv(name, "https://hooks.example/x")
    for name in ("ALERT_HOOK_SECRET", "SMTP_PASSWORD"):
        monkeypatch.setenv(name, "s")
    catalog = load_registry()
    blocks = [b for b in blocks_of("project") if b.doc.name == "goals.md"]
    assert len(blocks) == 4
    checked = set()
    for block in blocks:
        (tmp_path / "kpi.yaml").write_text(block.text, encoding="utf-8")
        project = load_project(tmp_path / "kpi.yaml")
        goal_settings(project)
        checked |= {t.metric for t in project_targets(project, catalog)}
        assert "weekly" in scorecards(project, catalog) or not project.scorecards
        checked |= {r.kind for r in routes(project)}
    assert checked == {"net_sales", "sessions", "orders", "cart_abandonment_rate", "slack",
                       "webhook", "email"}


def test_a_target_without_data_yet(store):
    root, url = store
    result = _check(root, url, as_of=date(2025, 2, 15), targets=[
        {"metric": "revenue", "period": "2025-Q1", "value": 100,
         "slice": "channel = 'shop'"},  # no such channel: nothing sold there yet
        {"metric": "return_rate", "period": "2025-Q1", "value": 0.1,
         "slice": "channel = 'shop'"}])
    revenue, rate = result.rows
    assert (revenue.value, revenue.projection, revenue.status) == (0, 0, "off_track")
    assert (rate.status, rate.error) == ("error", "no value yet for 2025-Q1")
    assert result.exit_code == 1
