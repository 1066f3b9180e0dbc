"""Zendesk Support API records -> canonical ``tickets`` and ``survey_responses`` rows.

Pure functions. A ticket comes from the incremental cursor export with its ticket metric
set sideloaded (``include=metric_sets``); a satisfaction rating from
``/api/v2/satisfaction_ratings``. docs/connectors/zendesk.md gives the reasoning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kpi_engine.http.cursors import iso, parse_timestamp
from kpi_engine.sync.json_fields import FieldError, Record

# via.channel -> canonical channel (email, phone, chat, web, social); others kept as sent.
CHANNELS = {
    "email": "email", "mail": "email",
    "web": "web", "web_form": "web", "web_widget": "web", "help_center": "web",
    "api": "web", "mobile": "web", "mobile_sdk": "web", "web_service": "web",
    "chat": "chat", "chat_transcript": "chat", "native_messaging": "chat",
    "messaging": "chat", "sunshine_conversations_api": "chat",
    "voice": "phone", "phone": "phone", "phone_call_inbound": "phone",
    "phone_call_outbound": "phone", "voicemail": "phone", "sms": "phone",
    "facebook": "social", "twitter": "social", "instagram_dm": "social",
    "whatsapp": "social", "line": "social", "wechat": "social", "telegram": "social",
    "any_channel": "social", "google_business_messages": "social",
}
STATUSES = {"new", "open", "pending", "hold", "solved", "closed"}
SOLVED = {"solved", "closed"}
# Satisfaction scores that are an answer (offered/unoffered are not); good = 1 of 1.
SCORES = {"good": 1.0, "bad": 0.0}


@dataclass(frozen=True)
class Options:
    source: str = "zendesk"
    category_field_id: int | None = None  # a custom field holding the contact's reason
    escalation_tags: tuple[str, ...] = ("escalated",)


def ticket_row(ticket: Record, metrics: Record | None, options: Options) -> dict[str, Any]:
    created = ticket.text("created_at")
    status = ticket.text("status")
    if status not in STATUSES:
        raise FieldError(f"{ticket.where}: field 'status' is not a Zendesk status: {status!r}")
    via = ticket.child("via", required=False)
    channel = via.text("channel", required=False) if via else None
    tags = [t for t in ticket.values("tags", required=False) if isinstance(t, str)]
    groups = metrics.integer("group_stations", required=False) if metrics else None
    return {
        "ticket_id": ticket.ident("id"),
        "source": options.source,
        "created_at": created,
        "channel": CHANNELS.get(channel, channel) if channel else None,
        "status": status,
        "priority": ticket.text("priority", required=False),
        "category": _category(ticket, options),
        "requester_id": ticket.ident("requester_id", required=False),
        "assignee_id": ticket.ident("assignee_id", required=False),
        "first_response_at": _after(created, _minutes(metrics, "reply_time_in_minutes")),
        # The metric set keeps the last solve even after a reopen: only a ticket solved
        # now has a solve time.
        "solved_at": metrics.text("solved_at", required=False)
        if metrics and status in SOLVED else None,
        "reopens": metrics.integer("reopens", required=False) if metrics else None,
        # Passed to a second group, or tagged as escalated by a trigger or an agent.
        "escalated": bool((groups or 0) > 1 or set(tags) & set(options.escalation_tags)),
        "updated_at": ticket.text("updated_at", required=False),
    }


def survey_row(rating: Record, options: Options) -> dict[str, Any] | None:
    """A satisfaction answer, or None for a survey offered but not answered."""
    score = rating.text("score")
    if score not in SCORES:
        return None
    return {
        "response_id": rating.ident("id"),
        "source": options.source,
        "responded_at": rating.text("updated_at", required=False)
        or rating.text("created_at"),
        "kind": "csat",
        "score": SCORES[score],
        "scale_max": 1.0,
        "ticket_id": rating.ident("ticket_id", required=False),
        "customer_id": rating.ident("requester_id", required=False),
    }


def _category(ticket: Record, options: Options) -> str | None:
    if options.category_field_id is not None:
        for field in ticket.children("custom_fields", required=False):
            if field.data.get("id") == options.category_field_id:
                value = field.data.get("value")
                return str(value) if value not in (None, "", []) else None
        return None
    return ticket.text("type", required=False)  # question, incident, problem, task


def _minutes(metrics: Record | None, key: str) -> int | None:
    """A metric's calendar minutes (``{"calendar": 30, "business": 20}``)."""
    if metrics is None:
        return None
    value = metrics.child(key, required=False)
    return value.integer("calendar", required=False) if value else None


def _after(start: str | None, minutes: int | None) -> str | None:
    stamp: datetime | None = parse_timestamp(start)
    if stamp is None or minutes is None:
        return None
    return iso(stamp + timedelta(minutes=minutes))
