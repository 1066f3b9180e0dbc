"""The freshdesk connector against the Freshdesk API v2 replayed on 127.0.0.1.

Five tickets of January 2025 over three pages (tests/fixtures/freshdesk): resolved by
e-mail, an escalated phone ticket that was reopened, an open chat tagged escalated, a
ticket in a custom status never answered, another resolved e-mail; three ratings on
Freshdesk's scale (extremely happy, very unhappy, happy). KPIs worked out by hand.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from kpi_engine_plugins.freshdesk.mapping import Options, survey_row, ticket_row

from kpi_engine.cli import build_cli
from kpi_engine.sync.engine import run_sync
from kpi_engine.sync.json_fields import FieldError, Record
from kpi_engine.testing import ReplayServer
from kpi_engine.testing.conformance import ConnectorConformance
from kpi_engine.warehouses.connect import connect

from .freshdesk_api import API_KEY, CASE, RATINGS, TICKETS, fixture, fixture_account

FAST = {"retry_initial_delay": "0.01", "retry_max_delay": "0.05", "timeout_seconds": "5",
        "per_page": "2"}


def test_ticket_codes_mapped():
    tickets = fixture("tickets.json")
    second = ticket_row(Record(tickets[1], "t"), Options())
    assert {k: second[k] for k in ("channel", "status", "priority", "category", "reopens",
                                   "escalated", "first_response_at", "solved_at")} == {
        "channel": "phone", "status": "closed", "priority": "urgent", "category": "Refund",
        "reopens": 1, "escalated": True, "first_response_at": "2025-01-05T10:30:00Z",
        "solved_at": "2025-01-06T10:00:00Z"}
    custom = ticket_row(Record(tickets[3], "t"), Options())
    assert (custom["status"], custom["solved_at"], custom["channel"]) == ("pending", None,
                                                                         "web")


def test_ratings_on_the_seven_point_scale():
    ratings = [survey_row(Record(r, "r"), Options()) for r in fixture("satisfaction_ratings.json")]
    assert [(r["score"], r["scale_max"]) for r in ratings] == [(7, 7), (2, 7), (5, 7)]
    bad = dict(fixture("satisfaction_ratings.json")[0], ratings={"default_question": 55})
    with pytest.raises(FieldError, match="rating values"):
        survey_row(Record(bad, "r"), Options())


def kpi(*args: str) -> str:
    result = CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def account(monkeypatch):
    monkeypatch.setenv("KPI_FRESHDESK_API_KEY", API_KEY)
    with ReplayServer() as server:
        fixture_account(server)
        yield server


def test_sync_then_eval_gives_the_hand_worked_kpis(account, tmp_path):
    url = f"duckdb:///{tmp_path / 'fd.duckdb'}"
    account.fail("rate_limit", path=TICKETS, query={"page": "2"}, retry_after="0")
    account.fail("server_error", path=RATINGS, status=500)
    args = ["sync", "freshdesk", "-w", url, "--set", f"base_url={account.url}"]
    for key, value in FAST.items():
        args += ["--set", f"{key}={value}"]
    out = kpi(*args)
    assert "tickets 5" in out and "survey_responses 3" in out
    assert len(account.requests_to(TICKETS)) == 4 and len(account.requests_to(RATINGS)) == 3
    first = account.requests_to(TICKETS)[0].query
    assert (first["include"], first["order_by"], first["order_type"]) == (
        "stats", "updated_at", "asc")

    rows = json.loads(kpi("eval", "first_response_time", "resolution_time", "csat",
                          "csat_average_score", "escalation_rate", "-w", url, "--since",
                          "2025-01-01", "--until", "2025-02-01", "--format", "json"))
    # First replies: 1 h, 30 min, 5 min, 2 h (ticket 4 has none).
    # Resolved in January: 12 h, 24 h (ticket 2, resolved before it was closed), 24 h.
    # CSAT: only "extremely happy" (7 of 7) is satisfied; "happy" (5 of 7) is not.
    # Escalated: ticket 2 (Freshdesk's is_escalated) and 3 (tag) of 5.
    assert rows == [{"period": "2025-01-01", "first_response_time": 12900 / 4,
                     "resolution_time": 72000, "csat": pytest.approx(1 / 3),
                     "csat_average_score": pytest.approx((7 + 2 + 5) / 3 * 5 / 7),
                     "escalation_rate": 0.4}]


def test_next_sync_asks_for_tickets_updated_since_the_cursor(account, tmp_path):
    settings = {**FAST, "base_url": account.url, "api_key": API_KEY}
    wh = connect(f"duckdb:///{tmp_path / 'fd.duckdb'}", create=True)
    try:
        run_sync("freshdesk", wh, settings)
        account.requests.clear()
        report = run_sync("freshdesk", wh, settings)
    finally:
        wh.close()
    # The newest update seen (26 January 12:00) minus the 60-minute lookback.
    assert account.requests_to(TICKETS)[0].query["updated_since"] == "2025-01-26T11:00:00Z"
    assert account.requests_to(RATINGS)[0].query["created_since"] == "2024-12-27T15:00:00Z"
    assert all(not c.inserted and not c.updated for c in report.merged.values())


class TestFreshdeskConformance(ConnectorConformance):
    case = CASE

    @pytest.mark.slow  # two syncs of many pages under tracemalloc
    def test_bounded_memory(self, tmp_path):
        super().test_bounded_memory(tmp_path)
