"""Throughput and latency of ``kpi serve``'s ``GET /eval`` on the demo store, beside the
time ``kpi eval`` takes for the same request, all measured in the same run.

A demo store is built once into a DuckDB file (or ``--store FILE`` reuses one), then two
servers are started on 127.0.0.1: one caching results (``--cache-ttl 600``) and one not
(``--cache-ttl 0``, every request compiled and run in DuckDB). One client sends the same
request over one keep-alive connection, sequentially; the figures are requests per second
and p50/p99 latency. ``kpi eval --format json`` runs the same request as whole processes
(start-up included, as a user or a cron job pays it). The machine is shared and noisy:
compare ratios within a run, not absolute times between runs.

    python bench/serve_bench.py [--store /tmp/demo.duckdb] [--requests 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

KPI = [sys.executable, "-m", "kpi_engine"]
METRICS = ["net_sales", "aov", "conversion_rate"]
QUERY = {"grain": "month", "since": "2025-01-01", "until": "2026-01-01"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, ttl: float, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "KPI_SERVE_TOKEN"}
    with log.open("wb") as err:
        proc = subprocess.Popen([*KPI, "serve", "-w", url, "--port", str(port),
                                 "--cache-ttl", str(ttl)], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/metrics")
            conn.getresponse().read()
            conn.close()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"kpi serve did not start: {log.read_text()[-1000:]}") from None
            time.sleep(0.2)


def path() -> str:
    return "/eval?" + urlencode([("metrics", m) for m in METRICS] + list(QUERY.items()))


def hammer(port: int, count: int) -> tuple[list[float], float, bytes]:
    """Latencies (s) of ``count`` sequential requests, the total time, the last body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies, body = [], b""
    began = time.perf_counter()
    for _ in range(count):
        start = time.perf_counter()
        conn.request("GET", path())
        response = conn.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - start)
        if response.status != 200:
            raise SystemExit(f"GET /eval answered {response.status}: {body[:300]!r}")
    total = time.perf_counter() - began
    conn.close()
    return latencies, total, body


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def cli_times(url: str, repeat: int) -> tuple[float, list[dict]]:
    argv = [*KPI, "eval", *METRICS, "-w", url, "--format", "json",
            *(f"--{k}={v}" for k, v in QUERY.items())]
    walls, out = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"kpi eval failed: {done.stderr}")
        out = done.stdout
    return statistics.median(walls), json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="a DuckDB file holding the demo store (made if absent)")
    parser.add_argument("--requests", type=int, default=300, help="cached requests")
    parser.add_argument("--uncached", type=int, default=60, help="uncached requests")
    parser.add_argument("--cli-runs", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kpi-serve-bench-"))
    store = Path(args.store or tmp / "demo.duckdb")
    url = f"duckdb:///{store}"
    if not store.exists():
        print(f"building the demo store in {store} ...", file=sys.stderr)
        subprocess.run([*KPI, "demo", "-w", url, "--report", str(tmp / "report.html")],
                       check=True, stdout=subprocess.DEVNULL)
    cli, cli_records = cli_times(url, args.cli_runs)
    rows = []
    for label, ttl, count in (("GET /eval, cached", 600, args.requests),
                              ("GET /eval, uncached", 0, args.uncached)):
        proc, port = start_server(url, ttl, tmp / f"serve-{ttl}.log")
        try:
            hammer(port, 3)  # warm: first compile, imports, the cache filled
            latencies, total, body = hammer(port, count)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        if json.loads(body)["records"] != cli_records:
            raise SystemExit(f"{label}: the API's records differ from kpi eval's")
        rows.append((label, count / total, percentile(latencies, 0.5),
                     percentile(latencies, 0.99)))
    print(f"request: {', '.join(METRICS)} by month of 2025 on the demo store "
          f"({len(cli_records)} rows; API records equal kpi eval --format json)")
    print(f"{'':24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'p50 vs kpi eval':>18}")
    for label, rps, p50, p99 in rows:
        print(f"{label:24}{rps:10.1f}{p50 * 1e3:10.2f}{p99 * 1e3:10.2f}"
              f"{p50 / cli:17.4f}x")
    print(f"{'kpi eval (CLI process)':24}{1 / cli:10.2f}{cli * 1e3:10.0f}{'':10}"
          f"{1:17.4f}x")


if __name__ == "__main__":
    main()
