"""Compile-time benchmark: N generated metrics (a realistic mix of types over five
canonical sources) compiled into one statement, for N = 10, 100, 1000.

Prints wall-clock medians and, because this machine is shared and noisy, ratios against
a baseline measured in the same run: compiling ONE metric.

    python bench/compile_bench.py [--repeat 5] [--dialect duckdb]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

SOURCES = {
    "orders": ("orders", "created_at", ["subtotal", "discounts", "shipping", "tax", "total"],
               ["channel", "currency", "utm_source"]),
    "lines": ("order_lines", None, ["quantity", "unit_price", "unit_cost", "discount"], []),
    "sessions": ("sessions", "started_at", ["duration_seconds", "pageviews", "revenue"],
                 ["channel_group", "device_category", "country"]),
    "tickets": ("tickets", "created_at", ["reopens"], ["channel", "priority", "category"]),
    "ads": ("ad_spend", "date", ["spend", "impressions", "clicks", "conversion_value"],
            ["platform", "campaign_type"]),
}


def generate_specs(n: int) -> str:
    """YAML with ``n`` metrics: 60% base aggregates, 20% ratios, 20% derived."""
    lines = ["sources:"]
    for name, (table, time_col, _, dims) in SOURCES.items():
        if time_col is None:
            continue
        lines += [f"  - name: {name}", f"    table: {table}", f"    time: {time_col}"]
        if table == "ad_spend":
            lines.append("    time_type: date")
        lines.append(f"    dimensions: [{', '.join(dims)}]")
    lines.append("metrics:")
    base: list[str] = []
    funcs = ["sum", "avg", "max", "min", "count"]
    timed = [s for s in SOURCES if SOURCES[s][1]]
    for i in range(n):
        kind = i % 10
        if kind < 6 or len(base) < 2:
            src = timed[i % len(timed)]
            col = SOURCES[src][2][i % len(SOURCES[src][2])]
            func = funcs[i % len(funcs)]
            name = f"m{i}_{func}_{src}"
            entry = f"  - {{name: {name}, type: {func}, source: {src}"
            entry += "}" if func == "count" else f", expr: {col}}}"
            if i % 3 == 0 and func != "count":
                entry = entry[:-1] + f", filter: \"{col} > {i % 7}\"}}"
            lines.append(entry)
            base.append(name)
        elif kind < 8:
            a, b = base[i % len(base)], base[(i * 7 + 3) % len(base)]
            lines.append(f"  - {{name: m{i}_ratio, type: ratio, numerator: {a}, "
                         f"denominator: {b}}}")
        else:
            a, b = base[(i * 3) % len(base)], base[(i * 5 + 1) % len(base)]
            lines.append(f"  - {{name: m{i}_derived, type: derived, expr: \"{a} - {b} * 2\"}}")
    return "\n".join(lines) + "\n"


def measure(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dialect", default="duckdb")
    args = parser.parse_args()

    from kpi_engine.compiler.compiler import Compiler
    from kpi_engine.compiler.request import Request
    from kpi_engine.registry import load_registry

    print(f"compile benchmark, dialect {args.dialect}, median of {args.repeat} runs")
    print(f"{'metrics':>8} {'load+validate':>14} {'compile':>10} {'per metric':>11} "
          f"{'vs 1 metric':>12}")
    baseline = None
    for n in (1, 10, 100, 1000):
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "bench.yaml").write_text(generate_specs(n), encoding="utf-8")
            load_time = measure(lambda: load_registry([tmp], include_packs=False),
                                max(1, args.repeat // 2))
            registry = load_registry([tmp], include_packs=False)
        names = tuple(registry.metrics)
        request = Request(metrics=names, grain="month", dialect=args.dialect)
        compiler = Compiler(registry)
        compiler.compile(request)  # warm caches once, as a long-lived process would
        t = measure(lambda r=registry, q=request: Compiler(r).compile(q), args.repeat)
        baseline = baseline or t
        print(f"{n:>8} {load_time * 1000:>12.1f}ms {t * 1000:>8.1f}ms "
              f"{t / n * 1000:>9.3f}ms {t / baseline:>11.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
