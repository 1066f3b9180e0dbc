"""Sync benchmark: Shopify orders (3 lines each) served by a loopback server, synced by
`kpi sync shopify` into DuckDB through paged GraphQL queries and through a bulk
operation's JSONL, beside a baseline measured in the same run: the same canonical rows
loaded by `kpi sync files` from JSON Lines.

Each run is a child process, as a user runs it; printed per run: rows and orders per
second of wall time and orders per second of the process's own CPU time (the machine may
be shared), and the peak resident memory of the whole `kpi sync` process (its maximum
RSS, from wait4). The server runs in a process of its own, so its memory is not counted.
Memory should not grow with orders: compare the small and the large run (the ratio is
printed), and a third, larger bulk run (``--large``, 400,000 orders, run once) shows
where the peak levels off. Each run is repeated (``--repeat``, 3 by default) and the line
gives the median wall and CPU time and the highest peak, with every run's wall time
after it: on a shared machine one run's figure says as much about the neighbours as
about the sync.

    python bench/sync_bench.py [--orders 200000] [--small 50000] [--paged-orders 10000]
                               [--repeat 3] [--large 400000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRAPHQL = "/admin/api/2025-01/graphql.json"
LINES = 3


def _money(amount: str) -> dict:
    return {"shopMoney": {"amount": amount, "currencyCode": "USD"},
            "presentmentMoney": {"amount": amount, "currencyCode": "USD"}}


def order_node(i: int) -> dict:
    """Order ``i`` as the GraphQL Admin API returns it (lines nested as a connection)."""
    prices = [f"{10 + (i + j) % 90}.00" for j in range(LINES)]
    qty = [1 + (i + j) % 3 for j in range(LINES)]
    subtotal = sum(float(p) * q for p, q in zip(prices, qty, strict=True))
    day = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
    lines = [{
        "id": f"gid://shopify/LineItem/{i * LINES + j}", "sku": f"SKU-{(i + j) % 500}",
        "quantity": qty[j], "product": {"id": f"gid://shopify/Product/{(i + j) % 500}"},
        "variant": {"id": f"gid://shopify/ProductVariant/{(i + j) % 500}",
                    "inventoryItem": {"unitCost": {"amount": "4.00",
                                                   "currencyCode": "USD"}}},
        "originalUnitPriceSet": _money(prices[j]),
        "originalTotalSet": _money(f"{float(prices[j]) * qty[j]:.2f}"),
        "discountAllocations": [],
    } for j in range(LINES)]
    return {
        "id": f"gid://shopify/Order/{i}", "name": f"#{i}", "createdAt": day,
        "processedAt": day, "updatedAt": day, "cancelledAt": None, "test": False,
        "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "FULFILLED",
        "sourceName": "web", "currencyCode": "USD", "presentmentCurrencyCode": "USD",
        "customer": {"id": f"gid://shopify/Customer/{i % 50_000}"},
        "customerJourneySummary": None,
        "totalDiscountsSet": _money("0.00"), "totalShippingPriceSet": _money("5.00"),
        "totalTaxSet": _money("0.00"), "totalPriceSet": _money(f"{subtotal + 5:.2f}"),
        "totalRefundedSet": _money("0.00"),
        "lineItems": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": lines},
        "shippingLines": {"nodes": [{"id": f"gid://shopify/ShippingLine/{i}",
                                     "title": "Standard",
                                     "originalPriceSet": _money("5.00"),
                                     "discountedPriceSet": _money("5.00")}]},
        "refunds": [],
    }


def write_inputs(folder: Path, orders: int, baseline: bool = True) -> None:
    """The bulk JSONL (children on lines of their own, with __parentId) and (unless
    ``baseline`` is false) the baseline's canonical JSON Lines files, made by the
    connector's own mapping from the same nodes."""
    sys.path.insert(0, str(ROOT))
    from kpi_engine_plugins.shopify.mapping import order_rows

    folder.mkdir(parents=True, exist_ok=True)
    base = folder / "files"
    base.mkdir(exist_ok=True)
    with (folder / "bulk.jsonl").open("w") as bulk, \
            (base / "orders.jsonl").open("w") as o, \
            (base / "order_lines.jsonl").open("w") as ol, \
            (base / "checkouts.jsonl").open("w") as co:
        for i in range(orders):
            node = order_node(i)
            parent = {k: v for k, v in node.items() if k not in ("lineItems",
                                                                 "shippingLines")}
            bulk.write(json.dumps(parent) + "\n")
            for child in node["lineItems"]["nodes"] + node["shippingLines"]["nodes"]:
                bulk.write(json.dumps({**child, "__parentId": node["id"]}) + "\n")
            if not baseline:
                continue
            order, lines, _, checkouts = order_rows(node, "shopify")
            o.write(json.dumps(order, default=str) + "\n")
            for row in lines:
                ol.write(json.dumps(row, default=str) + "\n")
            for row in checkouts:
                co.write(json.dumps(row, default=str) + "\n")


