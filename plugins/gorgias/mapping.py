"""Gorgias REST API records -> canonical ``tickets`` and ``survey_responses`` rows.

Pure functions. A ticket's first response comes from its messages (the first public
message an agent sent, automatic rule replies left out). docs/connectors/gorgias.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kpi_engine.http.cursors import parse_timestamp
from kpi_engine.sync.json_fields import FieldError, Record

CHANNELS = {
    "email": "email", "internal-note": "email",
    "chat": "chat", "sms": "chat",
    "phone": "phone", "aircall": "phone",
    "contact_form": "web", "help-center": "web", "api": "web",
    "facebook": "social", "facebook-messenger": "social", "facebook-mention": "social",
    "facebook-recommendations": "social", "instagram-comment": "social",
    "instagram-ad-comment": "social", "instagram-mention": "social",
    "instagram-direct-message": "social", "twitter": "social",
    "twitter-direct-message": "social", "whatsapp": "social", "yotpo-review": "social",
}
PRIORITIES = {"low": "low", "normal": "normal", "high": "high", "critical": "urgent"}


@dataclass(frozen=True)
class Options:
    source: str = "gorgias"
    category_tags: tuple[str, ...] = ()
    escalation_tags: tuple[str, ...] = ("escalated",)
    escalation_teams: tuple[str, ...] = ()


def ticket_row(ticket: Record, first_response_at: str | None, options: Options
               ) -> dict[str, Any]:
    status = ticket.text("status")
    if status not in ("open", "closed"):
        raise FieldError(f"{ticket.where}: field 'status' should be open or closed, "
                         f"got {status!r:.40}")
    snoozed = ticket.text("snooze_datetime", required=False)
    channel = ticket.text("channel", required=False)
    priority = ticket.text("priority", required=False)
    tags = [t.text("name") for t in ticket.children("tags", required=False)]
    customer = ticket.child("customer", required=False)
    assignee = ticket.child("assignee_user", required=False)
    team = ticket.child("assignee_team", required=False)
    team_name = team.text("name", required=False) if team else None
    return {
        "ticket_id": ticket.ident("id"),
        "source": options.source,
        "created_at": ticket.text("created_datetime"),
        "channel": CHANNELS.get(channel, channel) if channel else None,
        # Gorgias has open and closed; an open ticket snoozed until a date waits (pending).
        "status": "closed" if status == "closed" else ("pending" if snoozed else "open"),
        "priority": PRIORITIES.get(priority, priority) if priority else None,
        "category": _category(tags, options),
        "requester_id": customer.ident("id", required=False) if customer else None,
        "assignee_id": assignee.ident("id", required=False) if assignee else None,
        "first_response_at": first_response_at,
        "solved_at": ticket.text("closed_datetime", required=False)
        if status == "closed" else None,
        "reopens": None,  # Gorgias does not count reopens on the ticket
        "escalated": bool(set(tags) & set(options.escalation_tags)
                          or (team_name is not None and team_name in options.escalation_teams)),
        "updated_at": ticket.text("updated_datetime", required=False),
    }


def first_response(messages: Iterable[Record]) -> str | None:
    """The time of the first public message an agent sent, not an automatic rule's."""
    first: tuple[Any, str] | None = None
    for message in messages:
        if not message.boolean("from_agent") or message.boolean("public", required=False) \
                is False or message.text("via", required=False) == "rule":
            continue
        sent = message.text("sent_datetime", required=False) \
            or message.text("created_datetime")
        stamp = parse_timestamp(sent)
        if stamp is not None and (first is None or stamp < first[0]):
            first = (stamp, sent)
    return first[1] if first else None


def survey_row(survey: Record, options: Options) -> dict[str, Any] | None:
    """An answered satisfaction survey (1-5), or None for one not answered yet."""
    score = survey.integer("score", required=False)
    if score is None:
        return None
    if not 1 <= score <= 5:
        raise FieldError(f"{survey.where}: field 'score' should be 1 to 5, got {score}")
    return {
        "response_id": survey.ident("id"),
        "source": options.source,
        "responded_at": survey.text("scored_datetime", required=False)
        or survey.text("created_datetime"),
        "kind": "csat",
        "score": float(score),
        "scale_max": 5.0,
        "ticket_id": survey.ident("ticket_id", required=False),
        "customer_id": survey.ident("customer_id", required=False),
    }


def _category(tags: list[str | None], options: Options) -> str | None:
    for tag in tags:
        if tag and (tag in options.category_tags if options.category_tags
                    else tag not in options.escalation_tags):
            return tag
    return None
