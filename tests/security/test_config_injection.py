"""Identifiers from configuration never reach SQL as text (issue 12.2).

Every path a schema name can come from — kpi.yaml's ``schema:``, ``?schema=`` in kpi.yaml's
warehouse URL, ``?schema=`` in ``--warehouse``, a library ``connect(url, schema)``, and a
connector setting naming a table — is tried with injection payloads on DuckDB, SQLite,
PostgreSQL and MariaDB. Each is refused with one clear line, and the warehouse is exactly as
it was: same tables, same row counts, no new schema. A driver that would run two
statements from one string is held to one per call.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from kpi_engine.errors import KpiError, WarehouseError
from kpi_engine.warehouses.identifiers import quote_identifier

from ..cli_runner import run_kpi
from ..conftest import NO_CATALOG, SHOP_SPECS
from ..conftest_warehouses import MYSQL_URL, POSTGRES_URL, unavailable
from ..shop_data import load_shop

ENGINES = ["duckdb", "sqlite", "postgresql", "mariadb"]

# Each tries to end the identifier and run a statement of its own, in some engine's quoting.
PAYLOADS = [
    'x"; DROP TABLE orders; --',
    "x`; DROP TABLE orders; -- ",
    "x'; DROP TABLE orders; --",
    "x]; DROP TABLE orders; --",
    "public.orders",
    "a b",
    "1abc",
    "x" * 64,
    "é",
    "x\\",
]
# Through the real CLI (a process each, so a few): the engine's own quote, and a string
# quote.
def cli_payloads(engine: str) -> list[str]:
    return [PAYLOADS[1] if engine == "mariadb" else PAYLOADS[0], PAYLOADS[2]]


def kpi(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_kpi(*args, cwd=cwd, env={"KPI_ENGINE_LOAD_PLUGINS": NO_CATALOG})


def one_clear_line(result: subprocess.CompletedProcess) -> str:
    """The command failed with exactly one error line and no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def server_url(engine: str, wh) -> str:
    """The URL that reaches the test's own schema/database (or file)."""
    if engine == "duckdb":
        return f"duckdb:///{wh.path}"
    if engine == "sqlite":
        return f"sqlite:///{wh.path}"
    base = POSTGRES_URL if engine == "postgresql" else MYSQL_URL
    return f"{base}?schema={wh.schema}"


def with_schema(url: str, value: str) -> str:
    """``url`` with its ``?schema=`` replaced by ``value`` (percent-encoded, as a URL must)."""
    base = url.split("?", 1)[0]
    return f"{base}?schema={quote(value, safe='')}"


@pytest.fixture
def shop(engine, warehouse_factory, tmp_path):
    """A warehouse of ``engine`` holding the hand-made shop; DuckDB in a file so other
    processes can open it."""
    if engine == "duckdb":
        from kpi_engine.warehouses.connect import connect

        wh = connect(f"duckdb:///{tmp_path / 'shop.duckdb'}")
    else:
        wh = warehouse_factory(engine)
    load_shop(wh)
    if engine == "duckdb":
        wh.close()  # let the CLI's process open the file
    return wh


def snapshot(engine: str, wh) -> dict:
    """Every table of the test's schema with its row count, and (servers) every schema."""
    from kpi_engine.warehouses.connect import connect

    url = server_url(engine, wh)
    reader = connect(url, create=False)
    try:
        if engine == "sqlite":
            names = [r[0] for r in reader.query(
                "SELECT name FROM sqlite_master WHERE type = 'table'").rows]
        else:
            names = [r[0] for r in reader.query_params(
                f"SELECT table_name FROM information_schema.tables WHERE table_schema = "
                f"{reader.param}", (reader.schema or "main",)).rows]
        counts = {n: reader.query(f"SELECT COUNT(*) FROM {reader.qualify(n)}").rows[0][0]
                  for n in sorted(names)}
        # Other tests (and other people's runs) make kpi_* schemas on the same server at
        # the same time: those are not ours to count.
        schemas = sorted(r[0] for r in reader.query(
            "SELECT schema_name FROM information_schema.schemata").rows
            if not r[0].lower().startswith(("kpi_", "kpitest_", "pg_temp_", "pg_toast_temp_"))) \
            if engine in ("postgresql", "mariadb") else []
    finally:
        reader.close()
    assert counts.get("orders", 0) > 0
    return {"tables": counts, "schemas": schemas}


