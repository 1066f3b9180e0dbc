"""A Freshdesk account served in its API v2 format by kpi_engine.testing's ReplayServer:
``page``/``per_page`` pagination announced by a ``Link: <...>; rel="next"`` header, the
``updated_since`` and ``created_since`` filters, ``order_by=updated_at``, HTTP Basic with
the API key. Records: tests/fixtures/freshdesk/*.json (written for these tests in the
format of Freshdesk's API reference)."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from kpi_engine.testing import RecordedRequest, ReplayServer, Reply
from kpi_engine.testing.conformance import ConnectorCase

FIXTURES = Path(__file__).parent / "fixtures" / "freshdesk"
TICKETS = "/api/v2/tickets"
RATINGS = "/api/v2/surveys/satisfaction_ratings"
API_KEY = "fd_key_Zx81Qm27Lp04"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def serve_account(server: ReplayServer, tickets: list[dict], ratings: list[dict]) -> None:
    server.add("GET", TICKETS, _lister(server, lambda: tickets, "updated_since", "updated_at"))
    server.add("GET", RATINGS, _lister(server, lambda: ratings, "created_since", "created_at"))


def _lister(server: ReplayServer, items, since_param: str, stamp: str):
    wanted = "Basic " + base64.b64encode(f"{API_KEY}:X".encode()).decode()

    def answer(request: RecordedRequest) -> Reply:
        if request.headers.get("authorization") != wanted:
            return Reply.json({"code": "invalid_credentials",
                               "message": "You have to be logged in to perform this action."},
                              401)
        q = request.query
        per_page, number = int(q.get("per_page", "30")), int(q.get("page", "1"))
        since = q.get(since_param)
        chosen = [r for r in items() if since is None or r[stamp] >= since]
        if q.get("order_by") == "updated_at":
            chosen.sort(key=lambda r: (r["updated_at"], r["id"]),
                        reverse=q.get("order_type", "desc") == "desc")
        body = chosen[(number - 1) * per_page:number * per_page]
        headers = {}
        if number * per_page < len(chosen):
            query = urlencode({**q, "page": number + 1})
            headers["Link"] = f'<{server.url}{request.path}?{query}>; rel="next"'
        return Reply.json(body, headers=headers)
    return answer


def fixture_account(server: ReplayServer) -> None:
    serve_account(server, fixture("tickets.json"), fixture("satisfaction_ratings.json"))


def generated(pages: int, per_page: int = 2) -> tuple[list[dict], list[dict]]:
    tickets, ratings = [], []
    base, base_ratings = fixture("tickets.json"), fixture("satisfaction_ratings.json")
    for i in range(pages * per_page):
        ticket = copy.deepcopy(base[i % len(base)])
        ticket["id"] = 100 + i
        ticket["updated_at"] = f"2025-02-01T{i // 60 % 24:02d}:{i % 60:02d}:00Z"
        tickets.append(ticket)
        rating = copy.deepcopy(base_ratings[i % len(base_ratings)])
        rating["id"], rating["ticket_id"] = 500 + i, 100 + i
        ratings.append(rating)
    return tickets, ratings


@dataclass
class FreshdeskCase(ConnectorCase):
    def serve(self, server: ReplayServer, pages: int) -> None:
        serve_account(server, *generated(pages))


CASE = FreshdeskCase("freshdesk", secrets={"api_key": API_KEY}, settings={"per_page": 2},
                     few_pages=2, many_pages=10, kill_at_request=3)
