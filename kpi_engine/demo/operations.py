"""Input tables from the workshop and the project office: production runs, labor shifts,
incidents and project costs. The store prints and sews part of its apparel in-house."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .catalog import Variant
from .timeline import Timeline, money

LINES = ("line_a", "line_b")
WORKERS = {f"w{n:02d}": LINES[n % 2] for n in range(1, 11)}
_SHIFT_START = 8 * 3600  # 08:00
_INCIDENTS = {
    "safety": ("cut from a cutting blade", "slip near the loading bay",
               "missing machine guard"),
    "working_conditions": ("workshop too hot in the afternoon", "overtime above the limit",
                           "poor lighting at a sewing station"),
    "quality": ("wrong print colour on a batch", "seams failing the pull test",
                "labels with the wrong size"),
}
_PROJECTS = (  # id, name, first day, weeks, budget, benefit over budget
    ("prj-web", "Website redesign", 20, 16, 24000, 1.5),
    ("prj-erp", "ERP and marketplace integration", 60, 26, 38000, 1.3),
    ("prj-wh", "South warehouse set-up", 120, 20, 52000, 1.2),
    ("prj-b2b", "B2B ordering portal", 200, 22, 30000, 1.6),
)


def working_days(tl: Timeline) -> list[int]:
    return [i for i in range(tl.days) if tl.day(i).weekday() < 5]


def production_runs(rng: random.Random, tl: Timeline, variants: list[Variant]
                    ) -> list[dict[str, Any]]:
    """One run per line and working day (two shorter ones some days)."""
    made = sorted({v.product_id for v in variants if v.category == "apparel"})
    rows = []
    for i in working_days(tl):
        for line in LINES:
            split = rng.random() < 0.2
            start = tl.at(i, _SHIFT_START)
            for planned in ((210.0, 240.0) if split else (450.0,)):
                ideal = rng.choice((30.0, 40.0, 45.0, 60.0))
                run = round(planned * rng.uniform(0.8, 0.97), 1)  # minus stops
                total = int(run * 60 / ideal * rng.uniform(0.78, 0.96))  # minus slow cycles
                ended = start + timedelta(minutes=planned + rng.uniform(-5, 15))
                rows.append({
                    "run_id": f"run{len(rows) + 1:05d}", "line": line,
                    "product_id": rng.choice(made), "started_at": start,
                    "ended_at": tl.within(ended), "planned_minutes": planned,
                    "run_minutes": run, "ideal_cycle_seconds": ideal, "units_total": total,
                    "units_good": round(total * rng.uniform(0.95, 0.995))})
                start = ended + timedelta(minutes=30)
    return rows


def labor_shifts(rng: random.Random, tl: Timeline) -> list[dict[str, Any]]:
    rows = []
    for i in working_days(tl):
        for worker, team in WORKERS.items():
            absent = rng.random() < 0.04
            worked = 0.0 if absent else round(rng.uniform(7.0, 8.5), 2)
            earned = round(worked * rng.uniform(0.75, 1.0), 2)
            total = round(earned * rng.uniform(45, 60))
            rows.append({
                "shift_id": f"sh{len(rows) + 1:06d}", "date": tl.day(i), "worker_id": worker,
                "team": team, "scheduled_hours": 8.0, "worked_hours": worked,
                "standard_hours_earned": earned, "units_total": total,
                "units_good": round(total * rng.uniform(0.95, 0.995))})
    return rows


def incidents(rng: random.Random, tl: Timeline) -> list[dict[str, Any]]:
    """A few a month, quality issues the most frequent."""
    rows = []
    for i in working_days(tl):
        if rng.random() >= 0.12:
            continue
        kind = rng.choices(list(_INCIDENTS), (3, 2, 5))[0]
        at: datetime = tl.at(i, _SHIFT_START + rng.randrange(9 * 3600))
        rows.append({"incident_id": f"inc{len(rows) + 1:04d}", "occurred_at": at,
                     "kind": kind, "severity": rng.choices(("low", "medium", "high"),
                                                           (6, 3, 1))[0],
                     "line": rng.choice(LINES + ("warehouse",)),
                     "description": rng.choice(_INCIDENTS[kind])})
    return rows


def project_costs(rng: random.Random, tl: Timeline) -> list[dict[str, Any]]:
    """Weekly earned-value bookings for each year's projects (the same portfolio starts
    again every year of the window); gains are booked over the weeks after go-live."""
    rows = []
    yearly = [(f"{pid}-{year + 1}", name, first + 365 * year, weeks, budget, benefit)
              for year in range(max(1, -(-tl.days // 365)))
              for pid, name, first, weeks, budget, benefit in _PROJECTS]
    for project_id, name, first, weeks, budget, benefit in yearly:
        if first >= tl.days:
            continue
        cpi = rng.uniform(0.85, 1.08)  # some projects overrun their costs
        spi = rng.uniform(0.88, 1.02)
        weekly = budget * 0.95 / weeks  # 5% contingency
        hours = weekly / 45  # an internal rate of 45 per hour
        payback = 12
        for w in range(weeks + payback):
            i = first + 7 * w
            if i >= tl.days:
                break
            running = w < weeks
            earned = weekly * spi * rng.uniform(0.8, 1.2) if running else 0.0
            rows.append({
                "project_id": project_id, "project_name": name, "date": tl.day(i),
                "budget": money(budget) if w == 0 else Decimal(0),
                "planned_cost": money(weekly if running else 0),
                "earned_value": money(earned),
                "actual_cost": money(earned / cpi * rng.uniform(0.9, 1.1)),
                "estimated_hours": round(hours, 1) if running else 0.0,
                "actual_hours": round(hours / cpi * rng.uniform(0.85, 1.2), 1)
                if running else 0.0,
                "gain": Decimal(0) if running
                else money(budget * benefit / payback * rng.uniform(0.8, 1.2))})
    rows.sort(key=lambda r: (r["date"], r["project_id"]))
    return rows
