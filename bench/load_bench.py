"""Load benchmark: `kpi sync files` of N and 4N generated order rows from one CSV (and the
same rows as one typed Parquet file), into DuckDB and PostgreSQL, as a user runs it (a
child process each).

Prints, per run, the peak resident memory of the whole `kpi sync` process (its maximum
RSS, from wait4), rows per second of wall time, and rows per second of the process's own
CPU time (the machine may be shared; PostgreSQL's server work is not in it), beside two
baselines measured in the same run on the same files: plain Python `csv` iteration and
DuckDB's `read_csv` count(*). The line to read is the ratio of peak memory at 4N to peak
memory at N: about 1 when memory does not grow with the file. With Parquet, it also
prints each sync's CPU time against pyarrow reading the file to Python rows (the work the
row path did per value) and against the CSV sync of the same rows, measured in this run.

    python bench/load_bench.py [--rows 250000] [--factor 4] [--engines duckdb,postgresql]
                               [--formats csv,parquet]
                               [--postgres-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HEADER = ["order_id", "source", "channel", "customer_id", "created_at", "currency",
          "subtotal", "discounts", "shipping", "tax", "total", "refunded", "status",
          "is_test", "utm_source", "utm_medium", "utm_campaign", "landing_page", "updated_at"]
CHANNELS = ["web", "pos", "marketplace"]
STATUSES = ["paid", "fulfilled", "refunded", "cancelled", "pending"]


def write_orders(path: Path, rows: int) -> None:
    """``rows`` orders in the canonical CSV shape, deterministic."""
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(rows):
            sub = 10 + i % 490
            out.writerow([
                f"o{i:09d}", "bench", CHANNELS[i % 3], f"c{i % 50_000}",
                f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z", "EUR",
                f"{sub}.95", f"{i % 7}.00", "4.90", f"{sub * 0.19:.2f}", f"{sub + 3.85:.2f}",
                "0.00", STATUSES[i % 5], "false" if i % 50 else "true",
                "google" if i % 4 == 0 else "", "cpc" if i % 4 == 0 else "",
                f"spring_{i % 9}" if i % 4 == 0 else "", f"/products/p{i % 1000}",
                f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T23:00:00Z"])


def write_orders_parquet(csv_path: Path, path: Path) -> None:
    """The CSV's orders as Parquet in the canonical Arrow types (as an export would be)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from kpi_engine.demo.writer import arrow_schema
    from kpi_engine.schema import TABLES

    schema = arrow_schema(TABLES["orders"])
    types = {f.name: (f.type if f.name not in ("created_at", "updated_at")
                      else pa.timestamp("us", "UTC")) for f in schema if f.name in HEADER}
    table = pcsv.read_csv(csv_path, convert_options=pcsv.ConvertOptions(
        column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False))
    pq.write_table(table, path)


def measure(argv: list[str], cwd: Path) -> tuple[float, float, float]:
    """Run ``argv`` as a child; its wall time (s), CPU time (s) and peak RSS (MB)."""
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().strip().splitlines()[-1:] or [""]
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv[:6])} ... failed: {tail[0]}")
    peak_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return wall, usage.ru_utime + usage.ru_stime, peak_mb


PY_CSV = ("import csv, sys\n"
          "with open(sys.argv[1], newline='') as f:\n"
          "    n = sum(1 for _ in csv.reader(f)) - 1\n")
PY_PARQUET = ("import sys, pyarrow.parquet as pq\n"
              "f = pq.ParquetFile(sys.argv[1])\n"
              "n = sum(len(b.to_pylist()) for b in f.iter_batches(batch_size=50_000))\n")
DUCK_COUNT = ("import duckdb, sys\n"
              "duckdb.connect().execute('SELECT count(*) FROM read_csv(?)', [sys.argv[1]])"
              ".fetchall()\n")


DROP_SCHEMA = ("import sys\n"
               "from kpi_engine.warehouses.connect import connect\n"
               "wh = connect(sys.argv[1])\n"
               "wh.execute(f'DROP SCHEMA IF EXISTS {wh.quote(sys.argv[2])} CASCADE')\n"
               "wh.close()\n")


def drop_schema(url: str, schema: str) -> None:
    # In a child: importing the engine here would grow this process, and a child's peak
    # RSS counts the memory of the parent it is started from.
    subprocess.run([sys.executable, "-c", DROP_SCHEMA, url, schema], check=True)


