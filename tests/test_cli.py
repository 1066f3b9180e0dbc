"""The kpi command line, run as users run it (``kpi_engine.cli.main``, in process: see
tests/cli_runner.py) or through click's runner."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_engine.cli import build_cli

from .cli_runner import run_kpi
from .conftest import NO_CATALOG, SHOP_SPECS
from .shop_data import load_shop

pytestmark = pytest.mark.usefixtures("without_catalog")


def kpi(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return run_kpi(*args, cwd=cwd, env={"KPI_ENGINE_LOAD_PLUGINS": NO_CATALOG})


@pytest.fixture
def shop_db(tmp_path) -> str:
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    path = tmp_path / "shop.duckdb"
    wh = DuckDBWarehouse(f"duckdb:///{path}")
    load_shop(wh)
    wh.close()
    return f"duckdb:///{path}"


def invoke(*args: str):
    return CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)


def test_eval_json_csv_table(shop_db):
    args = ["--specs", str(SHOP_SPECS), "eval", "gross_sales", "conversion_rate", "-w", shop_db,
            "--since", "2024-01-01", "--until", "2024-04-01"]
    rows = json.loads(invoke(*args, "--format", "json").output)
    assert rows[0] == {"period": "2024-01-01", "gross_sales": 190, "conversion_rate": 0.25}
    assert rows[2]["conversion_rate"] is None
    text = invoke(*args, "--format", "csv").output
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[1] == {"period": "2024-02-01", "gross_sales": "0", "conversion_rate": "0.0"}
    table = invoke(*args).output
    assert "25.0%" in table and "190.00" in table and "—" in table


def test_eval_grain_all_with_breakdown(shop_db):
    out = invoke("--specs", str(SHOP_SPECS), "eval", "orders", "-w", shop_db, "--grain", "all",
                 "--by", "channel", "--format", "json").output
    assert sorted((r["channel"] or "", r["orders"]) for r in json.loads(out)) == [
        ("", 1), ("fb", 2), ("web", 3)]


def test_compile_every_dialect_parses():
    import sqlglot

    from kpi_engine.compiler.dialects import DIALECTS

    for dialect in DIALECTS:
        result = invoke("--specs", str(SHOP_SPECS), "compile", "aov", "net_sales_growth",
                        "--dialect", dialect, "--grain", "week", "--since", "2024-01-01",
                        "--until", "2024-03-01")
        assert sqlglot.parse_one(result.output, read=dialect) is not None


def test_list_show_graph(shop_db):
    rows = json.loads(invoke("--specs", str(SHOP_SPECS), "list", "--format", "json").output)
    aov = next(r for r in rows if r["name"] == "aov")
    assert aov["type"] == "ratio" and aov["depends_on"] == ["net_sales", "orders"]
    shown = invoke("--specs", str(SHOP_SPECS), "show", "aov").output
    assert "upstream:" in shown and "gross_sales" in shown and "SELECT" in shown
    mermaid = invoke("--specs", str(SHOP_SPECS), "graph", "aov").output
    assert mermaid.startswith("graph LR") and "net_sales --> aov" in mermaid
    dot = invoke("--specs", str(SHOP_SPECS), "graph", "aov", "--format", "dot").output
    assert '"net_sales" -> "aov";' in dot
    graph = json.loads(invoke("--specs", str(SHOP_SPECS), "graph", "--format", "json").output)
    assert {"from": "orders", "to": "aov"} in graph["edges"]


def test_validate_reports_file_line_col(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("metrics:\n  - {name: x, type: ratio, numerator: y}\n", encoding="utf-8")
    result = kpi("validate", "--specs", str(tmp_path))
    assert result.returncode == 1
    assert f"{bad}:2:5: 'x': a metric of type ratio needs 'denominator'" in result.stderr
    assert "Traceback" not in result.stderr
    good = kpi("validate", "--specs", str(SHOP_SPECS))
    assert good.returncode == 0 and good.stdout.startswith("OK:")


def test_user_error_is_one_line_exit_1(shop_db):
    result = kpi("--specs", str(SHOP_SPECS), "eval", "aovv", "-w", shop_db)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: unknown metric 'aovv' (did you mean 'aov'?)"
    result = kpi("--specs", str(SHOP_SPECS), "eval", "aov", "-w", "oracle://db")
    assert result.returncode == 1 and "unsupported warehouse URL" in result.stderr


def test_usage_error_exit_2():
    result = kpi("eval", "aov", "--grain", "fortnight")
    assert result.returncode == 2 and "fortnight" in result.stderr
    result = kpi("eval", "aov", "--since", "2024-13-01")
    assert result.returncode == 2 and "is not a date" in result.stderr


def test_project_file_sets_defaults(tmp_path, shop_db):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "shop.yaml").write_text((SHOP_SPECS / "shop.yaml").read_text(), encoding="utf-8")
    (tmp_path / "kpi.yaml").write_text(
        f"warehouse: {shop_db}\ntimezone: Asia/Ho_Chi_Minh\nspecs: [specs]\n", encoding="utf-8")
    result = kpi("eval", "orders", "--since", "2024-01-01", "--until", "2024-03-01",
                 "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # In Ho Chi Minh City o8 falls on Feb 1 (see test_eval_duckdb).
    assert [r["orders"] for r in json.loads(result.stdout)] == [3, 1]
    (tmp_path / "kpi.yaml").write_text("warehous: x\n", encoding="utf-8")
    result = kpi("eval", "orders", cwd=tmp_path)
    assert result.returncode == 1 and "kpi.yaml:1:1: warehous: unknown key" in result.stderr


def test_passwords_are_never_printed():
    result = kpi("eval", "aov", "-w", "postgresql://u:s3cret@127.0.0.1:1/db")
    assert result.returncode == 1 and "s3cret" not in result.stderr + result.stdout


def test_sync_files_then_eval_from_the_cli(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text(
        "order_id,channel,customer_id,created_at,subtotal,discounts,status,is_test\n"
        "a1,web,c1,2024-01-03T10:00:00Z,10.50,0,paid,false\n"
        "a2,web,c2,2024-01-04T10:00:00Z,20.25,0.25,paid,false\n"
        "a3,fb,c1,2024-02-04T10:00:00Z,5.00,0,cancelled,false\n", encoding="utf-8")
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = kpi("sync", "files", "--set", f"path={data}", "-w", url)
    assert result.returncode == 0, result.stderr
    assert "3 rows" in result.stdout
    out = kpi("--specs", str(SHOP_SPECS), "eval", "gross_sales", "orders", "-w", url,
              "--grain", "all", "--format", "json")
    assert json.loads(out.stdout) == [{"gross_sales": 30.75, "orders": 2}]
    # A bad row: one line naming file and line, exit 1, and the table is unchanged.
    (data / "orders.csv").write_text(
        "order_id,channel,customer_id,created_at,subtotal,discounts,status,is_test\n"
        "a1,web,c1,2024-01-03T10:00:00Z,99,0,paid,false\n"
        "a4,web,c1,2024-01-05T10:00:00Z,abc,0,paid,false\n", encoding="utf-8")
    bad = kpi("sync", "files", "--set", f"path={data}", "-w", url)
    assert bad.returncode == 1
    assert "orders.csv:3: column 'subtotal': cannot read 'abc' as a decimal" in bad.stderr
    again = kpi("--specs", str(SHOP_SPECS), "eval", "gross_sales", "-w", url, "--grain",
                "all", "--format", "json")
    assert json.loads(again.stdout) == [{"gross_sales": 30.75}]


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ["postgresql", "mariadb"])
def test_sync_and_eval_on_a_server_from_the_cli(tmp_path, engine, warehouse_factory):
    """kpi sync files into PostgreSQL / MariaDB, then kpi eval there (project file)."""
    wh = warehouse_factory(engine)  # an empty schema / database, dropped afterwards
    from .conftest_warehouses import MYSQL_URL, POSTGRES_URL

    url = POSTGRES_URL if engine == "postgresql" else MYSQL_URL
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text(
        "order_id,channel,customer_id,created_at,subtotal,discounts,status,is_test\n"
        "a1,web,c1,2024-01-31T20:00:00Z,10.50,0,paid,false\n"
        "a2,web,c2,2024-02-04T10:00:00Z,20.25,0.25,paid,false\n", encoding="utf-8")
    (tmp_path / "kpi.yaml").write_text(
        f"warehouse: {url}\nschema: {wh.schema}\ntimezone: Asia/Ho_Chi_Minh\n"
        f"specs: [{SHOP_SPECS}]\nconnectors:\n  files: {{path: {data}}}\n", encoding="utf-8")
    synced = kpi("sync", "files", cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert "2 rows" in synced.stdout and "***" not in synced.stdout
    out = kpi("eval", "gross_sales", "orders", "--grain", "month", "--format", "json",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    # a1 is 03:00 on Feb 1 in Ho Chi Minh City: both orders fall in February.
    assert json.loads(out.stdout) == [{"period": "2024-02-01", "gross_sales": 30.75,
                                       "orders": 2}]
