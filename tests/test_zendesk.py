"""The zendesk connector against the Zendesk Support API replayed on 127.0.0.1.

Five tickets of January 2025 over three export pages (tests/fixtures/zendesk): one solved
by e-mail, one passed to a second group and reopened, an open chat tagged escalated, a
phone ticket never replied to in writing whose priority was raised to urgent (ticket event
export, two pages), and one first answered in February; four satisfaction ratings of
which one was offered and never answered. The KPI values are
worked out by hand from those records.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from kpi_engine_plugins.zendesk.mapping import Options, survey_row, ticket_row

from kpi_engine.cli import build_cli
from kpi_engine.errors import SyncError
from kpi_engine.sync.engine import run_sync
from kpi_engine.sync.json_fields import Record
from kpi_engine.testing import ReplayServer
from kpi_engine.testing.conformance import ConnectorConformance
from kpi_engine.warehouses.connect import connect

from .zendesk_api import (
    CASE,
    EMAIL,
    EVENTS,
    EXPORT,
    RATINGS,
    TOKEN,
    fixture,
    fixture_account,
)

FAST = {"retry_initial_delay": "0.01", "retry_max_delay": "0.05", "timeout_seconds": "5",
        "email": EMAIL}


def test_ticket_mapped_with_its_metric_set():
    body = fixture("tickets_page1.json")
    ticket = Record(body["tickets"][1], "tickets[1]")
    metrics = Record(body["metric_sets"][1], "metric_sets[1]")
    row = ticket_row(ticket, metrics, Options())
    assert row == {
        "ticket_id": "102", "source": "zendesk", "created_at": "2025-01-08T10:00:00Z",
        "channel": "web", "status": "closed", "priority": "high", "category": "incident",
        "requester_id": "9002", "assignee_id": "502",
        "first_response_at": "2025-01-08T12:00:00Z",  # created + 120 calendar minutes
        "solved_at": "2025-01-09T10:00:00Z", "reopens": 1,
        "escalated": True,  # group_stations 2
        "updated_at": "2025-01-09T11:00:00Z"}
    custom = ticket_row(ticket, metrics, Options(category_field_id=360001))
    assert custom["category"] == "returns"


def test_an_offered_survey_is_not_an_answer():
    ratings = fixture("satisfaction_ratings_page2.json")["satisfaction_ratings"]
    assert survey_row(Record(ratings[0], "r"), Options()) is None
    assert survey_row(Record(ratings[1], "r"), Options())["score"] == 1.0


def test_an_unknown_status_is_a_field_error():
    ticket = dict(fixture("tickets_page1.json")["tickets"][0], status="archived")
    with pytest.raises(ValueError, match="field 'status' is not a Zendesk status"):
        ticket_row(Record(ticket, "tickets[0]"), None, Options())


def kpi(*args: str) -> str:
    result = CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def account(monkeypatch):
    monkeypatch.setenv("KPI_ZENDESK_API_TOKEN", TOKEN)
    with ReplayServer() as server:
        fixture_account(server)
        yield server


def test_sync_then_eval_gives_the_hand_worked_kpis(account, tmp_path):
    url = f"duckdb:///{tmp_path / 'zd.duckdb'}"
    account.fail("rate_limit", path=EXPORT, query={"cursor": "MTczNzc0MDAwMHx8MTA0fA=="},
                 retry_after="0")
    account.fail("server_error", path=RATINGS, status=500)
    account.fail("server_error", path=EVENTS, query={"start_time": "1737370800"}, status=502)
    args = ["sync", "zendesk", "-w", url, "--set", f"base_url={account.url}"]
    for key, value in FAST.items():
        args += ["--set", f"{key}={value}"]
    out = kpi(*args)
    assert "tickets 5" in out and "survey_responses 3" in out
    # The 429 on export page 2, the 500 on ratings page 1 and the 502 on event page 2
    # were each retried once.
    assert len(account.requests_to(EXPORT)) == 4 and len(account.requests_to(RATINGS)) == 3
    assert len(account.requests_to(EVENTS)) == 3
    first = account.requests_to(EXPORT)[0].query
    assert first["include"] == "metric_sets" and first["start_time"] == "0"

    rows = json.loads(kpi("eval", "first_response_time", "resolution_time", "csat",
                          "escalation_rate", "support_tickets", "-w", url, "--since",
                          "2025-01-01", "--until", "2025-03-01", "--format", "json"))
    jan, feb = rows
    # First replies in January: 101 after 30 min, 102 after 120, 103 after 10 (104 had
    # no written reply; 105's came on 1 February): (1800 + 7200 + 600) / 3 s.
    # Solved in January: 101 in 6 h, 102 in 24 h, 104 in 1 h (103 and 105 are unsolved).
    # CSAT: good (101), bad (102), good (104); the offered survey of 103 is no answer.
    # Escalated: 102 (second group), 103 (tag) and 104 (priority normal -> urgent) of the
    # 5 tickets created in January; 101's first group and 105's lowered priority are not.
    assert jan == {"period": "2025-01-01", "first_response_time": 3200,
                   "resolution_time": (21600 + 86400 + 3600) / 3,
                   "csat": pytest.approx(2 / 3), "escalation_rate": 0.6,
                   "support_tickets": 5}
    assert feb["first_response_time"] == 7200 and feb["support_tickets"] == 0


def test_next_sync_continues_from_the_saved_export_cursor(account, tmp_path):
    url = f"duckdb:///{tmp_path / 'zd.duckdb'}"
    settings = {**FAST, "base_url": account.url, "api_token": TOKEN}
    wh = connect(url, create=True)
    try:
        run_sync("zendesk", wh, settings)
        account.requests.clear()
        report = run_sync("zendesk", wh, settings)
    finally:
        wh.close()
    export = account.requests_to(EXPORT)
    assert [r.query.get("cursor") for r in export] == ["MTczNzc2MDAwMHx8MTA2fA=="]
    counts = report.merged["tickets"]
    assert (counts.inserted, counts.updated) == (0, 0)


def test_a_priority_raise_seen_once_survives_a_later_update(account, tmp_path):
    url = f"duckdb:///{tmp_path / 'zd.duckdb'}"
    settings = {**FAST, "base_url": account.url, "api_token": TOKEN}
    wh = connect(url, create=True)
    try:
        run_sync("zendesk", wh, settings)
        assert [r.query["start_time"] for r in account.requests_to(EVENTS)] == \
            ["0", "1737370800"]
        # 102's group change is not remembered: it was seen closed, so cannot change.
        assert json.loads(wh.get_state("zendesk", "ticket_events", source="zendesk")) == {
            "start_time": 1738371600, "escalated": ["104"]}
        # 104 is updated again (no new events): the export's next page carries it anew.
        later = fixture("tickets_page2.json")
        later["tickets"] = [dict(later["tickets"][1], updated_at="2025-02-03T09:00:00Z")]
        later["metric_sets"] = [later["metric_sets"][1]]
        later["end_of_stream"] = True
        account.add("GET", EXPORT, later, query={"cursor": "MTczNzc2MDAwMHx8MTA2fA=="})
        account.requests.clear()
        report = run_sync("zendesk", wh, settings)
        rows = wh.query('SELECT ticket_id, escalated, updated_at FROM tickets '
                        'ORDER BY ticket_id').rows
    finally:
        wh.close()
    # The next event read starts at the last page's end_time.
    assert [r.query["start_time"] for r in account.requests_to(EVENTS)] == ["1738371600"]
    assert report.merged["tickets"].updated == 1
    assert [(r[0], r[1]) for r in rows] == [("101", False), ("102", True), ("103", True),
                                            ("104", True), ("105", False)]


def test_a_corrupt_saved_event_state_is_one_clear_error(account, tmp_path):
    wh = connect(f"duckdb:///{tmp_path / 'zd.duckdb'}", create=True)
    try:
        wh.set_state("zendesk", "ticket_events", "not json", source="zendesk")
        with pytest.raises(SyncError, match="saved ticket_events state is not understood"):
            run_sync("zendesk", wh, {**FAST, "base_url": account.url, "api_token": TOKEN})
    finally:
        wh.close()


def test_event_changes_that_escalate():
    from kpi_engine_plugins.zendesk.escalations import escalated_ticket_ids

    def event(ticket_id, **change):
        return Record({"ticket_id": ticket_id, "child_events": [
            {"event_type": "Change", **change}]}, "ticket_events[0]")

    events = [event(1, field_name="priority", previous_value="low", value="normal"),
              event(2, priority="urgent", previous_value="high"),
              event(3, field_name="priority", previous_value="urgent", value="low"),
              event(4, group_id=21, previous_value=20),
              event(5, group_id=20, previous_value=None),
              event(6, priority="high"),  # a Create has no previous value
              event(7, field_name="priority", previous_value=None, value="high"),
              event(8, field_name="status", previous_value="new", value="open")]
    assert escalated_ticket_ids(events) == {"1", "2", "4"}


def test_missing_field_names_the_page(account, tmp_path):
    body = fixture("tickets_page1.json")
    del body["tickets"][1]["created_at"]
    account.add("GET", EXPORT, body)  # replaces the first page (added last wins)
    wh = connect(f"duckdb:///{tmp_path / 'zd.duckdb'}", create=True)
    try:
        with pytest.raises(SyncError, match=r"connector 'zendesk', stream 'tickets', page 1 "
                           r".*tickets\[1\]: field 'created_at' is missing"):
            run_sync("zendesk", wh, {**FAST, "base_url": account.url, "api_token": TOKEN})
    finally:
        wh.close()


def test_settings_build_the_address_from_the_subdomain():
    from kpi_engine_plugins.zendesk.settings import ZendeskSettings

    settings = ZendeskSettings(subdomain="acme", email=EMAIL, api_token=TOKEN)
    assert settings.base_url == "https://acme.zendesk.com"
    with pytest.raises(ValueError):
        ZendeskSettings(subdomain="acme.evil.example/x", email=EMAIL, api_token=TOKEN)


class TestZendeskConformance(ConnectorConformance):
    case = CASE

    @pytest.mark.slow  # two syncs of many pages under tracemalloc
    def test_bounded_memory(self, tmp_path):
        super().test_bounded_memory(tmp_path)