def project(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / f"p_{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    (folder / "kpi.yaml").write_text(text, encoding="utf-8")
    return folder


def yaml_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# -- each configuration path, each engine ----------------------------------------------------

@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_kpi_yaml_schema_is_refused_at_its_line(engine, shop, tmp_path):
    before = snapshot(engine, shop)
    for payload in cli_payloads(engine):
        folder = project(tmp_path, f"warehouse: {server_url(engine, shop)}\n"
                                   f"schema: {yaml_string(payload)}\n"
                                   f"specs: [{SHOP_SPECS}]\n")
        for command in (["eval", "net_sales", "--grain", "all"], ["sync", "files",
                        "--set", f"path={tmp_path}"]):
            line = one_clear_line(kpi(*command, cwd=folder))
            assert line.startswith("kpi.yaml:2:9: schema: "), line
            assert "is not a valid schema name" in line
    assert snapshot(engine, shop) == before


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_url_schema_from_the_command_line_is_refused(engine, shop, tmp_path):
    before = snapshot(engine, shop)
    url = server_url(engine, shop)
    for payload in cli_payloads(engine):
        bad = with_schema(url, payload)
        for command in (["--specs", str(SHOP_SPECS), "eval", "net_sales", "-w", bad],
                        ["sync", "files", "--set", f"path={tmp_path}", "-w", bad]):
            line = one_clear_line(kpi(*command, cwd=tmp_path))
            assert line.startswith("Error: warehouse URL parameter ?schema=: "), line
            assert "is not a valid schema name" in line
    assert snapshot(engine, shop) == before


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_url_schema_in_kpi_yaml_is_refused_at_its_line(engine, shop, tmp_path):
    before = snapshot(engine, shop)
    payload = cli_payloads(engine)[0]
    bad = with_schema(server_url(engine, shop), payload)
    folder = project(tmp_path, f"specs: [{SHOP_SPECS}]\nwarehouse: {yaml_string(bad)}\n")
    for command in (["eval", "net_sales"], ["sync", "files", "--set", f"path={tmp_path}"]):
        line = one_clear_line(kpi(*command, cwd=folder))
        assert line.startswith("kpi.yaml:2:12: warehouse: "), line
    if engine != "sqlite":  # compile reads ?schema= too, without connecting
        line = one_clear_line(kpi("compile", "net_sales", cwd=folder))
        assert line.startswith("kpi.yaml:2:12: warehouse: ") and "?schema=" in line
    assert snapshot(engine, shop) == before


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_library_connect_refuses_a_bad_schema_argument(engine, shop):
    from kpi_engine.warehouses.connect import connect

    before = snapshot(engine, shop)
    url = server_url(engine, shop).split("?", 1)[0]
    for payload in PAYLOADS:
        for create in (True, False):
            with pytest.raises(WarehouseError) as info:
                connect(url, payload, create=create)
            assert "\n" not in str(info.value)
            assert ("not a valid schema name" in str(info.value)
                    or "SQLite has no schemas" in str(info.value))
    assert snapshot(engine, shop) == before


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_connector_settings_cannot_name_a_table_outside_the_schema(engine, shop, tmp_path):
    """The files connector's ``tables`` and ``mapping`` settings name tables: only canonical
    ones are accepted."""
    before = snapshot(engine, shop)
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.csv").write_text("order_id,subtotal\nz1,1\n", encoding="utf-8")
    payload = 'orders"; DROP TABLE orders; --'
    for setting in (f"tables: {{x.csv: {yaml_string(payload)}}}",
                    f"mapping: {{{yaml_string(payload)}: {{a: b}}}}"):
        folder = project(tmp_path, f"warehouse: {yaml_string(server_url(engine, shop))}\n"
                                   f"connectors:\n  files:\n    path: {data}\n    {setting}\n")
        result = kpi("sync", "files", cwd=folder)
        line = one_clear_line(result)
        assert "unknown table 'orders\"; DROP TABLE orders; --'" in line, line
    after = snapshot(engine, shop)
    # The sync engine makes its (empty) cursor table before the connector checks its
    # settings: no data, but not "nothing" either (the sync engine's business).
    if after["tables"].get("kpi_sync_cursors") == 0 \
            and "kpi_sync_cursors" not in before["tables"]:
        del after["tables"]["kpi_sync_cursors"]
    assert after == before


# -- one statement per call --------------------------------------------------------------------

@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_one_statement_per_call(engine, shop):
    """Were a name ever pasted into SQL, a second statement after ';' would still not run."""
    from kpi_engine.warehouses.connect import connect

    before = snapshot(engine, shop)
    wh = connect(server_url(engine, shop))
    try:
        orders = wh.qualify("orders")
        for run in (wh.execute, wh.query):
            with pytest.raises(WarehouseError) as info:
                run(f"SELECT 1; DROP TABLE {orders}")
            assert "\n" not in str(info.value)
    finally:
        wh.close()
    assert snapshot(engine, shop) == before


# -- valid names are quoted, not merely accepted -----------------------------------------------

@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ["duckdb", "postgresql", "mariadb"])
def test_mixed_case_schema_is_quoted_everywhere(engine, tmp_path):
    """Unquoted, ``KpiTest_X`` would be folded to lower case by PostgreSQL and the lookups in
    information_schema would miss it; quoted by sqlglot it round-trips on every engine."""
    from kpi_engine.schema import TABLES
    from kpi_engine.warehouses.connect import connect

    name = f"KpiTest_{uuid.uuid4().hex[:8]}"
    url = {"duckdb": f"duckdb:///{tmp_path / 'q.duckdb'}", "postgresql": POSTGRES_URL,
           "mariadb": MYSQL_URL}[engine]
    try:
        wh = connect(url, name)
    except WarehouseError as exc:  # a server that is down: a failure in CI, as elsewhere
        unavailable(engine, str(exc))
    try:
        assert wh.schema == name
        wh.ensure_table(TABLES["refunds"])
        assert wh.table_exists("refunds")
        with wh.transaction():
            wh.merge(TABLES["refunds"], ["source", "refund_id", "order_id", "amount"],
                     [("s", "r1", "o1", 1)])
        assert wh.query(f"SELECT COUNT(*) FROM {wh.qualify('refunds')}").rows[0][0] == 1
        again = connect(url, name, create=False)  # found again, not created
        again.close()
    finally:
        wh.execute(f"DROP SCHEMA {quote_identifier(name, wh.dialect)}"
                   + (" CASCADE" if engine != "mariadb" else ""))
        wh.close()


