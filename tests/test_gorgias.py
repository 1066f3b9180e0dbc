"""The gorgias connector against the Gorgias REST API replayed on 127.0.0.1.

Five tickets of January 2025 over three pages, newest first (tests/fixtures/gorgias),
with their messages: an automatic rule reply and an internal note that are not first
responses, a ticket with a second-level team, a snoozed one tagged escalated, a phone
ticket never answered in writing; four surveys of which one was not answered. KPIs worked
out by hand.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from kpi_engine_plugins.gorgias.mapping import Options, first_response, ticket_row

from kpi_engine.cli import build_cli
from kpi_engine.sync.engine import run_sync
from kpi_engine.sync.json_fields import Record
from kpi_engine.testing import ReplayServer
from kpi_engine.testing.conformance import ConnectorConformance
from kpi_engine.warehouses.connect import connect

from .gorgias_api import API_KEY, CASE, SURVEYS, TICKETS, USER, fixture, fixture_helpdesk

FAST = {"retry_initial_delay": "0.01", "retry_max_delay": "0.05", "timeout_seconds": "5",
        "per_page": "2", "username": USER}


def test_first_response_skips_rules_notes_and_customers():
    messages = fixture("messages.json")
    assert first_response(Record(m, "m") for m in messages["201"]) == "2025-01-04T10:45:00"
    assert first_response(Record(m, "m") for m in messages["202"]) == "2025-01-09T08:20:00"
    assert first_response(Record(m, "m") for m in messages["204"]) is None


def test_ticket_mapped():
    snoozed = ticket_row(Record(fixture("tickets.json")[2], "t"), None,
                         Options(escalation_teams=("Tier 2",)))
    assert {k: snoozed[k] for k in ("channel", "status", "category", "escalated",
                                    "solved_at", "requester_id")} == {
        "channel": "social", "status": "pending", "category": "REFUND", "escalated": True,
        "solved_at": None, "requester_id": "4003"}


def kpi(*args: str) -> str:
    result = CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def helpdesk(monkeypatch):
    monkeypatch.setenv("KPI_GORGIAS_API_KEY", API_KEY)
    with ReplayServer() as server:
        fixture_helpdesk(server)
        yield server


def test_sync_then_eval_gives_the_hand_worked_kpis(helpdesk, tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'gg.duckdb'}"
    # A list setting, as a user writes it in kpi.yaml.
    (tmp_path / "kpi.yaml").write_text("connectors:\n  gorgias:\n"
                                       "    escalation_teams: [Tier 2]\n")
    monkeypatch.chdir(tmp_path)
    helpdesk.fail("rate_limit", path=TICKETS, query={"cursor": "p2"}, retry_after="0")
    helpdesk.fail("server_error", path=SURVEYS, status=500)
    args = ["sync", "gorgias", "-w", url, "--set", f"base_url={helpdesk.url}"]
    for key, value in FAST.items():
        args += ["--set", f"{key}={value}"]
    out = kpi(*args)
    assert "tickets 5" in out and "survey_responses 3" in out
    assert len(helpdesk.requests_to(TICKETS)) == 4 and len(helpdesk.requests_to(SURVEYS)) == 3
    assert helpdesk.requests_to(TICKETS)[0].query["order_by"] == "updated_datetime:desc"

    rows = json.loads(kpi("eval", "first_response_time", "resolution_time", "csat",
                          "csat_average_score", "escalation_rate", "-w", url, "--since",
                          "2025-01-01", "--until", "2025-02-01", "--format", "json"))
    # First responses: 45 min (the rule's auto-reply is not one), 20 min (the internal
    # note is not one), 1 h, 2 h; the phone ticket 204 has none.
    # Closed in January: 6 h, 24 h, 12 h. Surveys: 5, 3 and 4 of 5 (one unanswered).
    # Escalated: 202 (team "Tier 2") and 203 (tag) of 5.
    assert rows == [{"period": "2025-01-01", "first_response_time": (2700 + 1200 + 3600
                                                                     + 7200) / 4,
                     "resolution_time": (21600 + 86400 + 43200) / 3,
                     "csat": pytest.approx(2 / 3), "csat_average_score": 4,
                     "escalation_rate": 0.4}]


def test_next_sync_stops_at_tickets_older_than_the_cursor(helpdesk, tmp_path):
    settings = {**FAST, "base_url": helpdesk.url, "api_key": API_KEY}
    wh = connect(f"duckdb:///{tmp_path / 'gg.duckdb'}", create=True)
    try:
        run_sync("gorgias", wh, settings)
        helpdesk.requests.clear()
        report = run_sync("gorgias", wh, settings)
    finally:
        wh.close()
    # Newest first: the first page already reaches tickets older than the last sync's
    # newest update minus the lookback, so no second page is asked for, and only the
    # newest ticket's messages are read again.
    assert len(helpdesk.requests_to(TICKETS)) == 1
    assert [r.path for r in helpdesk.requests if r.path.endswith("/messages")] == [
        f"{TICKETS}/205/messages"]
    assert all(not c.inserted and not c.updated for c in report.merged.values())


class TestGorgiasConformance(ConnectorConformance):
    case = CASE

    @pytest.mark.slow  # two syncs of many pages under tracemalloc
    def test_bounded_memory(self, tmp_path):
        super().test_bounded_memory(tmp_path)
