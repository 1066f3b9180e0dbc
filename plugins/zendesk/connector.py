"""The ``zendesk`` connector: tickets with their metrics, and satisfaction ratings.

Tickets come from the incremental cursor export
(``/api/v2/incremental/tickets/cursor.json``) with each ticket's metric set sideloaded
(``include=metric_sets``); the export's ``after_cursor`` is saved with every page, so the
next sync (or a killed one) continues exactly after the last committed page. Ratings come
from ``/api/v2/satisfaction_ratings`` with cursor pagination (``page[size]``,
``links.next``). Zendesk allows 10 export requests a minute: its 429 answers carry
``Retry-After``, which the shared client waits for.

Before the tickets, the ticket event export is read for raised priorities and group
changes (escalations.py): an update that raised a ticket's priority is stamped before the
ticket's export, so the ticket read right after carries it. The event state is saved
only after the tickets, so a killed sync reads those events again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from kpi_engine.connectors import Page, SyncContext
from kpi_engine.http import (
    HttpClient,
    HttpConnector,
    HttpResponse,
    JsonCursorPaginator,
    Request,
    page,
)
from kpi_engine.http.cursors import parse_timestamp
from kpi_engine.sync.json_fields import FieldError, Record

from .escalations import EscalationState, EventsPaginator, escalated_ticket_ids
from .mapping import Options, survey_row, ticket_row
from .settings import ZendeskSettings

EXPORT = "api/v2/incremental/tickets/cursor.json"
RATINGS = "api/v2/satisfaction_ratings.json"


@dataclass
class ExportPaginator:
    """The incremental export: ``start_time`` on the first request (or the saved
    ``cursor``), then ``cursor=<after_cursor>`` until ``end_of_stream``."""

    params: dict[str, Any] = field(default_factory=dict)
    start_time: int = 0
    cursor: str | None = None

    def first(self) -> Request:
        start = {"cursor": self.cursor} if self.cursor else {"start_time": self.start_time}
        return Request("GET", EXPORT, {**self.params, **start})

    def next(self, request: Request, response: HttpResponse) -> Request | None:
        if response.get("end_of_stream", bool):
            return None
        after = response.get("after_cursor", str)
        return Request("GET", EXPORT, {**self.params, "cursor": after})


class ZendeskConnector(HttpConnector):
    name = "zendesk"
    description = "Zendesk Support: tickets with metrics, satisfaction ratings"
    settings_model = ZendeskSettings
    tables = ("tickets", "survey_responses")
    settings: ZendeskSettings

    def auth(self) -> tuple[str, str]:
        # API token authentication: "{email}/token" and the token, over HTTP Basic.
        return (f"{self.settings.email}/token", self.settings.api_token.get_secret_value())

    def read_http(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        s = self.settings
        options = Options(source=s.source, category_field_id=s.category_field_id,
                          escalation_tags=tuple(s.escalation_tags))
        state = self._escalations(http, context) if s.escalation_events else None
        yield from self._tickets(http, context, options, state)
        if state is not None:  # saved after the tickets that used it
            yield Page("tickets", [], stream="ticket_events", cursor=state.dump())
        yield from self._ratings(http, context, options)

    def _start_time(self) -> int:
        start = self.settings.start_date
        return int(datetime.combine(start, time(), UTC).timestamp()) if start else 0

    def _escalations(self, http: HttpClient, context: SyncContext) -> EscalationState:
        state = EscalationState.load(context.cursors.get("ticket_events"), self._start_time())
        paginator = EventsPaginator(state.start_time)
        for response in http.paginate(paginator, stream="ticket_events"):
            events = _guarded(response, _list, response, "ticket_events")
            state.escalated |= _guarded(response, escalated_ticket_ids, events)
            end = response.get("end_time", int, required=False)
            if end is not None:
                state.start_time = max(state.start_time, end)
        return state

    def _tickets(self, http: HttpClient, context: SyncContext, options: Options,
                 state: EscalationState | None) -> Iterator[Page]:
        paginator = ExportPaginator(
            {"include": "metric_sets", "exclude_deleted": "true",
             "per_page": self.settings.per_page},
            start_time=self._start_time(),
            cursor=context.cursors.get("tickets"))
        for response in http.paginate(paginator, stream="tickets"):
            rows = _guarded(response, _ticket_rows, response, options)
            if state is not None:
                for row in rows:
                    row["escalated"] = row["escalated"] or row["ticket_id"] in state.escalated
                state.forget_closed(rows)
            yield page("tickets", rows, stream="tickets",
                       cursor=response.get("after_cursor", str), response=response)

    def _ratings(self, http: HttpClient, context: SyncContext, options: Options
                 ) -> Iterator[Page]:
        cursor = self.updated_cursor(context, "survey_responses")
        params: dict[str, Any] = {"page[size]": 100}
        saved = parse_timestamp(context.cursors.get("survey_responses")) \
            if not context.full_refresh else None
        if saved is not None:
            since = saved - timedelta(days=self.settings.ratings_lookback_days)
            params["start_time"] = int(since.timestamp())
        paginator = JsonCursorPaginator(RATINGS, params, next_cursor_path=None,
                                        next_url_path="links.next")
        for response in http.paginate(paginator, stream="survey_responses"):
            rows = []
            for record in _guarded(response, _list, response, "satisfaction_ratings"):
                cursor.observe(_guarded(response, record.text, "updated_at", False))
                row = _guarded(response, survey_row, record, options)
                if row is not None:
                    rows.append(row)
            yield page("survey_responses", rows, stream="survey_responses",
                       response=response)
        if cursor.newest is not None:  # the newest answer seen, never after this start
            yield Page("survey_responses", [], stream="survey_responses",
                       cursor=cursor.done())


def _ticket_rows(response: HttpResponse, options: Options) -> list[dict[str, Any]]:
    metrics: dict[str, Record] = {}
    for item in _list(response, "metric_sets", required=False):
        ticket_id = item.ident("ticket_id")
        if ticket_id is not None:
            metrics[ticket_id] = item
    # exclude_deleted=true should keep deleted tickets out; one that slips through is no
    # contact to count.
    return [ticket_row(t, metrics.get(t.ident("id") or ""), options)
            for t in _list(response, "tickets") if t.data.get("status") != "deleted"]


def _list(response: HttpResponse, key: str, required: bool = True) -> list[Record]:
    body = Record(response.json(), "the body")
    return list(body.children(key, required=required))


def _guarded(response: HttpResponse, function: Any, *args: Any) -> Any:
    """``function(*args)``; a field missing or of the wrong type is this page's error."""
    try:
        return function(*args)
    except FieldError as exc:
        raise response.error(str(exc)) from None
