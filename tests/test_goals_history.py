"""kpi_history on every SQL warehouse: each check stores what it reported, and a number
restated afterwards (a late row for a day already reported) shows against it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from kpi_engine.goals.check import run_check
from kpi_engine.goals.history import HISTORY_TABLE, history_rows
from kpi_engine.project import Project
from kpi_engine.registry import load_registry

from . import goals_store

ENGINES = ["duckdb", "sqlite", pytest.param("postgresql", marks=pytest.mark.warehouse),
           pytest.param("mariadb", marks=pytest.mark.warehouse)]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("specs")
    (folder / "store.yaml").write_text(goals_store.SPECS, encoding="utf-8")
    return load_registry([folder], include_packs=False)


@pytest.mark.parametrize("engine", ENGINES)
def test_history_shows_restated_numbers(engine, warehouse_factory, registry):
    wh = warehouse_factory(engine)
    goals_store.load(wh)
    project = Project(targets=({"metric": "revenue", "period": "2025-Q1", "value": 15000},
                               {"metric": "visits", "period": "2025-Q1", "value": 1000}))
    as_of = date(2025, 2, 15)
    first = run_check(registry, project, wh, as_of=as_of)
    assert first.history_written == 2
    assert [r.reported for r in first.rows] == [None, None]
    # A late order for 1 February arrives after the report: +30 of revenue.
    goals_store.load(wh, extra=[(date(2025, 2, 1), "web", D(130), D(10), 8)])
    second = run_check(registry, project, wh, as_of=as_of)
    revenue, visits = second.rows
    assert (revenue.value, revenue.reported, revenue.restated) == (6780, 6750, True)
    assert (visits.value, visits.reported, visits.restated) == (540, 540, False)
    stored = history_rows(wh, "revenue")
    assert [(r["value"], r["status"], str(r["as_of"])[:10]) for r in stored] == [
        (6750, "at_risk", "2025-02-15"), (6780, "at_risk", "2025-02-15")]
    assert stored[0]["period_start"] is not None and stored[0]["slice"] == ""
    # --no-history neither reads nor writes it
    third = run_check(registry, project, wh, as_of=as_of, history=False)
    assert third.rows[0].reported is None and third.history_written == 0
    assert len(history_rows(wh)) == 4
    assert wh.table_exists(HISTORY_TABLE)
