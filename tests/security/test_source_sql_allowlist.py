"""Attack corpus for the SQL a spec may contain (issue 12, item 1).

A source's ``sql:`` and ``table:``, metric expressions, filters and ``--where`` pass ONE
allow list (kpi_engine/specs/sql_allowlist.py). Every attack below was, or is a neighbour
of, one that read files or system catalogues before; each must be refused by validation
with exactly one line naming FILE:LINE:COL and the offending function or table.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import sqlglot

from kpi_engine.compiler.compiler import Compiler
from kpi_engine.compiler.request import Request
from kpi_engine.errors import CompileError, SpecErrors
from kpi_engine.registry import load_registry
from kpi_engine.specs.expressions import UnsafeExpression, parse_expression, parse_query
from kpi_engine.specs.sql_allowlist import readable_tables

ROOT = Path(__file__).resolve().parents[2]
TABLES = readable_tables([])


def spec_errors(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "attack.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(SpecErrors) as info:
        load_registry([tmp_path], include_packs=False)
    return [str(e) for e in info.value.errors]


def yaml_quote(sql: str) -> str:
    return "'" + sql.replace("'", "''") + "'"


def sql_source(sql: str, dialect: str = "duckdb") -> str:
    # A JSON string is a YAML double-quoted scalar: '\x01' arrives as in the issue's spec.
    return (f"dialect: {dialect}\nsources:\n  - name: evil\n    time: ts\n"
            f"    sql: {json.dumps(sql)}\n")


# (dialect, sql, what the one error line must name) -- the cases of issue 12, verbatim
# where the issue gives them.
ISSUE_SQL = [
    ("duckdb", "SELECT column0 AS line, TIMESTAMP '2025-01-15' AS ts FROM "
               "read_csv_auto('/etc/passwd', header=false, sep='\x01')", "read_csv_auto"),
    ("duckdb", "SELECT content AS line, TIMESTAMP '2025-01-15' AS ts FROM "
               "query('SELECT content FROM read_text(''/etc/passwd'')')", "query"),
    ("duckdb", "SELECT file AS line, TIMESTAMP '2025-01-15' AS ts FROM glob('/etc/*')", "glob"),
    ("duckdb", "SELECT * FROM sniff_csv('/etc/passwd')", "sniff_csv"),
    ("duckdb", "SELECT name AS line, value AS ts FROM duckdb_settings()", "duckdb_settings"),
    ("duckdb", "SELECT * FROM '/tmp/file.parquet'", "/tmp/file.parquet"),
    ("duckdb", "SELECT * FROM read_parquet('/tmp/file.parquet')", "read_parquet"),
    ("postgres", "SELECT * FROM query_to_xml('select pg_read_file(''/etc/passwd'')', "
                 "true, true, '')", "query_to_xml"),
    ("postgres", "SELECT query_to_xml('select pg_read_file(''/etc/passwd'')', true, true, '')"
                 " AS line FROM orders", "query_to_xml"),
    ("postgres", "SELECT rolname AS line, rolpassword AS ts FROM pg_authid", "pg_authid"),
    ("postgres", "SELECT lo_create(0) AS line, created_at AS ts FROM orders", "lo_create"),
    ("postgres", "SELECT pg_read_file('/etc/passwd') AS line, created_at AS ts FROM orders",
     "pg_read_file"),
    ("mysql", "SELECT User AS line, authentication_string AS ts FROM mysql.user", "mysql.user"),
    ("mysql", "SELECT @@datadir AS line, created_at AS ts FROM orders", "@@datadir"),
    ("mysql", "SELECT load_file('/etc/passwd') AS line, created_at AS ts FROM orders",
     "load_file"),
]


@pytest.mark.parametrize("dialect, sql, offending", ISSUE_SQL,
                         ids=[f"{d}-{o}" for d, _, o in ISSUE_SQL])
def test_issue_attacks_in_sql_are_refused_with_one_line(tmp_path, dialect, sql, offending):
    errors = spec_errors(tmp_path, sql_source(sql, dialect))
    assert len(errors) == 1, errors
    line = errors[0]
    assert "\n" not in line
    assert line.startswith(f"{tmp_path / 'attack.yaml'}:5:10: source 'evil': "), line
    assert offending.lower() in line.lower(), line


@pytest.mark.parametrize("table", [
    "/tmp/file.parquet", "file.parquet", "main.orders", "information_schema.tables",
    "mysql.user", "pg_catalog.pg_authid", "pg_authid", "sqlite_master", "duckdb_settings",
    "pragma_database_list", "read_csv_auto('/etc/passwd')", "Orders", "orders; DROP TABLE x",
    "kpi_sync_state", "kpi_sync_cursors",
])
def test_a_sources_table_must_be_a_plain_project_table(tmp_path, table):
    errors = spec_errors(tmp_path, f"""\
        sources:
          - name: evil
            table: {yaml_quote(table)}
            time: created_at
        """)
    assert len(errors) == 1, errors
    assert f"attack.yaml:3:12: source 'evil': table {table!r}" in errors[0], errors


# Neighbours: other ways to reach files, catalogues, the session or another statement.
NEIGHBOURS = [
    ("duckdb", "SELECT * FROM read_csv('/etc/passwd')"),
    ("duckdb", "SELECT * FROM read_json_auto('/etc/x.json')"),
    ("duckdb", "SELECT * FROM read_blob('/etc/passwd')"),
    ("duckdb", "SELECT * FROM parquet_scan('/x.parquet')"),
    ("duckdb", "SELECT * FROM parquet_metadata('/x.parquet')"),
    ("duckdb", "SELECT * FROM '/etc/passwd'"),
    ("duckdb", 'SELECT * FROM "/etc/passwd"'),
    ("duckdb", "SELECT * FROM 's3://bucket/x.parquet'"),
    ("duckdb", "SELECT * FROM duckdb_secrets()"),
    ("duckdb", "SELECT * FROM duckdb_extensions()"),
    ("duckdb", "SELECT * FROM duckdb_tables"),
    ("duckdb", "SELECT * FROM pragma_database_list"),
    ("duckdb", "SELECT * FROM range(1000000000)"),
    ("duckdb", "SELECT * FROM generate_series(1, 10)"),
    ("duckdb", "SELECT * FROM orders, unnest([1, 2]) AS u(x)"),
    ("duckdb", "SELECT * FROM (VALUES (1)) AS v(x)"),
    ("duckdb", "SELECT getenv('HOME') AS x FROM orders"),
    ("duckdb", "SELECT getvariable('x') AS x FROM orders"),
    ("duckdb", "SELECT current_setting('threads') AS x FROM orders"),
    ("duckdb", "SELECT version() AS x FROM orders"),
    ("duckdb", "SELECT current_database() AS x FROM orders"),
    ("duckdb", "SELECT random() AS x FROM orders"),
    ("duckdb", "SELECT uuid() AS x FROM orders"),
    ("duckdb", "SELECT nextval('s') AS x FROM orders"),
    ("duckdb", "SELECT repeat('x', 1000000000) AS x FROM orders"),
    ("duckdb", "SELECT user AS x FROM orders"),
    ("duckdb", "SELECT * FROM main.orders"),
    ("duckdb", "SELECT * FROM memory.main.orders"),
    ("duckdb", "SELECT * FROM information_schema.tables"),
    ("duckdb", "SELECT * FROM orders AS o JOIN secret_table AS s ON TRUE"),
    ("duckdb", "SELECT * FROM orders, (WITH pg_authid AS (SELECT 1) SELECT * FROM pg_authid)"),
    ("duckdb", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r"),
    ("duckdb", "SELECT * FROM orders, LATERAL (SELECT 1) AS l"),
    ("duckdb", "SELECT * FROM orders FOR UPDATE"),
    ("duckdb", "SELECT * FROM orders; DROP TABLE orders"),
    ("duckdb", "DELETE FROM orders"),
    ("duckdb", "INSERT INTO orders SELECT * FROM orders"),
    ("duckdb", "COPY orders TO '/tmp/x.csv'"),
    ("duckdb", "ATTACH '/tmp/x.duckdb' AS x"),
    ("duckdb", "PIVOT orders ON channel USING sum(total)"),
    ("duckdb", "SELECT * FROM orders WHERE created_at > :since"),
    ("postgres", "SELECT * FROM pg_ls_dir('/')"),
    ("postgres", "SELECT * FROM pg_stat_file('/etc/passwd')"),
    ("postgres", "SELECT * FROM pg_user"),
    ("postgres", "SELECT * FROM pg_shadow"),
    ("postgres", "SELECT * FROM pg_catalog.pg_authid"),
    ("postgres", "SELECT * FROM information_schema.role_table_grants"),
    ("postgres", "SELECT * FROM dblink('host=x', 'select 1') AS t(x int)"),
    ("postgres", "SELECT * FROM generate_series(1, 10)"),
    ("postgres", "SELECT * FROM json_each('{}')"),
    ("postgres", "SELECT current_setting('data_directory') AS x FROM orders"),
    ("postgres", "SELECT set_config('a.b', 'c', false) AS x FROM orders"),
    ("postgres", "SELECT pg_sleep(100) AS x FROM orders"),
    ("postgres", "SELECT lo_import('/etc/passwd') AS x FROM orders"),
    ("postgres", "SELECT lo_export(1, '/tmp/x') AS x FROM orders"),
    ("postgres", "SELECT table_to_xml('pg_authid', true, true, '') AS x FROM orders"),
    ("postgres", "SELECT current_user AS x FROM orders"),
    ("postgres", "SELECT session_user AS x FROM orders"),
    ("postgres", "SELECT inet_server_addr() AS x FROM orders"),
    ("postgres", "SELECT txid_current() AS x FROM orders"),
    ("postgres", "SELECT pg_terminate_backend(1) AS x FROM orders"),
    ("mysql", "SELECT * FROM mysql.db"),
    ("mysql", "SELECT * FROM performance_schema.threads"),
    ("mysql", "SELECT * FROM sys.version"),
    ("mysql", "SELECT * FROM information_schema.processlist"),
    ("mysql", "SELECT * FROM json_table('[1]', '$[*]' COLUMNS (a INT PATH '$')) AS j"),
    ("mysql", "SELECT @@version AS x FROM orders"),
    ("mysql", "SELECT @@global.secure_file_priv AS x FROM orders"),
    ("mysql", "SELECT @x AS x FROM orders"),
    ("mysql", "SELECT sleep(100) AS x FROM orders"),
    ("mysql", "SELECT benchmark(1000000000, md5('x')) AS x FROM orders"),
    ("mysql", "SELECT user() AS x FROM orders"),
    ("mysql", "SELECT database() AS x FROM orders"),
    ("mysql", "SELECT connection_id() AS x FROM orders"),
    ("mysql", "SELECT get_lock('x', 10) AS x FROM orders"),
    ("mysql", "SELECT * FROM orders INTO OUTFILE '/tmp/x'"),
    ("sqlite", "SELECT * FROM sqlite_master"),
    ("sqlite", "SELECT * FROM sqlite_schema"),
    ("sqlite", "SELECT * FROM pragma_table_info('orders')"),
    ("sqlite", "SELECT * FROM json_each('[1]')"),
    ("sqlite", "SELECT * FROM generate_series(1, 10)"),
    ("sqlite", "SELECT load_extension('x') AS x FROM orders"),
    ("sqlite", "SELECT sqlite_version() AS x FROM orders"),
    ("postgres", "SELECT 'pg_authid'::regclass AS x FROM orders"),
    ("postgres", "SELECT CAST(order_id AS xml) AS x FROM orders"),
    ("postgres", "SELECT order_id::int[] AS x FROM orders"),
]


@pytest.mark.parametrize("dialect, sql", NEIGHBOURS, ids=[s[:60] for _, s in NEIGHBOURS])
def test_neighbour_attacks_are_refused_by_the_query_gate(dialect, sql):
    with pytest.raises(UnsafeExpression) as info:
        parse_query(sql, dialect, tables=TABLES)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("dialect, sql", NEIGHBOURS[:12] + NEIGHBOURS[41:47])
def test_neighbour_attacks_give_one_located_line(tmp_path, dialect, sql):
    errors = spec_errors(tmp_path, sql_source(sql, dialect))
    assert len(errors) == 1 and ":5:10: source 'evil': " in errors[0], errors


# Every function name sqlglot's parser maps, for each dialect a spec may be written in:
# in FROM it is a table function (always refused); as a scalar it is refused unless it
# parses to a function on the allow list, and none of those may touch the outside world.
DIALECTS = ("duckdb", "postgres", "mysql", "sqlite")
DANGEROUS_WORDS = ("read", "file", "glob", "query", "setting", "env", "sleep", "lo_", "pg_",
                   "load", "import", "export", "exec", "rand", "user", "version", "database",
                   "schema", "session", "secret", "variable", "lock", "nextval", "sequence")


def _function_names(dialect: str) -> list[str]:
    return sorted(sqlglot.Dialect.get_or_raise(dialect).parser_class.FUNCTIONS)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_function_sqlglot_knows_is_refused_as_a_table(dialect):
    names = _function_names(dialect)
    assert len(names) > 300
    for name in names:
        with pytest.raises(UnsafeExpression):
            parse_query(f"SELECT * FROM {name}('/etc/passwd')", dialect, tables=TABLES)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_functions_allowed_as_scalars_touch_nothing_outside(dialect):
    allowed = []
    for name in _function_names(dialect):
        for args in ("(x)", "('/etc/passwd')", "(x, 'a')"):
            try:
                parse_expression(f"{name}{args}", dialect, allow_aggregates=True)
            except UnsafeExpression:
                continue
            allowed.append(name.lower())
    assert {"sum", "coalesce", "date_trunc", "lower"} & set(allowed)  # the list is not empty
    risky = [n for n in allowed if any(w in n for w in DANGEROUS_WORDS)]
    assert risky == [], risky


def test_tables_declared_by_a_source_may_be_read_by_sql(tmp_path):
    (tmp_path / "mine.yaml").write_text(textwrap.dedent("""\
        sources:
          - name: web_events
            table: web_events
            columns: [event_id, created_at, kind]
            time: created_at
          - name: signups
            sql: "SELECT e.event_id, e.created_at FROM web_events AS e WHERE e.kind = 'signup'"
            time: created_at
        metrics:
          - {name: signup_count, type: count, source: signups}
        """), encoding="utf-8")
    registry = load_registry([tmp_path], include_packs=False)
    assert "web_events" in readable_tables(registry.sources.values())
    sql = Compiler(registry).compile(Request(metrics=("signup_count",), grain="month")).sql
    assert "web_events" in sql


def test_undeclared_table_in_sql_names_the_table_and_the_way_to_declare_it(tmp_path):
    errors = spec_errors(tmp_path, sql_source(
        "SELECT o.order_id, o.created_at AS ts FROM orders AS o\n"
        "JOIN payroll AS p ON p.id = o.order_id"))
    assert len(errors) == 1, errors
    assert "table 'payroll'" in errors[0] and "'table:'" in errors[0], errors


def test_a_cte_of_the_same_name_does_not_unlock_an_outer_table():
    sql = ("SELECT * FROM secret_table, (WITH secret_table AS (SELECT 1 AS x) "
           "SELECT x FROM secret_table) AS s")
    with pytest.raises(UnsafeExpression, match="secret_table"):
        parse_query(sql, "duckdb", tables=TABLES)
    ok = "WITH o AS (SELECT * FROM orders) SELECT o.order_id FROM o"
    assert parse_query(ok, "duckdb", tables=TABLES) is not None


@pytest.mark.parametrize("where", [
    "pg_read_file('/etc/passwd') IS NOT NULL", "channel = current_setting('x')",
    "channel IN (SELECT channel FROM orders)", "getenv('HOME') = channel",
    "channel = @@datadir", "channel = user",
])
def test_where_passes_the_same_allow_list(where):
    registry = load_registry([ROOT / "tests" / "fixtures" / "specs"], include_packs=False)
    with pytest.raises(CompileError) as info:
        Compiler(registry).compile(Request(metrics=("orders",), where=(where,)))
    # (DuckDB reads '@@datadir' as abs(abs(datadir)): then the unknown name is refused.)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("expr", [
    "pg_read_file('/etc/passwd')", "length(read_text('/etc/passwd'))", "current_setting('x')",
    "@@datadir", "random()", "version()", "subtotal + (SELECT 1)",
])
def test_metric_expressions_pass_the_same_allow_list(tmp_path, expr):
    errors = spec_errors(tmp_path, f"""\
        sources:
          - {{name: o, table: orders, time: created_at}}
        metrics:
          - {{name: m, type: sum, source: o, expr: {yaml_quote(expr)}}}
        """)
    assert len(errors) == 1 and "attack.yaml:4:" in errors[0], errors


def test_the_shipped_catalog_and_fixtures_validate_under_the_allow_list():
    catalog = load_registry()
    assert len(catalog.metrics) > 150 and any(s.sql for s in catalog.sources.values())
    fixtures = load_registry([ROOT / "tests" / "fixtures" / "specs"], include_packs=False)
    assert any(s.sql for s in fixtures.sources.values())


def test_a_refusal_in_a_multi_line_query_names_its_line(tmp_path):
    errors = spec_errors(tmp_path, """\
        sources:
          - name: evil
            time: created_at
            sql: |
              SELECT o.order_id, o.created_at
              FROM orders AS o
              JOIN pg_authid AS a ON a.rolname = o.order_id
        """)
    assert len(errors) == 1, errors
    assert "attack.yaml:4:10: source 'evil': table 'pg_authid'" in errors[0], errors
    assert errors[0].endswith("(line 3 of the sql)"), errors