def test_schema_names_are_checked_before_any_connection():
    from kpi_engine.warehouses.identifiers import check_schema_name, schema_problem

    for payload in PAYLOADS:
        assert schema_problem(payload) is not None, payload
        with pytest.raises(WarehouseError, match="not a valid schema name"):
            check_schema_name(payload)
    for good in ("kpi", "_x", "Shop_2024", "a" * 63):
        assert check_schema_name(good) == good
    assert quote_identifier('a"b', "postgres") == '"a""b"'
    assert quote_identifier("a`b", "mysql") == "`a``b`"


def test_every_payload_is_refused_by_kpi_yaml_and_by_urls(tmp_path):
    """The whole corpus, in process (the CLI tests above run a few through real commands)."""
    from kpi_engine.project import load_project
    from kpi_engine.warehouses.url import URLError, WarehouseURL

    path = tmp_path / "kpi.yaml"
    for payload in PAYLOADS:
        path.write_text(f"timezone: UTC\nschema: {yaml_string(payload)}\n", encoding="utf-8")
        with pytest.raises(KpiError) as info:
            load_project(path)
        assert str(info.value).startswith(f"{path}:2:9: schema: "), payload
        assert "\n" not in str(info.value)
        for scheme in ("duckdb:///x.duckdb", "postgresql://h/db", "mysql://h/db"):
            with pytest.raises(URLError, match=r"\?schema=: .*not a valid schema name"):
                WarehouseURL.parse(with_schema(scheme, payload)).schema("fine")


def test_kpi_yaml_schema_from_the_environment_is_checked_without_showing_it(tmp_path,
                                                                            monkeypatch):
    from kpi_engine.project import load_project

    monkeypatch.setenv("KPI_TEST_SCHEMA", 'x"; DROP TABLE orders; --')
    path = tmp_path / "kpi.yaml"
    path.write_text("schema: ${KPI_TEST_SCHEMA}\n", encoding="utf-8")
    with pytest.raises(KpiError) as info:
        load_project(path)
    assert str(info.value).startswith(f"{path}:1:9: schema: '${{KPI_TEST_SCHEMA}}' expands")
    assert "DROP" not in str(info.value)
    monkeypatch.setenv("KPI_TEST_SCHEMA", "shop_2024")
    assert load_project(path).schema_ == "shop_2024"
