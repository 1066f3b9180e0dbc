"""tests/cli_runner.py: ``kpi`` in this process prints and exits as ``python -m kpi_engine``
does, and a call leaves nothing behind for the next one."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

from .cli_runner import run_kpi
from .conftest import NO_CATALOG, SHOP_SPECS
from .shop_data import load_shop

ENV = {"KPI_ENGINE_LOAD_PLUGINS": NO_CATALOG}


def in_a_process(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpi_engine", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120, env={**os.environ, **ENV})


@pytest.mark.slow  # four real `kpi` processes to compare with
def test_same_output_and_exit_status_as_a_process(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "kpi.yaml").write_text(f"specs: [{SHOP_SPECS}]\ntimezone: Mars/Olympus\n")
    commands = [
        (tmp_path, 0, ("--specs", str(SHOP_SPECS), "list")),
        (bad, 1, ("list",)),                                      # KpiError: one line
        (tmp_path, 2, ("eval", "aov", "--grain", "fortnight")),   # usage error
        (bad, 1, ("--debug", "list")),                            # the traceback
    ]
    for cwd, status, args in commands:
        inside, outside = run_kpi(*args, cwd=cwd, env=ENV), in_a_process(*args, cwd=cwd)
        assert inside.returncode == outside.returncode == status, args
        assert inside.stdout == outside.stdout, args
        if args[0] == "--debug":  # frames differ (runpy, click's runner); the end does not
            assert inside.stderr.startswith("Traceback (most recent call last):\n")
            assert inside.stderr.splitlines()[-1] == outside.stderr.splitlines()[-1]
        else:
            assert inside.stderr == outside.stderr, args
        assert inside.stdout or inside.stderr, args


def test_nothing_is_left_behind(tmp_path, monkeypatch):
    monkeypatch.delenv("KPI_RUNNER_PROBE", raising=False)
    root = logging.getLogger()
    before = (os.getcwd(), dict(os.environ), root.handlers[:], root.level,
              logging.getLogger("httpx").filters[:], sys.argv[:])
    shown = run_kpi("--specs", str(SHOP_SPECS), "list", cwd=tmp_path,
                    env={**ENV, "KPI_RUNNER_PROBE": "1"})
    assert shown.returncode == 0 and "orders" in shown.stdout
    assert (os.getcwd(), dict(os.environ), root.handlers[:], root.level,
            logging.getLogger("httpx").filters[:], sys.argv[:]) == before


def test_the_warehouse_is_closed_when_the_command_ends(tmp_path):
    path = tmp_path / "shop.duckdb"
    wh = DuckDBWarehouse(f"duckdb:///{path}")
    load_shop(wh)
    wh.close()
    url = f"duckdb:///{path}"
    ran = run_kpi("--specs", str(SHOP_SPECS), "eval", "orders", "--grain", "all", "-w", url,
                  env=ENV)
    assert ran.returncode == 0, ran.stderr
    # eval opens the file read-only; DuckDB refuses a read-write open of a file this
    # process still holds with another configuration.
    again = DuckDBWarehouse(url)
    again.close()


def test_a_warning_logged_by_the_command_reaches_its_stderr(tmp_path, monkeypatch):
    import kpi_engine.cli as cli

    def main(argv):  # a command that logs, as a driver would
        logging.getLogger("some.driver").warning("careful")
        logging.getLogger("some.driver").info("chatter")
        raise SystemExit(3)

    monkeypatch.setattr(cli, "main", main)
    ran = run_kpi("list", cwd=tmp_path)
    assert (ran.returncode, ran.stdout, ran.stderr) == (3, "", "careful\n")
