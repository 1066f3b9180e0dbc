"""A small project for the report and server tests: the hand-made shop (tests/shop_data)
in a DuckDB file, its specs plus two metrics of the report's own (a lower-is-better rate
whose label needs escaping, and a count meant to be read by channel), and targets in
kpi.yaml chosen around the real values so that all three statuses appear."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import SHOP_SPECS

PERIOD = "2024-03"
SINCE, UNTIL = "2024-03-01", "2024-04-01"
# Written by a user: the page must show it as text, never run it.
HOSTILE_LABEL = "<img src=x onerror=alert(1)> Discounts & \"rate\""
REPORT_SPEC = {
    "metrics": [
        {"name": "discount_rate", "type": "ratio", "numerator": "discounts",
         "denominator": "gross_sales", "unit": "percent", "direction": "lower_is_better",
         "domain": "sales",
         "label": {"en": HOSTILE_LABEL, "vi": "Tỷ lệ chiết khấu", "fa": "نرخ تخفیف",
                   "ms": "Kadar diskaun"}},
        {"name": "kept_sales", "type": "derived", "expr": "gross_sales - discounts",
         "unit": "currency", "domain": "sales", "label": {"en": "Kept sales"},
         "drivers": {"relation": "sum", "metrics": ["gross_sales", "-discounts"]}},
        {"name": "channel_orders", "type": "count", "source": "orders", "unit": "count",
         "domain": "sales", "meta": {"breakdown": ["channel"]},
         "label": {"en": "Orders by channel"}},
    ],
}
# Target = value x factor: net sales met (on track), orders 5% short (at risk), the
# lower-is-better discount rate at twice its target (off track).
TARGET_FACTORS = {"net_sales": 0.8, "orders": 1 / 0.95, "discount_rate": 0.5}


@pytest.fixture(scope="session", name="report_project")
def report_project_fixture(tmp_path_factory) -> Path:
    """One project per test session (per xdist worker) for the report, API and browser
    tests."""
    return make_project(tmp_path_factory.mktemp("report-project"))


def make_project(root: Path) -> Path:
    """The project folder (kpi.yaml inside); the store is loaded once."""
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    from .shop_data import load_shop

    root.mkdir(parents=True, exist_ok=True)
    specs = root / "specs"
    specs.mkdir(exist_ok=True)
    shutil.copy(SHOP_SPECS / "shop.yaml", specs / "shop.yaml")
    (specs / "report.yaml").write_text(yaml.safe_dump(REPORT_SPEC, allow_unicode=True),
                                       encoding="utf-8")
    db = root / "shop.duckdb"
    wh = DuckDBWarehouse(f"duckdb:///{db}")
    try:
        load_shop(wh)
        add_february(wh)
    finally:
        wh.close()
    project = {"warehouse": f"duckdb:///{db}", "specs": ["specs"], "packs": [],
               "scorecards": {"shop": ["net_sales", "orders", "discount_rate", "aov",
                                       "channel_orders", "conversion_rate"]}}
    (root / "kpi.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    values = eval_json(root, list(TARGET_FACTORS))[0]
    project["targets"] = [{"metric": m, "period": PERIOD, "value": values[m] * f}
                          for m, f in TARGET_FACTORS.items()]
    (root / "kpi.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    return root


def add_february(wh) -> None:
    """Three February orders, so March has a previous month: more orders then (orders
    fell: bad), a higher discount rate (it fell: good for a lower-is-better KPI)."""
    from datetime import datetime
    from decimal import Decimal as D

    from kpi_engine.schema import TABLES

    rows = [("shop", oid, ch, cust, datetime(2024, 2, day, 12), sub, disc, D("0"), D("0"),
             sub - disc, "paid", False, None, None)
            for oid, ch, cust, day, sub, disc in [("f1", "web", "c6", 10, D("40"), D("8")),
                                                  ("f2", "web", "c7", 11, D("10"), D("0")),
                                                  ("f3", "fb", "c8", 12, D("10"), D("0"))]]
    with wh.transaction():
        wh.merge(TABLES["orders"], ["source", "order_id", "channel", "customer_id",
                                    "created_at", "subtotal", "discounts", "shipping", "tax",
                                    "total", "status", "is_test", "utm_source", "currency"],
                 rows)


def eval_json(root: Path, metrics: list[str], *extra: str) -> list[dict]:
    """What ``kpi eval --format json`` prints for ``metrics`` in the reported month."""
    import json

    from click.testing import CliRunner

    from kpi_engine.cli import build_cli

    result = CliRunner().invoke(build_cli(), [
        "--project", str(root / "kpi.yaml"), "eval", *metrics, "--grain", "month",
        "--since", SINCE, "--until", UNTIL, "--format", "json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def expected_status(value: float, target: float, direction: str) -> str:
    """The documented thresholds (docs/goals.md): attainment 1.0 on track, 0.9 at risk."""
    attained = target / value if direction == "lower_is_better" else value / target
    return "on_track" if attained >= 1 - 1e-9 else "at_risk" if attained >= 0.9 else \
        "off_track"
