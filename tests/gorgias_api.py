"""A Gorgias helpdesk served in its REST API format by kpi_engine.testing's ReplayServer:
lists as ``{"data": [...], "meta": {"next_cursor", "prev_cursor"}, "object": "list"}``
with ``limit``/``cursor`` pagination, tickets by ``order_by=updated_datetime:desc``, each
ticket's messages, satisfaction surveys, HTTP Basic with the user's e-mail and API key.
Records: tests/fixtures/gorgias/*.json (written for these tests in the format of Gorgias's
API reference)."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpi_engine.testing import RecordedRequest, ReplayServer, Reply
from kpi_engine.testing.conformance import ConnectorCase

FIXTURES = Path(__file__).parent / "fixtures" / "gorgias"
TICKETS = "/api/tickets"
SURVEYS = "/api/satisfaction-surveys"
USER, API_KEY = "ops@acme.example", "gg_key_Pq73Xv19Tn52"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def serve_helpdesk(server: ReplayServer, tickets: list[dict],
                   messages: dict[str, list[dict]], surveys: list[dict]) -> None:
    server.add("GET", TICKETS, _lister(lambda: sorted(
        tickets, key=lambda t: (t["updated_datetime"], t["id"]), reverse=True), TICKETS))
    for ticket_id, items in messages.items():
        path = f"{TICKETS}/{ticket_id}/messages"
        server.add("GET", path, _lister(lambda items=items: items, path))
    server.add("GET", SURVEYS, _lister(lambda: surveys, SURVEYS))


def _lister(items, path: str):
    wanted = "Basic " + base64.b64encode(f"{USER}:{API_KEY}".encode()).decode()

    def answer(request: RecordedRequest) -> Reply:
        if request.headers.get("authorization") != wanted:
            return Reply.json({"error": {"msg": "Unauthorized"}}, 401)
        limit = int(request.query.get("limit", "30"))
        start = int(request.query.get("cursor", "p0")[1:])  # our cursors: p0, p2, p4 ...
        chosen = items()
        body = chosen[start:start + limit]
        more = start + limit < len(chosen)
        return Reply.json({"data": body, "object": "list", "uri": path,
                           "meta": {"prev_cursor": f"p{max(0, start - limit)}" if start else None,
                                    "next_cursor": f"p{start + limit}" if more else None}})
    return answer


def fixture_helpdesk(server: ReplayServer) -> None:
    serve_helpdesk(server, fixture("tickets.json"), fixture("messages.json"),
                   fixture("satisfaction_surveys.json"))


def generated(pages: int, per_page: int = 2):
    base, base_messages = fixture("tickets.json"), fixture("messages.json")
    tickets, messages, surveys = [], {}, []
    for i in range(pages * per_page):
        ticket = copy.deepcopy(base[i % len(base)])
        source = ticket["id"]
        ticket["id"] = 1000 + i
        ticket["updated_datetime"] = f"2025-02-01T{i // 60 % 24:02d}:{i % 60:02d}:00"
        tickets.append(ticket)
        messages[str(1000 + i)] = [dict(m, ticket_id=1000 + i)
                                   for m in base_messages[str(source)]]
        survey = copy.deepcopy(fixture("satisfaction_surveys.json")[i % 4])
        survey["id"], survey["ticket_id"] = 2000 + i, 1000 + i
        surveys.append(survey)
    return tickets, messages, surveys


@dataclass
class GorgiasCase(ConnectorCase):
    def serve(self, server: ReplayServer, pages: int) -> None:
        serve_helpdesk(server, *generated(pages))


CASE = GorgiasCase("gorgias", secrets={"api_key": API_KEY},
                   settings={"username": USER, "per_page": 2}, few_pages=2, many_pages=8,
                   kill_at_request=4, requests_per_page=1 + 2)  # the list + 2 tickets' messages
