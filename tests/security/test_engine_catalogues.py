"""Every table function and system catalogue each engine has, listed by the engine itself,
is refused by the spec gate (issue 12, item 1).

The lists come from the running engines (DuckDB's duckdb_functions()/duckdb_views(),
SQLite's pragma lists, PostgreSQL's pg_proc/pg_class, MariaDB's information_schema and
help tables), so a new engine release with a new file reader or catalogue view is covered
without anyone remembering to add it.
"""

from __future__ import annotations

import re

import pytest

from kpi_engine.specs.expressions import UnsafeExpression, parse_expression, parse_query
from kpi_engine.specs.sql_allowlist import readable_tables, table_problem

TABLES = readable_tables([])
# Words that mark a function reaching outside its arguments (files, settings, the session,
# other statements, time spent, randomness).
OUTSIDE = re.compile(r"read|file|glob|query|setting|env|sleep|^lo_|^pg_|load|import|export|"
                     r"exec|rand|user|version|database|schema|session|secret|variable|lock|"
                     r"nextval|setval|currval|sequence|xml|dblink|backend|stat|txid|"
                     r"extension|attach|copy|sqlite_|duckdb_|pragma")


def refused_as_table(name: str, dialect: str, qualifier: str = "") -> bool:
    sql = f"SELECT * FROM {qualifier}{name}"
    try:
        parse_query(sql, dialect, tables=TABLES)
    except UnsafeExpression:
        return True
    return False


def refused_as_table_function(name: str, dialect: str) -> bool:
    try:
        parse_query(f"SELECT * FROM {name}('/etc/passwd')", dialect, tables=TABLES)
    except UnsafeExpression:
        return True
    return False


def accepted_scalars(names, dialect: str) -> list[str]:
    accepted = []
    for name in names:
        for args in ("(x)", "('/etc/passwd')", "(x, 'a')", "()"):
            try:
                parse_expression(f"{name}{args}", dialect, allow_aggregates=True)
            except UnsafeExpression:
                continue
            accepted.append(name)
            break
    return accepted


def plain(names) -> list[str]:
    return sorted({n for n in names if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n)})


# -- DuckDB ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def duck():
    import duckdb

    con = duckdb.connect()
    yield con
    con.close()


def test_duckdb_table_functions_are_refused(duck):
    names = plain(r[0] for r in duck.execute(
        "SELECT function_name FROM duckdb_functions() "
        "WHERE function_type IN ('table', 'table_macro')").fetchall())
    assert {"read_csv_auto", "glob", "query", "sniff_csv", "duckdb_settings"} <= set(names)
    assert [n for n in names if not refused_as_table_function(n, "duckdb")] == []
    assert accepted_scalars(names, "duckdb") == []


def test_duckdb_scalar_functions_the_gate_accepts_stay_inside(duck):
    names = plain(r[0] for r in duck.execute(
        "SELECT function_name FROM duckdb_functions() "
        "WHERE function_type IN ('scalar', 'aggregate', 'macro')").fetchall())
    accepted = accepted_scalars(names, "duckdb")
    assert "lower" in accepted and "current_setting" in names
    assert [n for n in accepted if OUTSIDE.search(n)] == []


def test_duckdb_catalogue_views_are_refused(duck):
    views = duck.execute("SELECT schema_name, view_name FROM duckdb_views() "
                         "WHERE internal").fetchall()
    assert len(views) > 30
    for schema, view in views:
        assert refused_as_table(view, "duckdb", f"{schema}."), (schema, view)
        if schema in ("main", "pg_catalog"):  # found without a qualifier
            assert refused_as_table(view, "duckdb"), view
            assert table_problem(view) is not None, view


# -- SQLite ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lite():
    import sqlite3

    con = sqlite3.connect(":memory:")
    yield con
    con.close()


def test_sqlite_virtual_tables_pragmas_and_schema_tables_are_refused(lite):
    modules = plain(r[0] for r in lite.execute("SELECT name FROM pragma_module_list"))
    pragmas = plain("pragma_" + r[0] for r in lite.execute(
        "SELECT name FROM pragma_pragma_list"))
    assert "json_each" in modules and "pragma_table_info" in pragmas
    for name in modules + pragmas:
        assert refused_as_table_function(name, "sqlite"), name
    for name in pragmas + ["sqlite_master", "sqlite_schema", "sqlite_temp_master",
                           "sqlite_temp_schema", "sqlite_sequence", "sqlite_stat1"]:
        assert refused_as_table(name, "sqlite"), name
        assert table_problem(name) is not None, name


def test_sqlite_functions_the_gate_accepts_stay_inside(lite):
    names = plain(r[0] for r in lite.execute("SELECT name FROM pragma_function_list"))
    accepted = accepted_scalars(names, "sqlite")
    assert "load_extension" in names and "coalesce" in accepted
    assert [n for n in accepted if OUTSIDE.search(n)] == []


# -- PostgreSQL --------------------------------------------------------------------------
def test_postgres_catalogue_and_set_returning_functions_are_refused(warehouse_factory):
    wh = warehouse_factory("postgresql")
    relations = wh.query(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname IN ('pg_catalog', 'information_schema') "
        "AND c.relkind IN ('r', 'v', 'm', 'f', 'p')").rows
    assert ("pg_catalog", "pg_authid") in relations
    for schema, name in relations:
        assert refused_as_table(name, "postgres", f"{schema}."), (schema, name)
        if schema == "pg_catalog":  # always on the search path, found unqualified
            assert refused_as_table(name, "postgres"), name
            assert table_problem(name) is not None, name
    set_returning = plain(r[0] for r in wh.query(
        "SELECT DISTINCT proname FROM pg_proc WHERE proretset").rows)
    assert "pg_ls_dir" in set_returning
    assert [n for n in set_returning if not refused_as_table_function(n, "postgres")] == []
    assert accepted_scalars(set_returning, "postgres") == []


def test_postgres_functions_that_write_or_reach_outside_are_refused(warehouse_factory):
    wh = warehouse_factory("postgresql")
    volatile = plain(r[0] for r in wh.query(
        "SELECT DISTINCT proname FROM pg_proc WHERE provolatile = 'v' "
        "OR proname LIKE 'pg\\_%' OR proname LIKE 'lo\\_%' OR proname LIKE '%xml%'").rows)
    assert {"lo_create", "pg_read_file", "query_to_xml", "set_config"} <= set(volatile)
    assert accepted_scalars(volatile, "postgres") == []


# -- MariaDB -----------------------------------------------------------------------------
def test_mariadb_system_schemas_are_refused(warehouse_factory):
    wh = warehouse_factory("mariadb")
    tables = wh.query(
        "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA "
        "IN ('mysql', 'information_schema', 'performance_schema', 'sys')").rows
    assert ("mysql", "user") in tables
    for schema, name in tables:
        assert refused_as_table(f"`{name}`", "mysql", f"{schema}."), (schema, name)


def test_mariadb_functions_the_gate_accepts_stay_inside(warehouse_factory):
    wh = warehouse_factory("mariadb")
    topics = [r[0].replace("\\_", "_") for r in wh.query(
        "SELECT name FROM mysql.help_topic").rows]
    names = plain(topics)
    if len(names) < 100:  # help tables not installed: the functions the issue names
        names = ["LOAD_FILE", "SLEEP", "BENCHMARK", "USER", "DATABASE", "VERSION", "GET_LOCK"]
    accepted = accepted_scalars(names, "mysql")
    assert "LOAD_FILE" in names and "LOAD_FILE" not in accepted
    assert [n for n in accepted if OUTSIDE.search(n.lower())] == []
