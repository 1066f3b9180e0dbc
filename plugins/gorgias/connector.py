"""The ``gorgias`` connector: tickets (with their first response from the messages) and
satisfaction surveys.

Gorgias lists with cursor pagination (``limit``, ``cursor``, ``meta.next_cursor``) and has
no "updated since" filter: tickets are read newest-updated first
(``order_by=updated_datetime:desc``) until one older than the cursor (minus the lookback);
the cursor is saved once that is done, so a killed sync reads from the old cursor again.
Surveys are read in full each time (there are few). Gorgias answers 429 with
``Retry-After`` when its request bucket is empty; the shared client waits for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kpi_engine.connectors import Page, SyncContext
from kpi_engine.http import HttpClient, HttpConnector, HttpResponse, JsonCursorPaginator, page
from kpi_engine.http.cursors import parse_timestamp
from kpi_engine.sync.json_fields import FieldError, Record

from .mapping import Options, first_response, survey_row, ticket_row
from .settings import GorgiasSettings


class GorgiasConnector(HttpConnector):
    name = "gorgias"
    description = "Gorgias: tickets with first responses, satisfaction surveys"
    settings_model = GorgiasSettings
    tables = ("tickets", "survey_responses")
    settings: GorgiasSettings

    def auth(self) -> tuple[str, str]:
        return (self.settings.username, self.settings.api_key.get_secret_value())

    def read_http(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        s = self.settings
        options = Options(s.source, tuple(s.category_tags), tuple(s.escalation_tags),
                          tuple(s.escalation_teams))
        yield from self._tickets(http, context, options)
        yield from self._surveys(http, options)

    def _tickets(self, http: HttpClient, context: SyncContext, options: Options
                 ) -> Iterator[Page]:
        cursor = self.updated_cursor(context, "tickets")
        paginator = JsonCursorPaginator(
            "api/tickets", {"limit": self.settings.per_page,
                            "order_by": "updated_datetime:desc"})
        older_reached = False
        for response in http.paginate(paginator, stream="tickets"):
            rows = []
            for ticket in _data(response):
                updated = parse_timestamp(_guarded(response, ticket.text, "updated_datetime"))
                if cursor.since is not None and updated is not None and updated < cursor.since:
                    older_reached = True  # newest first: the rest is older still
                    break
                cursor.observe(updated)
                first = self._first_response(http, response, ticket)
                rows.append(_guarded(response, ticket_row, ticket, first, options))
            yield page("tickets", rows, stream="tickets", response=response)
            if older_reached:
                break
        if cursor.newest is not None:
            yield Page("tickets", [], stream="tickets", cursor=cursor.done())

    def _first_response(self, http: HttpClient, response: HttpResponse, ticket: Record
                        ) -> str | None:
        if not self.settings.read_messages:
            return None
        ticket_id = _guarded(response, ticket.ident, "id")
        paginator = JsonCursorPaginator(f"api/tickets/{ticket_id}/messages",
                                        {"limit": 100})
        firsts = [_guarded(r, first_response, _data(r))
                  for r in http.paginate(paginator, stream="messages")]
        found = [f for f in firsts if f is not None]
        return min(found, key=lambda f: parse_timestamp(f)) if found else None

    def _surveys(self, http: HttpClient, options: Options) -> Iterator[Page]:
        paginator = JsonCursorPaginator("api/satisfaction-surveys",
                                        {"limit": self.settings.per_page})
        for response in http.paginate(paginator, stream="survey_responses"):
            rows = [row for survey in _data(response)
                    if (row := _guarded(response, survey_row, survey, options)) is not None]
            yield page("survey_responses", rows, stream="survey_responses",
                       response=response)


def _data(response: HttpResponse) -> list[Record]:
    """The records of a Gorgias list: ``{"data": [...], "meta": {...}}``."""
    return _guarded(response, lambda: list(Record(response.json(), "the body")
                                           .children("data")))


def _guarded(response: HttpResponse, function: Any, *args: Any) -> Any:
    """``function(*args)``; a field missing or of the wrong type is this page's error."""
    try:
        return function(*args)
    except FieldError as exc:
        raise response.error(str(exc)) from None
