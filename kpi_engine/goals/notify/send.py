"""Deliver a check's alerts through every ``notify:`` route, once per state change.

A route that fails keeps its old state, so the alert is tried again by the next check;
the failure is reported (``DeliveryReport.failures``) without stopping the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .alerts import Alert, alerts_of, is_news
from .email_sender import send_email
from .http_post import DeliveryError, post_json
from .routes import EmailRoute, SlackRoute, routes
from .state import delivered_states, save_states


@dataclass
class DeliveryReport:
    sent: int = 0
    failures: list[str] = field(default_factory=list)  # "route: reason", no secrets


def send_alerts(project, warehouse, result) -> DeliveryReport:
    report = DeliveryReport()
    configured = routes(project)
    if not configured:
        return report
    alerts = alerts_of(result, project.language, project.currency)
    for route in configured:
        states = delivered_states(warehouse, route.name, [a.key for a in alerts])
        news = [a for a in alerts if is_news(a, states.get(a.key))]
        delivered = []
        for alert in news:
            try:
                _deliver(route, alert)
            except DeliveryError as exc:
                report.failures.append(f"{route.name}: {exc}")
                break  # the route is down: the rest waits for the next check
            delivered.append(alert)
        # Unchanged first on-track states are recorded too, so a later change is news.
        quiet = [a for a in alerts if a.key not in states and not is_news(a, None)]
        save_states(warehouse, route.name, delivered + quiet)
        report.sent += len(delivered)
    return report


def _deliver(route, alert: Alert) -> None:
    if isinstance(route, EmailRoute):
        send_email(route, alert.subject, alert.text)
    elif isinstance(route, SlackRoute):
        post_json(route.url.get_secret_value(), {"text": alert.text},
                  timeout=route.timeout, ca_file=route.ca_file)
    else:
        secret = route.secret.get_secret_value() if route.secret else None
        post_json(route.url.get_secret_value(), {"alert": alert.to_dict()},
                  timeout=route.timeout, ca_file=route.ca_file, secret=secret)
