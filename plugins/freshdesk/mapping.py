"""Freshdesk API v2 records -> canonical ``tickets`` and ``survey_responses`` rows.

Pure functions. Tickets come from ``/api/v2/tickets?include=stats`` (the ``stats`` object
holds the first response, resolution and reopen times); ratings from
``/api/v2/surveys/satisfaction_ratings``. docs/connectors/freshdesk.md explains each choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kpi_engine.sync.json_fields import FieldError, Record

# Freshdesk's numeric codes, as its API reference lists them.
SOURCES = {1: "email", 2: "web", 3: "phone", 4: "web", 5: "social", 6: "social",
           7: "chat", 8: "web", 9: "web", 10: "email", 13: "social"}
STATUSES = {2: "open", 3: "pending", 4: "solved", 5: "closed"}  # 6+: custom, unsolved
PRIORITIES = {1: "low", 2: "normal", 3: "high", 4: "urgent"}
# Satisfaction answers on Freshdesk's 7-point scale (a 2-, 3- or 5-point survey uses a
# subset): position 1..7, so "very" and "extremely happy" are the satisfied ones.
RATINGS = {-103: 1, -102: 2, -101: 3, 100: 4, 101: 5, 102: 6, 103: 7}


@dataclass(frozen=True)
class Options:
    source: str = "freshdesk"
    escalation_tags: tuple[str, ...] = ("escalated",)


def ticket_row(ticket: Record, options: Options) -> dict[str, Any]:
    status = ticket.integer("status")
    stats = ticket.child("stats", required=False)
    canonical = STATUSES.get(status, "pending")
    solved = canonical in ("solved", "closed")
    tags = [t for t in ticket.values("tags", required=False) if isinstance(t, str)]
    source = ticket.integer("source", required=False)
    priority = ticket.integer("priority", required=False)
    return {
        "ticket_id": ticket.ident("id"),
        "source": options.source,
        "created_at": ticket.text("created_at"),
        "channel": SOURCES.get(source) if source is not None else None,
        "status": canonical,
        "priority": PRIORITIES.get(priority) if priority is not None else None,
        "category": ticket.text("type", required=False),
        "requester_id": ticket.ident("requester_id", required=False),
        "assignee_id": ticket.ident("responder_id", required=False),
        "first_response_at": stats.text("first_responded_at", required=False)
        if stats else None,
        "solved_at": (stats.text("resolved_at", required=False)
                      or stats.text("closed_at", required=False)) if stats and solved
        else None,
        # Freshdesk keeps only the last reopen time: 1 means "reopened at least once".
        "reopens": (1 if stats.text("reopened_at", required=False) else 0) if stats
        else None,
        "escalated": bool(ticket.boolean("is_escalated", required=False)
                          or set(tags) & set(options.escalation_tags)),
        "updated_at": ticket.text("updated_at", required=False),
    }


def survey_row(rating: Record, options: Options) -> dict[str, Any] | None:
    """The answer to the survey's main question, or None when it has none."""
    ratings = rating.child("ratings")
    value = ratings.data.get("default_question")
    if value is None:
        return None
    if isinstance(value, bool) or value not in RATINGS:
        raise FieldError(f"{ratings.where}: field 'default_question' should be one of "
                         f"Freshdesk's rating values (-103..103), got {value!r:.40}")
    return {
        "response_id": rating.ident("id"),
        "source": options.source,
        "responded_at": rating.text("created_at"),
        "kind": "csat",
        "score": float(RATINGS[value]),
        "scale_max": 7.0,
        "ticket_id": rating.ident("ticket_id", required=False),
        "customer_id": rating.ident("user_id", required=False),
    }