# -- the loopback Shopify --------------------------------------------------------------------
def serve(folder: Path, orders: int) -> ThreadingHTTPServer:
    """A Shopify GraphQL endpoint: orders pages generated on demand, a bulk operation whose
    result is ``folder/bulk.jsonl`` (streamed), every other stream empty."""
    empty = {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}
    cost = {"cost": {"requestedQueryCost": 100, "throttleStatus": {
        "maximumAvailable": 20000.0, "currentlyAvailable": 19000.0, "restoreRate": 1000.0}}}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each answer's body waits ~40 ms for an ACK

        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            query, variables = body["query"], body.get("variables") or {}
            if "bulkOperationRunQuery" in query:
                data = {"bulkOperationRunQuery": {"bulkOperation": {
                    "id": "gid://shopify/BulkOperation/1", "status": "CREATED"},
                    "userErrors": []}}
            elif "node(id:" in query:
                port = self.server.server_address[1]
                data = {"node": {"id": variables["id"], "status": "COMPLETED",
                                 "errorCode": None, "objectCount": str(orders),
                                 "url": f"http://127.0.0.1:{port}/bulk.jsonl",
                                 "partialDataUrl": None}}
            elif "orders(first" in query:
                start = int(variables.get("after") or 0)
                end = min(orders, start + int(variables["first"]))
                data = {"orders": {"pageInfo": {"hasNextPage": end < orders,
                                                "endCursor": str(end)},
                                   "nodes": [order_node(i) for i in range(start, end)]}}
            else:
                root = query.split("{", 2)[1].split("(")[0].strip()
                data = {root: empty}
            self._send(json.dumps({"data": data, "extensions": cost}).encode(),
                       "application/json")

        def do_GET(self):  # noqa: N802
            path = folder / "bulk.jsonl"
            self.send_response(200)
            self.send_header("Content-Type", "application/jsonl")
            self.send_header("Content-Length", str(path.stat().st_size))
            self.end_headers()
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    self.wfile.write(chunk)

        def _send(self, payload: bytes, kind: str):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_server_process(folder: Path, orders: int) -> tuple[subprocess.Popen, str]:
    """The server in a process of its own (its memory and CPU are not the sync's)."""
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(folder), "--orders",
                             str(orders)], stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    return proc, url


# -- measuring ------------------------------------------------------------------------------
def measure(argv: list[str], cwd: Path, env: dict) -> tuple[float, float, float, str]:
    """Run ``argv`` as a child: wall seconds, CPU seconds, peak RSS (MB), its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"{' '.join(argv[2:5])} failed: {err.read()[-2000:]}")
        text = out.read()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def fresh_measure(argv: list[str], env: dict) -> tuple[float, float, float, str]:
    """``measure``, each time into a new warehouse (a second sync into the same one would
    find nothing new and write nothing)."""
    warehouse = Path(argv[argv.index("-w") + 1].removeprefix("duckdb:///"))
    for leftover in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return measure(argv, ROOT, env)


def compile_package() -> None:
    """Bytecode for every module, as pip writes it when it installs a package: without it
    each measured process would compile what it imports (this machine sets
    PYTHONDONTWRITEBYTECODE), about 1.5 CPU s that no installed `kpi` spends."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kpi_engine"),
                    str(ROOT / "plugins")], check=True)


