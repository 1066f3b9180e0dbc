"""Golden SQL per dialect: compiled SQL is saved under tests/snapshots/<dialect>/<case>.sql
and compared; ``pytest --overwrite-snapshots`` rewrites them so reviewers see SQL diffs.
Every compiled statement must also parse back with sqlglot in its own dialect."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlglot

from kpi_engine.compiler.compiler import compile_request
from kpi_engine.compiler.dialects import DIALECTS
from kpi_engine.compiler.request import Request
from kpi_engine.errors import CompileError

SNAPSHOTS = Path(__file__).parent / "snapshots"
Q1 = dict(since=date(2024, 1, 1), until=date(2024, 4, 1))

CASES: dict[str, dict] = {
    "sum_count_ratio_by_month": dict(metrics=("gross_sales", "orders", "aov"), grain="month",
                                     **Q1),
    "breakdown_all_grain": dict(metrics=("gross_sales", "aov"), grain="all",
                                dimensions=("channel",)),
    "timezone_week_sunday": dict(metrics=("orders",), grain="week", week_start="sunday",
                                 timezone="Asia/Ho_Chi_Minh", **Q1),
    "per_customer": dict(metrics=("repeat_purchase_rate",), grain="quarter"),
    "cumulative_windows": dict(metrics=("gross_sales_to_date", "gross_sales_2m",
                                        "gross_sales_ytd"), grain="month", **Q1),
    "offsets": dict(metrics=("net_sales_growth", "net_sales_last_year"), grain="month", **Q1),
    "snapshot_and_median": dict(metrics=("inventory_on_hand", "median_session_duration"),
                                grain="day", since=date(2024, 1, 1), until=date(2024, 1, 8)),
    "breakdown_offset_cumulative": dict(metrics=("gross_sales_ytd", "net_sales_prev"),
                                        grain="month", dimensions=("channel",), **Q1),
    "currency_conversion": dict(metrics=("net_sales", "gross_sales_ytd"), grain="month",
                                currency="EUR", **Q1),
    "point_in_time": dict(metrics=("active_issues",), grain="month", **Q1),
    "date_source_sql_source": dict(metrics=("cac", "roas"), grain="year"),
}


def snapshot_text(case: str, dialect: str, sql: str) -> str:
    request = CASES[case]
    header = f"-- case: {case}\n-- dialect: {dialect}\n-- request: " + ", ".join(
        f"{k}={v}" for k, v in request.items()) + "\n"
    return header + sql + "\n"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_sql(shop_registry, overwrite_snapshots, case, dialect):
    try:
        compiled = compile_request(shop_registry, Request(dialect=dialect, **CASES[case]))
    except CompileError as exc:
        # What an engine cannot run is part of the golden record, with the reason.
        sql = f"-- not supported: {exc}"
    else:
        # Parses back in its own dialect: the statement is valid for that engine's grammar.
        parsed = sqlglot.parse_one(compiled.sql, read=dialect)
        assert parsed is not None and parsed.find(sqlglot.exp.Select) is not None
        sql = compiled.sql
    path = SNAPSHOTS / dialect / f"{case}.sql"
    text = snapshot_text(case, dialect, sql)
    if overwrite_snapshots or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not overwrite_snapshots:
            pytest.fail(f"new snapshot written: {path}; review it and run again")
    assert path.read_text(encoding="utf-8") == text, (
        f"compiled SQL changed for {case} in {dialect}; if intended, run "
        "pytest --overwrite-snapshots and review the diff")


def test_only_known_gaps_are_unsupported():
    gaps = {(p.parent.name, p.stem) for p in SNAPSHOTS.glob("*/*.sql")
            if "-- not supported:" in p.read_text(encoding="utf-8")}
    # Medians run everywhere (MySQL and SQLite from row numbers): no gap is left.
    assert gaps == set()


def test_every_snapshot_belongs_to_a_case():
    stale = [p for p in SNAPSHOTS.glob("*/*.sql")
             if p.stem not in CASES or p.parent.name not in DIALECTS]
    assert not stale, f"remove stale snapshots: {stale}"