def main() -> None:
    if sys.argv[1:2] == ["--write-orders"]:
        write_orders(Path(sys.argv[2]), int(sys.argv[3]))
        return
    if sys.argv[1:2] == ["--write-parquet"]:
        write_orders_parquet(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=250_000, help="N (default 250,000)")
    parser.add_argument("--factor", type=int, default=4, help="the larger run is N x this")
    parser.add_argument("--engines", default="duckdb,postgresql")
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "KPI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    sizes = [args.rows, args.rows * args.factor]
    py = sys.executable

    with tempfile.TemporaryDirectory(prefix="kpi-load-bench-") as tmp:
        work = Path(tmp)
        results: dict[str, dict[int, tuple[float, float]]] = {}
        cpu_of: dict[tuple[str, int], float] = {}
        for n in sizes:
            folder = work / f"n{n}"
            folder.mkdir()
            csv_path = folder / "orders.csv"
            # Written by a child: this process stays small, since a child's peak RSS
            # counts the parent's memory it starts from.
            subprocess.run([py, __file__, "--write-orders", str(csv_path), str(n)],
                           check=True)
            size_mb = csv_path.stat().st_size / 2**20
            print(f"\n{n:,} order rows ({size_mb:,.0f} MB CSV)", flush=True)
            parquet_path = folder / "orders.parquet"
            if "parquet" in formats:
                subprocess.run([py, __file__, "--write-parquet", str(csv_path),
                                str(parquet_path)], check=True)
            runs = []
            if "csv" in formats:
                runs += [("baseline: python csv iteration", [py, "-c", PY_CSV, str(csv_path)]),
                         ("baseline: duckdb read_csv count(*)",
                          [py, "-c", DUCK_COUNT, str(csv_path)])]
            if "parquet" in formats:
                runs.append(("baseline: pyarrow parquet to_pylist",
                             [py, "-c", PY_PARQUET, str(parquet_path)]))
            schemas: list[str] = []
            for engine in engines:
                for fmt in formats:
                    if engine == "duckdb":
                        url = f"duckdb:///{folder / f'bench-{fmt}.duckdb'}"
                    elif engine == "postgresql":
                        schema = f"kpi_bench_{uuid.uuid4().hex[:8]}"
                        schemas.append(schema)
                        sep = "&" if "?" in args.postgres_url else "?"
                        url = f"{args.postgres_url}{sep}schema={schema}"
                    else:
                        raise SystemExit(f"unknown engine {engine!r} (duckdb, postgresql)")
                    path = csv_path if fmt == "csv" else parquet_path
                    runs.append((f"kpi sync files {fmt} -> {engine}",
                                 [py, "-m", "kpi_engine", "sync", "files", "-q", "-w", url,
                                  "--set", f"path={path}"]))
            try:
                for label, argv in runs:
                    wall, cpu, peak = measure(argv, work)
                    results.setdefault(label, {})[n] = (wall, peak)
                    cpu_of[label, n] = cpu
                    print(f"  {label:<36} {n / wall:>9,.0f} rows/s wall {wall:>6.1f} s  "
                          f"{n / max(cpu, 1e-9):>9,.0f} rows/s CPU  "
                          f"peak RSS {peak:>6,.0f} MB", flush=True)
            finally:
                for schema in schemas:
                    drop_schema(args.postgres_url, schema)
            csv_path.unlink()
            parquet_path.unlink(missing_ok=True)

        small, large = sizes
        print(f"\npeak memory at {large:,} rows / at {small:,} rows "
              f"(1.0 = does not grow with the file):")
        for label, by_n in results.items():
            print(f"  {label:<36} {by_n[large][1] / by_n[small][1]:>5.2f}x  "
                  f"({by_n[small][1]:,.0f} -> {by_n[large][1]:,.0f} MB)")

        if "parquet" in formats:
            print_parquet_ratios(cpu_of, engines, formats, sizes)


def print_parquet_ratios(cpu_of: dict[tuple[str, int], float], engines: list[str],
                         formats: list[str], sizes: list[int]) -> None:
    """CPU of each Parquet sync over pyarrow's own to_pylist of the file and over the CSV
    sync of the same rows (below 1: less CPU than that)."""
    print("\nCPU of the Parquet sync / pyarrow to_pylist of the file"
          + (" / the CSV sync of the same rows:" if "csv" in formats else ":"))
    for engine in engines:
        for n in sizes:
            own = cpu_of[f"kpi sync files parquet -> {engine}", n]
            line = (f"  {engine:<10} {n:>10,} rows  "
                    f"{own / cpu_of['baseline: pyarrow parquet to_pylist', n]:>5.2f}x")
            if "csv" in formats:
                line += f"  {own / cpu_of[f'kpi sync files csv -> {engine}', n]:>5.2f}x"
            print(line)


if __name__ == "__main__":
    main()
