"""A Zendesk Support account served in its API's format by kpi_engine.testing's
ReplayServer: the incremental ticket export (start_time, then cursor=after_cursor until
end_of_stream, metric_sets sideloaded), the time-based ticket event export (start_time,
then next_page until end_of_stream) and satisfaction ratings with cursor pagination
(links.next). The records are tests/fixtures/zendesk/*.json (written for these tests in
the format of Zendesk's API reference)."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpi_engine.testing import RecordedRequest, ReplayServer, Reply
from kpi_engine.testing.conformance import ConnectorCase

FIXTURES = Path(__file__).parent / "fixtures" / "zendesk"
EXPORT = "/api/v2/incremental/tickets/cursor.json"
RATINGS = "/api/v2/satisfaction_ratings.json"
EVENTS = "/api/v2/incremental/ticket_events.json"
EMAIL, TOKEN = "agent@example.com", "zd_tok_5e6f7a8b9c0d1e2f"
VENDOR = "https://example.zendesk.com"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _authorized(request: RecordedRequest) -> bool:
    wanted = base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
    return request.headers.get("authorization") == f"Basic {wanted}"


def _json(body: Any, server: ReplayServer) -> Reply:
    # The vendor's absolute next-page URLs point at this server instead.
    return Reply(200, json.dumps(body).replace(VENDOR, server.url).encode(),
                 {"Content-Type": "application/json; charset=utf-8"})


def serve_account(server: ReplayServer, ticket_pages: list[dict], rating_pages: list[dict],
                  event_pages: list[dict]) -> None:
    def guard(reply):
        def answer(request: RecordedRequest) -> Reply:
            if not _authorized(request):
                return Reply.json({"error": "Couldn't authenticate you"}, 401)
            return reply(request)
        return answer

    # start_time -> the first page; cursor=X -> the page after the one whose
    # after_cursor is X; after the last page Zendesk answers an empty page with the same
    # cursor and end_of_stream true.
    server.add("GET", EXPORT, guard(lambda r: _json(ticket_pages[0], server)))
    for before, after in zip(ticket_pages, [*ticket_pages[1:], None], strict=True):
        cursor = before["after_cursor"]
        body = after or {**before, "tickets": [], "metric_sets": [], "end_of_stream": True}
        server.add("GET", EXPORT, guard(lambda r, body=body: _json(body, server)),
                   query={"cursor": cursor})
    # Any start_time without a page of its own -> the first page; next_page's start_time
    # -> the page after; the last page's end_time -> an empty page, end of stream.
    server.add("GET", EVENTS, guard(lambda r: _json(event_pages[0], server)))
    for before, after in zip(event_pages, [*event_pages[1:], None], strict=True):
        body = after or {**before, "ticket_events": [], "count": 0, "end_of_stream": True}
        server.add("GET", EVENTS, guard(lambda r, body=body: _json(body, server)),
                   query={"start_time": str(before["end_time"])})
    server.add("GET", RATINGS, guard(lambda r: _json(rating_pages[0], server)))
    for before, after in zip(rating_pages, rating_pages[1:], strict=False):
        token = before["meta"]["after_cursor"]
        server.add("GET", RATINGS, guard(lambda r, body=after: _json(body, server)),
                   query={"page[after]": token})


def fixture_account(server: ReplayServer) -> None:
    serve_account(server, [fixture(f"tickets_page{i}.json") for i in (1, 2, 3)],
                  [fixture(f"satisfaction_ratings_page{i}.json") for i in (1, 2)],
                  [fixture(f"ticket_events_page{i}.json") for i in (1, 2)])


def generated_pages(pages: int) -> tuple[list[dict], list[dict], list[dict]]:
    """``pages`` export pages and rating pages of 2 records each, from the fixtures, and
    one event page raising the first ticket's priority."""
    template = fixture("tickets_page1.json")
    tickets, ratings = [], []
    for p in range(pages):
        body = copy.deepcopy(template)
        for i, (ticket, metric) in enumerate(zip(body["tickets"], body["metric_sets"],
                                                 strict=True)):
            ticket["id"] = metric["ticket_id"] = 10_000 + p * 10 + i
            metric["id"] = 20_000 + p * 10 + i
        body["after_cursor"] = f"cursor-{p + 1}"
        body["after_url"] = f"{VENDOR}/api/v2/incremental/tickets/cursor.json?cursor=cursor-{p + 1}"
        body["end_of_stream"] = p == pages - 1
        tickets.append(body)
    rating_template = fixture("satisfaction_ratings_page1.json")
    for p in range(pages):
        body = copy.deepcopy(rating_template)
        for i, rating in enumerate(body["satisfaction_ratings"]):
            rating["id"] = 30_000 + p * 10 + i
        last = p == pages - 1
        body["meta"] = {"has_more": not last, "after_cursor": None if last else f"r{p + 1}",
                        "before_cursor": f"b{p}"}
        body["links"] = {"prev": None, "next": None if last else
                         f"{VENDOR}/api/v2/satisfaction_ratings.json?page%5Bafter%5D=r{p + 1}"
                         "&page%5Bsize%5D=100"}
        ratings.append(body)
    events = fixture("ticket_events_page2.json")
    events["ticket_events"] = [dict(fixture("ticket_events_page1.json")["ticket_events"][2],
                                    ticket_id=10_000)]
    return tickets, ratings, [events]


@dataclass
class ZendeskCase(ConnectorCase):
    def serve(self, server: ReplayServer, pages: int) -> None:
        serve_account(server, *generated_pages(pages))


CASE = ZendeskCase("zendesk", secrets={"api_token": TOKEN}, settings={"email": EMAIL},
                   few_pages=2, many_pages=10, kill_at_request=3)
