"""A tiny store for goal tests, small enough to work every number by hand.

Table ``daily`` (one row per day and channel):

* 2025: web sells 100 and app 50 a day (150), with 10 + 5 returned; 12 visits a day
  (web 8, app 4).
* 2024: 200 a day (web only) from 1 January to 14 February (45 days: 9,000), then one
  6,000 day on 1 March: the first quarter made 15,000, 60% of it in its first 45 days.
  10 visits a day all year (3,660 in the leap year).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import yaml

from kpi_engine.schema import Column, Table

DAILY = Table("daily", "day x channel", ("day", "channel"), (
    Column("day", "date"), Column("channel", "string"), Column("revenue", "decimal"),
    Column("returns", "decimal"), Column("visits", "integer")))

SPECS = """
sources:
  - name: daily
    table: daily
    time: day
    time_type: date
    dimensions: [channel]
metrics:
  - name: revenue
    type: sum
    source: daily
    expr: revenue
    unit: currency
    label: {en: Revenue, vi: Doanh thu}
  - name: returned
    type: sum
    source: daily
    expr: returns
    hidden: true
  - name: return_rate
    type: ratio
    numerator: returned
    denominator: revenue
    unit: percent
    direction: lower_is_better
  - name: visits
    type: sum
    source: daily
    expr: visits
    unit: count
"""


def rows(until: date = date(2025, 4, 1)) -> list[tuple]:
    out = []
    day = date(2024, 1, 1)
    while day < date(2025, 1, 1):
        revenue = D(200) if day < date(2024, 2, 15) else D(6000) if day == date(2024, 3, 1) \
            else D(0)
        out.append((day, "web", revenue, D(0), 10))
        day += timedelta(days=1)
    while day < until:
        out.append((day, "web", D(100), D(10), 8))
        out.append((day, "app", D(50), D(5), 4))
        day += timedelta(days=1)
    return out


def load(warehouse, extra: list[tuple] = ()) -> None:
    """Create ``daily`` through the warehouse abstraction and load the rows."""
    warehouse.ensure_table(DAILY)
    data = {(r[0], r[1]): r for r in rows()}
    for r in extra:  # replaces the day's row of that channel
        data[r[0], r[1]] = r
    with warehouse.transaction():
        warehouse.merge(DAILY, DAILY.column_names, list(data.values()))


def write_project(root: Path, warehouse_url: str, **settings) -> Path:
    """kpi.yaml (with ``settings``: targets, scorecards, goals, notify, language) and
    specs/store.yaml in ``root``; the catalog is not loaded (``packs: []``)."""
    (root / "specs").mkdir(exist_ok=True)
    (root / "specs" / "store.yaml").write_text(SPECS, encoding="utf-8")
    project = {"warehouse": warehouse_url, "specs": ["specs"], "packs": [], **settings}
    path = root / "kpi.yaml"
    path.write_text(yaml.safe_dump(project, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    return path
