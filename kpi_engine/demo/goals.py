"""The demo store's goals beside its ``targets`` table: what a kpi.yaml of the store would
say (a relative goal, a slice with its owner), and the scorecard the demo ends with."""

from __future__ import annotations

from datetime import date

# The demo's "today": mid-December of the year it shows, so months, the quarter and the
# year are all in progress.
DEMO_AS_OF = date(2025, 12, 16)

DEMO_TARGETS = (
    # "grow website traffic 50% this year" (the source articles' example)
    {"metric": "sessions", "period": "2025", "change": "+50%", "vs": "2024",
     "owner": "Marketing team"},
    {"metric": "net_sales", "period": "2025-Q4", "value": "72k",
     "slice": "channel = 'website'", "owner": "Web shop team"},
    {"metric": "aov", "period": "2025-Q4", "value": 95, "owner": "Sales team"},
)