def kpi_sync(connector: str, warehouse: Path, *settings: str) -> list[str]:
    return [sys.executable, "-m", "kpi_engine", "sync", connector, "-q", "-w",
            f"duckdb:///{warehouse}", *[x for s in settings for x in ("--set", s)]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=50_000)
    parser.add_argument("--paged-orders", type=int, default=10_000,
                        help="orders for the paged GraphQL sync (50 a request)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement; the median is printed")
    parser.add_argument("--large", type=int, default=400_000,
                        help="orders for one more bulk run, run once, beyond --orders: "
                             "where the peak memory levels off (0: none)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        server = serve(args.serve, args.orders)
        print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
        threading.Event().wait()
        return

    compile_package()
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
           "KPI_SHOPIFY_ACCESS_TOKEN": "shpat_bench"}
    rows_per_order = 1 + LINES + 1  # the order, its lines, its completed checkout
    print(f"{'run':<34} {'orders':>8} {'rows':>9} {'wall s':>7} {'CPU s':>6} "
          f"{'orders/s':>9} {'rows/s':>8} {'orders/CPU s':>12} {'peak MB':>8}")
    peaks: dict[str, dict[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="kpi-sync-bench-") as tmp:
        root = Path(tmp)
        sizes = sorted({args.small, args.orders})
        large = [args.large] if args.large > sizes[-1] else []
        for n in sizes + large:
            folder = root / str(n)
            only_bulk = n in large  # the baseline's and paged runs say nothing new there
            write_inputs(folder, n, baseline=not only_bulk)
            proc, url = run_server_process(folder, n)
            try:
                bulk = ("shopify bulk operation (JSONL)", n,
                        kpi_sync("shopify", folder / "bulk.duckdb", f"base_url={url}",
                                 "bulk=always", "streams=orders", "bulk_poll_seconds=0.05"))
                runs = [bulk] if only_bulk else [
                    ("baseline: files from JSON Lines", n,
                     kpi_sync("files", folder / "files.duckdb", f"path={folder/'files'}",
                              "source=shopify")), bulk]
                if n == sizes[0] and args.paged_orders:
                    paged = min(args.paged_orders, n)
                    runs.append(("shopify paged GraphQL", paged, None))
                for label, count, argv in runs:
                    if argv is None:  # the paged run serves its own number of orders
                        proc.kill()
                        proc.wait()
                        proc, url = run_server_process(folder, count)
                        argv = kpi_sync("shopify", folder / "paged.duckdb",
                                        f"base_url={url}", "bulk=never", "streams=orders",
                                        "orders_page_size=50")
                    repeat = 1 if only_bulk else max(1, args.repeat)
                    runs_of = [fresh_measure(argv, env) for _ in range(repeat)]
                    for *_, text in runs_of:  # each run loaded every order itself
                        if f"orders {count:,} ({count:,} inserted" not in text:
                            raise SystemExit(f"{label}: not every order inserted: {text}")
                    wall = statistics.median(r[0] for r in runs_of)
                    cpu = statistics.median(r[1] for r in runs_of)
                    peak = max(r[2] for r in runs_of)
                    rows = count * rows_per_order
                    each = " / ".join(f"{r[0]:.1f}" for r in runs_of)
                    print(f"{label:<34} {count:>8,} {rows:>9,} {wall:>7.1f} {cpu:>6.1f} "
                          f"{count / wall:>9,.0f} {rows / wall:>8,.0f} {count / cpu:>12,.0f} "
                          f"{peak:>8.0f}   (wall s: {each})", flush=True)
                    peaks.setdefault(label, {})[count] = peak
            finally:
                proc.kill()
                proc.wait()
            shutil.rmtree(folder)  # 1.4 GB of input at 400,000 orders: one size at a time
    for label, by_size in peaks.items():
        steps = sorted(by_size.items())
        if len(steps) < 2:
            continue
        (first, peak), rest = steps[0], steps[1:]
        text = f"{peak:.0f} MB at {first:,} orders"
        for count, now in rest:
            text += f", {now:.0f} MB at {count:,} orders (ratio {now / peak:.2f})"
            peak = now
        print(f"{label}: peak memory {text}")


if __name__ == "__main__":
    main()
