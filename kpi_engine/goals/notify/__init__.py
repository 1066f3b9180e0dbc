"""Alerts of `kpi check`: Slack, e-mail and webhooks (see ``routes``)."""
