"""Escalations seen in Zendesk's incremental ticket event export.

A ticket is escalated when an update raised its priority (low < normal < high < urgent)
or moved it from one group to another (a group set where none was is its first
assignment, not an escalation). The export (``/api/v2/incremental/ticket_events.json``,
time-based: ``start_time``, then ``next_page`` until ``end_of_stream``) lists each update
with its field changes as ``child_events``.

Why a saved set: the canonical ``tickets`` row is written whole on every sync, and a
ticket re-exported after a later, unrelated update would lose an escalation seen in an
earlier sync's events. So the ids of escalated tickets are kept in this stream's saved
state until the ticket is closed (a closed ticket cannot change again).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kpi_engine.errors import SyncError
from kpi_engine.http import HttpResponse, Request
from kpi_engine.sync.json_fields import Record

EVENTS = "api/v2/incremental/ticket_events.json"
PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
# Saved ids are bounded: an account with more open escalated tickets than this is
# reported rather than growing the state without end.
MAX_SAVED = 200_000


@dataclass
class EventsPaginator:
    """``start_time`` first, then the body's ``next_page`` until ``end_of_stream``."""

    start_time: int = 0

    def first(self) -> Request:
        return Request("GET", EVENTS, {"start_time": self.start_time})

    def next(self, request: Request, response: HttpResponse) -> Request | None:
        if response.get("end_of_stream", bool):
            return None
        url = response.get("next_page", str, required=False)
        return Request("GET", url) if url else None


@dataclass
class EscalationState:
    """Where the next event read starts, and the open tickets known to be escalated."""

    start_time: int = 0
    escalated: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, saved: str | None, start_time: int) -> EscalationState:
        if not saved:
            return cls(start_time)
        try:
            data = json.loads(saved)
            return cls(int(data["start_time"]), {str(i) for i in data["escalated"]})
        except (ValueError, KeyError, TypeError):
            raise SyncError(f"zendesk: the saved ticket_events state is not understood: "
                            f"{saved[:60]!r}; run with --full-refresh") from None

    def dump(self) -> str:
        if len(self.escalated) > MAX_SAVED:
            raise SyncError(f"zendesk: more than {MAX_SAVED} open escalated tickets to "
                            "remember; set escalation_events: false")
        return json.dumps({"start_time": self.start_time,
                           "escalated": sorted(self.escalated, key=_numeric)})

    def forget_closed(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            if row["status"] == "closed":
                self.escalated.discard(row["ticket_id"])


def escalated_ticket_ids(events: Iterable[Record]) -> set[str]:
    """Ids of tickets whose priority rose or whose group changed, in these events."""
    found: set[str] = set()
    for event in events:
        ticket_id = event.ident("ticket_id")
        for child in event.children("child_events", required=False):
            if ticket_id is not None and _raises(child.data):
                found.add(ticket_id)
    return found


def _raises(change: dict[str, Any]) -> bool:
    name = change.get("field_name")
    if name is None:  # the older shape: the changed field's own key holds the new value
        name = "priority" if "priority" in change else \
            "group_id" if "group_id" in change else None
    if name not in ("priority", "group_id") or "previous_value" not in change:
        return False
    before = change.get("previous_value")
    after = change.get("value", change.get(name))
    if name == "priority":
        return PRIORITY_RANK.get(str(after), -1) > PRIORITY_RANK.get(str(before), 99)
    return before not in (None, "") and after not in (None, "") and str(before) != str(after)


def _numeric(ident: str) -> tuple[int, str]:
    return (int(ident), "") if ident.isdigit() else (0, ident)
