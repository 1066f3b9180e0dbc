"""The compile cache: a request compiled before against the same registry is served as the
same SQL text, and every input that decides the SQL is in the key, so that changing any of
them compiles afresh (and gives what compiling it directly gives)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date

import pytest

from kpi_engine.cache_files import trim
from kpi_engine.compile_cache import cached_sql, code_stamp, compile_key
from kpi_engine.compiler.compiler import compile_request
from kpi_engine.compiler.request import Request
from kpi_engine.errors import CompileError
from kpi_engine.registry import load_registry
from kpi_engine.registry_cache import cached_load_registry

SPEC = """
sources:
  - name: cc_orders
    table: orders
    time: created_at
    dimensions: [{name: channel}, {name: source}, {name: currency}]
metrics:
  - {name: cc_revenue, type: sum, source: cc_orders, expr: subtotal, unit: currency}
  - {name: cc_orders_count, type: count, source: cc_orders}
"""

BASE = Request(metrics=("cc_revenue",))
# One change of each field of a request (project settings among them: timezone, week
# start, schema and currency come from kpi.yaml); each changes the SQL.
VARIANTS = {
    "metrics": replace(BASE, metrics=("cc_orders_count",)),
    "dimensions": replace(BASE, dimensions=("channel",)),
    "where": replace(BASE, where=("channel = 'web'",)),
    "grain": replace(BASE, grain="day"),
    "since": replace(BASE, since=date(2025, 1, 1)),
    "until": replace(BASE, until=date(2025, 6, 1)),
    "dialect": replace(BASE, dialect="mysql"),
    "timezone": replace(BASE, timezone="Asia/Ho_Chi_Minh"),
    "week_start": replace(BASE, grain="week", week_start="sunday"),
    "schema": replace(BASE, schema="shop"),
    "currency": replace(BASE, currency="EUR"),
    "compare": replace(BASE, compare=(1, "month")),
}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("KPI_ENGINE_CACHE_DIR", str(folder))
    monkeypatch.delenv("KPI_ENGINE_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def specs(tmp_path):
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "cc.yaml").write_text(SPEC)
    return folder


def load(specs):
    return cached_load_registry([specs], include_packs=False)


def compiled(registry, request, calls: list | None = None) -> str:
    def compile_sql() -> str:
        if calls is not None:
            calls.append(request)
        return compile_request(registry, request).sql

    return cached_sql(registry, request, compile_sql)


def entries(cache):
    folder = cache / "compiled"
    return sorted(folder.glob("sql-*")) if folder.exists() else []


def test_a_repeated_request_is_served_from_the_cache(cache, specs):
    calls: list = []
    first = compiled(load(specs), BASE, calls)
    assert len(calls) == 1 and len(entries(cache)) == 1
    registry = load(specs)  # another process: the registry from its cache
    assert registry.cache_token is not None
    assert compiled(registry, BASE, calls) == first == compile_request(registry, BASE).sql
    assert len(calls) == 1  # not compiled again


@pytest.mark.parametrize("field", sorted(VARIANTS))
def test_each_request_field_is_in_the_key(cache, specs, field):
    registry = load(specs)
    base_sql = compiled(registry, BASE)
    variant = VARIANTS[field]
    calls: list = []
    sql = compiled(registry, variant, calls)
    assert calls == [variant]  # compiled afresh, not served the base request's SQL
    assert sql == compile_request(registry, variant).sql != base_sql
    assert compiled(registry, variant, calls) == sql and len(calls) == 1


def test_an_edited_spec_compiles_afresh(cache, specs):
    before = compiled(load(specs), BASE)
    (specs / "cc.yaml").write_text(SPEC.replace("expr: subtotal", "expr: subtotal * 2"))
    calls: list = []
    registry = load(specs)
    after = compiled(registry, BASE, calls)
    assert calls == [BASE] and after != before and "2" in after
    assert after == compile_request(registry, BASE).sql


def test_an_added_spec_file_compiles_afresh(cache, specs):
    token = load(specs).cache_token
    (specs / "more.yaml").write_text(
        "metrics:\n  - {name: cc_max_order, type: max, source: cc_orders, expr: subtotal}\n")
    assert load(specs).cache_token != token


def test_code_today_and_zone_files_are_in_the_key(tmp_path):
    token = "t" * 32
    key = compile_key(token, BASE, today=date(2026, 1, 1))
    assert compile_key(token, BASE, today=date(2026, 1, 1)) == key
    assert compile_key(token, BASE, today=date(2027, 1, 1)) != key  # offsets up to next year
    assert compile_key("u" * 32, BASE, today=date(2026, 1, 1)) != key
    zoned = replace(BASE, timezone="Europe/Berlin")
    assert compile_key(token, zoned) != compile_key(token, BASE)
    code = tmp_path / "code"
    code.mkdir()
    (code / "compiler.py").write_text("x = 1\n")
    stamp = code_stamp((code,))
    (code / "compiler.py").write_text("x = 12\n")  # an edited module (editable install)
    assert code_stamp((code,)) != stamp
    from kpi_engine import compile_cache

    assert any(s.startswith("compiler/compiler.py:") for s in compile_cache.code_stamp())


def test_errors_and_uncached_registries_are_not_cached(cache, specs):
    registry = load(specs)
    with pytest.raises(CompileError):
        compiled(registry, Request(metrics=("no_such_metric",)))
    assert entries(cache) == []
    plain = load_registry([specs], include_packs=False)  # not through the registry cache
    assert plain.cache_token is None
    calls: list = []
    compiled(plain, BASE, calls)
    compiled(plain, BASE, calls)
    assert len(calls) == 2 and entries(cache) == []


def test_no_cache_turns_it_off(cache, specs, monkeypatch):
    registry = load(specs)
    monkeypatch.setenv("KPI_ENGINE_NO_CACHE", "1")
    calls: list = []
    compiled(registry, BASE, calls)
    compiled(registry, BASE, calls)
    assert len(calls) == 2 and entries(cache) == []


def test_trim_keeps_the_most_recently_used(tmp_path):
    for i in range(5):
        entry = tmp_path / f"sql-{i}.sql"
        entry.write_text(str(i))
        os.utime(entry, ns=(i * 10**9, i * 10**9))
    os.utime(tmp_path / "sql-0.sql")  # used now
    (tmp_path / "other.txt").write_text("not an entry")
    trim(tmp_path, keep=3, prefix="sql-")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "other.txt", "sql-0.sql", "sql-3.sql", "sql-4.sql"]
