"""Configuration at the command line (issues 7.3, 7.5, 12.9): read commands create nothing,
a URL's ``?schema=`` wins over kpi.yaml's, bad configuration is one clear line, and
``--dialect`` / ``--tz`` take the names users write."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_engine.cli import build_cli

from .cli_runner import run_kpi
from .conftest import NO_CATALOG, SHOP_SPECS
from .conftest_warehouses import MYSQL_URL, POSTGRES_URL
from .shop_data import load_shop

pytestmark = pytest.mark.usefixtures("without_catalog")


def kpi(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_kpi(*args, cwd=cwd, env={"KPI_ENGINE_LOAD_PLUGINS": NO_CATALOG})


def invoke(*args: str) -> str:
    result = CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


# -- read commands create nothing -----------------------------------------------------------------

def test_read_commands_in_an_empty_folder_leave_it_empty(tmp_path):
    specs = ["--specs", str(SHOP_SPECS)]
    line = one_line(kpi(*specs, "eval", "orders", cwd=tmp_path))
    assert line == ("Error: no data yet: DuckDB database 'kpi.duckdb' does not exist (load it "
                    "first with `kpi sync <connector>`, or try `kpi demo --warehouse "
                    "duckdb:///kpi.duckdb`)")
    for command in (["compile", "orders"], ["list"], ["show", "aov"]):
        assert kpi(*specs, *command, cwd=tmp_path).returncode == 0
    sqlite = one_line(kpi(*specs, "eval", "orders", "-w", "sqlite:///sub/shop.db",
                          cwd=tmp_path))
    assert sqlite.startswith("Error: no data yet: SQLite database 'sub/shop.db' does not exist")
    assert list(tmp_path.iterdir()) == []


def test_url_looking_database_paths_are_refused_and_make_no_folder(tmp_path):
    for command in (["--specs", str(SHOP_SPECS), "eval", "orders"],
                    ["sync", "files", "--set", f"path={tmp_path}"]):
        for url in ("duckdb:///http://127.0.0.1:9/x.duckdb", "sqlite:///s3://bucket/x.db"):
            line = one_line(kpi(*command, "-w", url, cwd=tmp_path))
            assert "looks like a URL, not a file" in line, line
    (tmp_path / "folder.duckdb").mkdir()
    line = one_line(kpi("--specs", str(SHOP_SPECS), "eval", "orders", "-w",
                        "duckdb:///folder.duckdb", cwd=tmp_path))
    assert line == "Error: DuckDB database path 'folder.duckdb' is a folder, not a file"
    assert [p.name for p in tmp_path.iterdir()] == ["folder.duckdb"]


def test_eval_opens_duckdb_read_only_and_changes_no_byte(tmp_path):
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    path = tmp_path / "shop.duckdb"
    wh = DuckDBWarehouse(f"duckdb:///{path}")
    load_shop(wh)
    wh.close()
    before = path.read_bytes()
    out = invoke("--specs", str(SHOP_SPECS), "eval", "orders", "--grain", "all", "-w",
                 f"duckdb:///{path}", "--format", "json")
    assert json.loads(out) == [{"orders": 6}]
    assert path.read_bytes() == before
    reader = DuckDBWarehouse(f"duckdb:///{path}", create=False)
    with pytest.raises(Exception, match="read-only"):
        reader.execute("DELETE FROM orders")
    reader.close()


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ["postgresql", "mariadb"])
def test_eval_never_creates_the_urls_schema(engine, tmp_path, warehouse_factory):
    wh = warehouse_factory(engine)  # skips when the server is not there
    other = f"kpi_test_other_{uuid.uuid4().hex[:8]}"
    base = POSTGRES_URL if engine == "postgresql" else MYSQL_URL
    line = one_line(kpi("--specs", str(SHOP_SPECS), "eval", "orders", "-w",
                        f"{base}?schema={other}", cwd=tmp_path))
    assert line.startswith("Error: no data yet: ") and repr(other) in line, line
    assert not wh.query_params("SELECT 1 FROM information_schema.schemata WHERE "
                               f"schema_name = {wh.param}", (other,)).rows


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ["postgresql", "mariadb"])
def test_the_urls_schema_wins_over_kpi_yaml(engine, tmp_path, warehouse_factory):
    wh = warehouse_factory(engine)
    load_shop(wh)
    base = POSTGRES_URL if engine == "postgresql" else MYSQL_URL
    (tmp_path / "kpi.yaml").write_text(
        f"warehouse: {base}?schema={wh.schema}\nschema: not_this_one\n"
        f"specs: [{SHOP_SPECS}]\n", encoding="utf-8")
    out = kpi("eval", "orders", "--grain", "all", "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"orders": 6}]
    compiled = kpi("compile", "orders", cwd=tmp_path)
    assert wh.schema in compiled.stdout and "not_this_one" not in compiled.stdout


# -- one clear line -------------------------------------------------------------------------------

def test_bad_configuration_is_one_clear_line(tmp_path):
    for url in ("postgresql://u@127.0.0.1:9/db?connect_timeout=abc",
                "mysql://u@127.0.0.1:9/db?connect_timeout=abc"):
        line = one_line(kpi("--specs", str(SHOP_SPECS), "eval", "orders", "-w", url,
                            cwd=tmp_path))
        assert line == ("Error: warehouse URL parameter connect_timeout='abc' is not a "
                        "whole number (at most 9 digits)")
    (tmp_path / "kpi.yaml").write_bytes(b"timezone: UTC\nspecs: [caf\xe9]\n")
    line = one_line(kpi("list", cwd=tmp_path))
    assert line == "kpi.yaml:2:12: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    line = one_line(kpi("--project", str(tmp_path), "list", cwd=tmp_path))
    assert line == (f"Error: project file {str(tmp_path)!r} is a folder: give the path of "
                    f"its kpi.yaml (e.g. {str(tmp_path / 'kpi.yaml')!r})")
    (tmp_path / "kpi.yaml").write_text("timezone: Mars/Olympus\n", encoding="utf-8")
    line = one_line(kpi("list", cwd=tmp_path))
    assert line.startswith("kpi.yaml:1:11: timezone: unknown timezone 'Mars/Olympus'")


# -- names as users write them ---------------------------------------------------------------------

def test_dialect_aliases_compile_like_the_sqlglot_names():
    def compiled(dialect: str) -> str:
        return invoke("--specs", str(SHOP_SPECS), "compile", "aov", "--dialect", dialect)

    assert compiled("postgresql") == compiled("postgres") == compiled("PostgreSQL")
    assert compiled("mariadb") == compiled("mysql")
    assert invoke("--specs", str(SHOP_SPECS), "show", "aov", "-d", "mariadb").endswith(
        compiled("mysql"))
    result = CliRunner().invoke(build_cli(), ["compile", "aov", "--dialect", "oracle"])
    assert result.exit_code == 2 and "'oracle' is not one of" in result.output


def test_timezones_in_any_case_are_the_iana_names(tmp_path):
    def compiled(*tz: str) -> str:
        return invoke("--specs", str(SHOP_SPECS), "compile", "orders", *tz)

    assert compiled("--tz", "utc") == compiled("--tz", "UTC") == compiled()
    assert compiled("--tz", "asia/ho_chi_minh") == compiled("--tz", "Asia/Ho_Chi_Minh")
    assert "Asia/Ho_Chi_Minh" in compiled("--tz", "ASIA/HO_CHI_MINH")
    result = CliRunner().invoke(build_cli(), ["compile", "orders", "--tz", "Mars/Olympus"])
    assert result.exit_code == 2 and "'Mars/Olympus' is not a time zone" in result.output
    from kpi_engine.project import load_project

    (tmp_path / "kpi.yaml").write_text("timezone: asia/ho_chi_minh\n", encoding="utf-8")
    assert load_project(tmp_path / "kpi.yaml").timezone == "Asia/Ho_Chi_Minh"
