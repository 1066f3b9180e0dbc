"""Two `kpi sync files` processes at once into the same warehouse: no key stored twice, the
same sums as one sync, and the second sync waits for the first (saying so) or, on DuckDB,
whose file admits one writing process, refuses with one clear line.

Real OS processes through the CLI, as a user or a cron job starts them.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from kpi_engine.errors import WarehouseError
from kpi_engine.warehouses.connect import connect

from .conftest_warehouses import MYSQL_URL, POSTGRES_URL, unavailable

ORDERS = 20_000
LINES_PER_ORDER = 2
ENGINES = ("duckdb", "sqlite", "postgresql", "mariadb")


def write_shop(folder: Path) -> dict[str, Decimal | int]:
    """orders.csv and order_lines.csv, and the sums one correct load gives."""
    folder.mkdir(parents=True, exist_ok=True)
    total = Decimal(0)
    quantity = 0
    with (folder / "orders.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "customer_id", "created_at", "currency", "subtotal",
                      "total", "status"])
        for i in range(ORDERS):
            amount = Decimal(i % 997) + Decimal("0.25")
            total += amount
            out.writerow([f"o{i}", f"c{i % 1013}", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
                          "T10:00:00Z", "EUR", amount, amount, "paid"])
    with (folder / "order_lines.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["order_id", "line_id", "sku", "quantity", "unit_price"])
        for i in range(ORDERS):
            for line in range(LINES_PER_ORDER):
                n = 1 + (i + line) % 5
                quantity += n
                out.writerow([f"o{i}", f"l{line}", f"sku{i % 50}", n, "9.99"])
    return {"orders": ORDERS, "total": total,
            "order_lines": ORDERS * LINES_PER_ORDER, "quantity": quantity}


def warehouse_url(engine: str, tmp_path: Path) -> str:
    """A fresh, empty warehouse of ``engine``; skips when its server is not running."""
    name = f"kpi_conc_{uuid.uuid4().hex[:10]}"
    url = {"duckdb": f"duckdb:///{tmp_path / 'shop.duckdb'}",
           "sqlite": f"sqlite:///{tmp_path / 'shop.db'}",
           "postgresql": f"{POSTGRES_URL}?schema={name}",
           "mariadb": f"{MYSQL_URL}?schema={name}"}[engine]
    try:
        connect(url).close()
    except (WarehouseError, ImportError) as exc:
        unavailable(engine, str(exc))
    return url


@pytest.fixture
def dropped():
    """Server schemas made by a test, dropped afterwards."""
    urls: list[str] = []
    yield urls
    for url in urls:
        if url.startswith(("postgresql", "mysql")):
            wh = connect(url)
            try:
                kind = "SCHEMA" if url.startswith("postgresql") else "DATABASE"
                wh.execute(f"DROP {kind} IF EXISTS {wh.quote(wh.schema)}"
                           + (" CASCADE" if kind == "SCHEMA" else ""))
            finally:
                wh.close()


def start_sync(url: str, data: Path, cwd: Path, log: Path) -> subprocess.Popen:
    with log.open("w") as err:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "kpi_engine", "sync", "files", "-w", url, "--set",
             f"path={data}"], cwd=cwd, stdout=subprocess.PIPE, stderr=err, text=True)


def stored(url: str) -> dict[str, Decimal | int]:
    wh = connect(url)
    try:
        o = wh.qualify("orders")
        ol = wh.qualify("order_lines")
        (rows, keys, total), = wh.query(
            f"SELECT COUNT(*), COUNT(DISTINCT order_id), SUM(total) FROM {o}").rows
        (lines, line_keys, quantity), = wh.query(
            f"SELECT COUNT(*), COUNT(DISTINCT order_id || '/' || line_id), SUM(quantity) "
            f"FROM {ol}").rows if wh.dialect != "mysql" else wh.query(
            f"SELECT COUNT(*), COUNT(DISTINCT order_id, line_id), SUM(quantity) "
            f"FROM {ol}").rows
    finally:
        wh.close()
    assert rows == keys and lines == line_keys, "a key is stored twice"
    return {"orders": rows, "total": Decimal(str(total)).quantize(Decimal("0.01")),
            "order_lines": lines, "quantity": int(quantity)}


@pytest.mark.slow  # two kpi processes, each loading 60,000 rows
@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ENGINES)
def test_two_syncs_started_together_store_each_key_once(engine, tmp_path, dropped):
    url = warehouse_url(engine, tmp_path)
    dropped.append(url)
    expected = write_shop(tmp_path / "data")
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    procs = [start_sync(url, tmp_path / "data", tmp_path, log) for log in logs]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    errors = [log.read_text() for log in logs]
    codes = [p.returncode for p in procs]

    if engine == "duckdb":
        # DuckDB lets one process open the file for writing: the other is refused with
        # one clear line, or runs after the first when it opens the file later.
        assert 0 in codes, errors
        for code, err in zip(codes, errors, strict=True):
            if code:
                last = err.strip().splitlines()[-1]
                assert "lock" in last and "Traceback" not in err, err
    else:
        assert codes == [0, 0], errors
        assert all("Traceback" not in err for err in errors)
    assert stored(url) == expected

    # A third sync finds every row already there: nothing inserted or updated.
    again = start_sync(url, tmp_path / "data", tmp_path, tmp_path / "third.log")
    out = again.communicate(timeout=600)[0]
    assert again.returncode == 0, (tmp_path / "third.log").read_text()
    assert f"orders {ORDERS:,} (0 inserted, 0 updated, {ORDERS:,} unchanged)" in out, out
    assert stored(url) == expected
    assert any(f"orders {ORDERS:,} ({ORDERS:,} inserted, 0 updated, 0 unchanged)" in o
               for o in outs), outs


@pytest.mark.slow  # a kpi process loading 60,000 rows after waiting for a lock
@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ["sqlite", "postgresql", "mariadb"])
def test_a_second_sync_waits_for_the_first_and_says_so(engine, tmp_path, dropped):
    url = warehouse_url(engine, tmp_path)
    dropped.append(url)
    expected = write_shop(tmp_path / "data")
    holder = connect(url)  # stands for a first sync still running
    log = tmp_path / "second.log"
    try:
        with holder.sync_lock("files"):
            proc = start_sync(url, tmp_path / "data", tmp_path, log)
            deadline = time.monotonic() + 60
            while "waiting for it to finish" not in log.read_text():
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            time.sleep(1.0)
            assert proc.poll() is None  # still waiting, nothing written
            message = log.read_text().strip().splitlines()[0]
            assert message.startswith("another 'files' sync into ") and "password" not in message
        proc.communicate(timeout=600)
    finally:
        holder.close()
    assert proc.returncode == 0, log.read_text()
    assert stored(url) == expected


@pytest.mark.slow  # a kpi process
@pytest.mark.warehouse
def test_duckdb_refuses_a_second_writer_with_one_line(tmp_path):
    import duckdb

    url = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    write_shop(tmp_path / "data")
    con = duckdb.connect(str(tmp_path / "shop.duckdb"))  # another process's sync, say
    try:
        code = subprocess.run(
            [sys.executable, "-m", "kpi_engine", "sync", "files", "-w", url, "--set",
             f"path={tmp_path / 'data'}"], cwd=tmp_path, capture_output=True, text=True,
            timeout=300)
    finally:
        con.close()
    assert code.returncode != 0
    lines = code.stderr.strip().splitlines()
    assert len(lines) == 1 and "lock" in lines[0] and "shop.duckdb" in lines[0], code.stderr


@pytest.mark.warehouse
@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgresql", "mariadb", "spark"])
def test_the_lock_is_per_connector_and_a_wait_is_bounded(warehouse_factory, engine, tmp_path):
    from kpi_engine.warehouses.file_lock import FileLocks

    first = warehouse_factory(engine)
    if engine in ("duckdb", "sqlite"):
        # One DuckDB file admits one connection per process here: a second lock holder
        # on the same file stands for another process.
        path = str(tmp_path / f"shop.{engine}")
        holder = FileLocks(path)
        assert holder.try_lock("files")
        first.path = path  # the warehouse under test locks beside the same file
        second_try = first.try_sync_lock
        release_holder = holder.release
    else:
        second = connect(first.url, first.schema)
        assert second.try_sync_lock("files")
        second_try = first.try_sync_lock
        release_holder = second.release_sync_lock
    try:
        lines: list[str] = []
        with pytest.raises(WarehouseError, match=r"another 'files' sync into .* is still "
                                                 r"running after 1s; try again later"):
            with first.sync_lock("files", lines.append, wait=0.6):
                pass
        assert lines and "waiting for it to finish" in lines[0]
        with first.sync_lock("shopify", lines.append, wait=0.6):  # another connector: free
            pass
        release_holder("files")
        assert second_try("files")  # free again once the holder is gone
        first.release_sync_lock("files")
    finally:
        if engine not in ("duckdb", "sqlite"):
            second.close()
