"""The ``freshdesk`` connector: tickets with their stats, and satisfaction ratings.

Tickets are listed oldest-updated first from the last cursor (``updated_since``,
``order_by=updated_at&order_type=asc``) with ``include=stats``, following the ``Link``
header; the newest ``updated_at`` of each committed page is the cursor, so a killed sync
resumes after its last page. Freshdesk answers 429 with ``Retry-After`` when the plan's
requests per minute are spent; the shared client waits for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from kpi_engine.connectors import Page, SyncContext
from kpi_engine.http import HttpClient, HttpConnector, HttpResponse, LinkHeaderPaginator, page
from kpi_engine.http.cursors import iso, parse_timestamp
from kpi_engine.sync.json_fields import FieldError, Record, records

from .mapping import Options, survey_row, ticket_row
from .settings import FreshdeskSettings

TICKETS = "api/v2/tickets"
RATINGS = "api/v2/surveys/satisfaction_ratings"


class FreshdeskConnector(HttpConnector):
    name = "freshdesk"
    description = "Freshdesk: tickets with stats, satisfaction ratings"
    settings_model = FreshdeskSettings
    tables = ("tickets", "survey_responses")
    settings: FreshdeskSettings

    def auth(self) -> tuple[str, str]:
        # The API key is the user name of HTTP Basic; the password is any text ("X").
        return (self.settings.api_key.get_secret_value(), "X")

    def read_http(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        options = Options(self.settings.source, tuple(self.settings.escalation_tags))
        yield from self._tickets(http, context, options)
        yield from self._ratings(http, context, options)

    def _tickets(self, http: HttpClient, context: SyncContext, options: Options
                 ) -> Iterator[Page]:
        cursor = self.updated_cursor(context, "tickets")
        # Without updated_since Freshdesk lists only the last 30 days' tickets.
        params: dict[str, Any] = {"include": "stats", "order_by": "updated_at",
                                  "order_type": "asc", "per_page": self.settings.per_page,
                                  "updated_since": cursor.since_iso() or "1970-01-01T00:00:00Z"}
        for response in http.paginate(LinkHeaderPaginator(TICKETS, params), stream="tickets"):
            rows = []
            for record in _records(response):
                cursor.observe(_guarded(response, record.text, "updated_at", False))
                rows.append(_guarded(response, ticket_row, record, options))
            yield page("tickets", rows, stream="tickets", cursor=cursor.page_cursor(),
                       response=response)

    def _ratings(self, http: HttpClient, context: SyncContext, options: Options
                 ) -> Iterator[Page]:
        cursor = self.updated_cursor(context, "survey_responses")
        params: dict[str, Any] = {"per_page": self.settings.per_page}
        saved = parse_timestamp(context.cursors.get("survey_responses")) \
            if not context.full_refresh else None
        if saved is not None:
            since = saved - timedelta(days=self.settings.ratings_lookback_days)
            params["created_since"] = iso(since)
        for response in http.paginate(LinkHeaderPaginator(RATINGS, params),
                                      stream="survey_responses"):
            rows = []
            for record in _records(response):
                cursor.observe(_guarded(response, record.text, "created_at", False))
                row = _guarded(response, survey_row, record, options)
                if row is not None:
                    rows.append(row)
            yield page("survey_responses", rows, stream="survey_responses",
                       response=response)
        if cursor.newest is not None:  # the newest rating seen, never after this start
            yield Page("survey_responses", [], stream="survey_responses",
                       cursor=cursor.done())


def _records(response: HttpResponse) -> list[Record]:
    """The page's records: the body must be a list of objects."""
    return _guarded(response, lambda: list(records(response.json(), "the body")))


def _guarded(response: HttpResponse, function: Any, *args: Any) -> Any:
    """``function(*args)``; a field missing or of the wrong type is this page's error."""
    try:
        return function(*args)
    except FieldError as exc:
        raise response.error(str(exc)) from None
