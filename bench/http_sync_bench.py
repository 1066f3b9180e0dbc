"""HTTP sync benchmark: `kpi sync example_shop` (plugins/example_shop, the connector of
docs/writing-a-connector.md) of N and 4N pages served by the loopback ReplayServer, into
DuckDB, as a user runs it (a child process each; the server is another child).

Prints, per run, rows per second of wall time and the peak resident memory of the `kpi
sync` process, beside a baseline measured in the same run: `kpi sync files` loading the
same canonical rows from JSON Lines. The line to read is the ratio of peak memory at 4N
pages to peak memory at N: about 1 when memory does not grow with the number of pages.

    python bench/http_sync_bench.py [--pages 50] [--factor 4] [--per-page 100]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789"


def order(n: int) -> dict:
    day = 1 + n % 28
    price = f"{10 + n % 90}.50"
    return {"id": f"o{n:09d}", "customer_id": f"c{n % 50_000}",
            "created_at": f"2024-{1 + n % 12:02d}-{day:02d}T10:00:00Z",
            "updated_at": f"2024-{1 + n % 12:02d}-{day:02d}T11:00:00Z", "status": "paid",
            "currency": "EUR", "subtotal": price, "shipping": "4.90", "tax": "0.00",
            "total": price, "test": False,
            "lines": [{"id": f"o{n:09d}-{k}", "sku": f"SKU-{(n + k) % 500}", "quantity": 1,
                       "price": price} for k in range(3)]}


def customer(n: int) -> dict:
    return {"id": f"c{n}", "created_at": "2024-01-01T08:00:00Z", "country": "DE"}


def serve(pages: int, per_page: int, url_file: Path) -> None:
    """Child: serve ``pages`` pages of orders and customers until stdin closes."""
    sys.path.insert(0, str(ROOT))
    from kpi_engine.testing import ReplayServer, Reply

    server = ReplayServer(record=False).start()
    for stream, make in (("orders", order), ("customers", customer)):
        for k in range(1, pages + 1):
            records = [make((k - 1) * per_page + i) for i in range(per_page)]
            body = {stream: records, "next_cursor": f"p{k + 1}" if k < pages else None}
            server.add("GET", f"/v1/{stream}", Reply.json(body),
                       query={"cursor": f"p{k}"} if k > 1 else {})
    url_file.write_text(server.url)
    sys.stdin.read()
    server.stop()


def write_jsonl(folder: Path, pages: int, per_page: int) -> int:
    """Child: the same rows in the canonical shape, for the files connector."""
    n = pages * per_page
    with (folder / "orders.jsonl").open("w") as orders, \
            (folder / "order_lines.jsonl").open("w") as lines, \
            (folder / "customers.jsonl").open("w") as customers:
        for i in range(n):
            o = order(i)
            orders.write(json.dumps({
                "order_id": o["id"], "customer_id": o["customer_id"],
                "created_at": o["created_at"], "updated_at": o["updated_at"],
                "currency": "EUR", "subtotal": o["subtotal"], "shipping": "4.90",
                "tax": "0.00", "total": o["total"], "status": "paid", "is_test": False}) + "\n")
            for line in o["lines"]:
                lines.write(json.dumps({"order_id": o["id"], "line_id": line["id"],
                                        "sku": line["sku"], "quantity": 1,
                                        "unit_price": line["price"]}) + "\n")
            c = customer(i)
            customers.write(json.dumps({"customer_id": c["id"], "created_at": c["created_at"],
                                        "country": "DE"}) + "\n")
    return n * 5  # an order, three lines, a customer


def measure(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run ``argv`` as a child; its wall time (s) and peak RSS (MB)."""
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err,
                                env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            err.seek(0)
            raise SystemExit(f"{' '.join(argv[:5])} ... failed: {err.read()[-500:]}")
    peak_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return wall, peak_mb


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
        return
    if sys.argv[1:2] == ["--write-jsonl"]:
        write_jsonl(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50, help="N pages per stream")
    parser.add_argument("--factor", type=int, default=4)
    parser.add_argument("--per-page", type=int, default=100)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="kpi-http-bench-") as tmp:
        work = Path(tmp)
        site = work / "site"
        subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                        str(ROOT / "plugins" / "example_shop")], check=True,
                       capture_output=True)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
               "KPI_EXAMPLE_SHOP_API_TOKEN": TOKEN}
        peaks: dict[str, list[float]] = {}
        for pages in (args.pages, args.pages * args.factor):
            rows = pages * args.per_page * 5
            print(f"\n{pages:,} pages per stream ({pages * args.per_page:,} orders, "
                  f"{rows:,} rows)", flush=True)
            folder = work / f"p{pages}"
            folder.mkdir()
            subprocess.run([py, __file__, "--write-jsonl", str(folder), str(pages),
                            str(args.per_page)], check=True)
            url_file = folder / "url"
            server = subprocess.Popen([py, __file__, "--serve", str(pages),
                                       str(args.per_page), str(url_file)],
                                      stdin=subprocess.PIPE, env=env)
            try:
                while not url_file.exists() or not url_file.read_text():
                    time.sleep(0.05)
                runs = [("baseline: kpi sync files (JSONL)",
                         [py, "-m", "kpi_engine", "sync", "files", "-q", "-w",
                          f"duckdb:///{folder / 'files.duckdb'}", "--set", f"path={folder}"]),
                        ("kpi sync example_shop (HTTP)",
                         [py, "-m", "kpi_engine", "sync", "example_shop", "-q", "-w",
                          f"duckdb:///{folder / 'http.duckdb'}", "--set",
                          f"base_url={url_file.read_text()}", "--set",
                          f"page_size={args.per_page}"])]
                for label, argv in runs:
                    wall, peak = measure(argv, folder, env)
                    peaks.setdefault(label, []).append(peak)
                    print(f"  {label:<34} {rows / wall:>9,.0f} rows/s  wall {wall:>6.1f} s  "
                          f"peak RSS {peak:>6,.0f} MB", flush=True)
            finally:
                server.communicate(b"", timeout=60)
        print()
        for label, (small, large) in peaks.items():
            print(f"  {label:<34} peak memory {args.factor}N / N = {large / small:.2f}")


if __name__ == "__main__":
    main()
