"""The compiled statement's shape: one scan per source, shared aggregates, no injection."""

from __future__ import annotations

from datetime import date

import pytest
import sqlglot
from sqlglot import exp

from kpi_engine.compiler.compiler import compile_request
from kpi_engine.compiler.request import Request
from kpi_engine.errors import CompileError


def tables_read(sql: str) -> list[str]:
    return [t.name for t in sqlglot.parse_one(sql).find_all(exp.Table)
            if t.name in ("orders", "refunds", "sessions")]


def test_one_scan_per_source_and_shared_aggregates(shop_registry):
    sql = compile_request(shop_registry, Request(
        metrics=("gross_sales", "net_sales", "aov", "orders", "web_orders", "max_order"),
        since=date(2024, 1, 1), until=date(2024, 2, 1))).sql
    assert tables_read(sql).count("orders") == 1  # six metrics, filters differ: one scan
    assert tables_read(sql).count("refunds") == 1
    tree = sqlglot.parse_one(sql)
    sums = [s for s in tree.find_all(exp.Sum) if s.this.sql() == "t.subtotal"]
    assert len(sums) == 1  # gross_sales feeds net_sales and aov but is computed once
    # The date range is pushed into the scan's WHERE on the raw column.
    assert "t.created_at >= CAST('2024-01-01 00:00:00' AS TIMESTAMP)" in sql


def test_single_statement(shop_registry):
    sql = compile_request(shop_registry, Request(metrics=("cac", "roas", "aov"))).sql
    assert len(sqlglot.parse(sql)) == 1


def test_request_errors(shop_registry):
    with pytest.raises(CompileError, match="unknown metric 'aovv' \\(did you mean 'aov'\\?\\)"):
        compile_request(shop_registry, Request(metrics=("aovv",)))
    with pytest.raises(CompileError, match="unknown grain"):
        Request(metrics=("aov",), grain="fortnight")
    with pytest.raises(CompileError, match="unsupported dialect 'postgre'"):
        compile_request(shop_registry, Request(metrics=("aov",), dialect="postgre"))
    with pytest.raises(CompileError, match="must be before"):
        Request(metrics=("aov",), since=date(2024, 2, 1), until=date(2024, 1, 1))
    with pytest.raises(CompileError, match="unknown timezone"):
        Request(metrics=("aov",), timezone="Mars/Olympus")
    with pytest.raises(CompileError, match="cumulative"):
        compile_request(shop_registry, Request(metrics=("gross_sales_to_date",), grain="all"))


@pytest.mark.parametrize("where", ["channel = 'x'; DROP TABLE orders",
                                   "channel IN (SELECT customer_id FROM customers)",
                                   "getenv('X') = channel"])
def test_where_filters_cannot_inject(shop_registry, where):
    with pytest.raises(CompileError):
        compile_request(shop_registry, Request(metrics=("orders",), where=(where,)))


def test_where_filter_on_unknown_dimension(shop_registry):
    with pytest.raises(CompileError, match="has no dimension 'country'"):
        compile_request(shop_registry, Request(metrics=("orders",), where=("country = 'VN'",)))
