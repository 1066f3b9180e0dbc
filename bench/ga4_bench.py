"""GA4 benchmark: turn N generated export events (default 2,000,000, about 100,000
sessions over 7 daily files) into sessions, in both export formats, each step a child
process as a user runs it.

For JSON Lines and Parquet it prints events per second of wall time and the peak resident
memory of the whole process (maximum RSS, from wait4) for
  - baseline: DuckDB reading the same files with count(*);
  - read columns (JSON only): DuckDB reading just the columns the sessions are built from,
    typed as the connector reads them, and nothing else: where sessionising's time goes;
  - sessionise: the ga4 connector's read (every session row built and handed over);
  - kpi sync ga4: the same into a DuckDB warehouse through the sync engine;
and the ratio of each to the baseline. Targets: >= 200,000 events/s, < 1 GB peak.
With --repeat N every step runs N times (interleaved) and the medians are printed: the
machine is shared, so single runs vary.

    python bench/ga4_bench.py [--events 2000000] [--days 7] [--keep DIR] [--repeat 3]
                              [--formats jsonl,parquet]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

EVENTS_PER_SESSION = 20
FIRST_DAY = date(2024, 3, 1)

# One session of EVENTS_PER_SESSION events, as the export writes them: a session_start,
# page views, engagement, and for some sessions add_to_cart, begin_checkout, purchase.
_GENERATE = """
WITH sessions AS (
    SELECT i AS n,
           CAST(i % {users} AS VARCHAR) || '.' || CAST(1700000000 + i % {users} AS VARCHAR)
               AS upid,
           {t0} + (i // {per_day}) * 86400000000 + (i % {per_day}) * ({spread}) AS start_us,
           i // {per_day} AS day_no
    FROM range({sessions}) AS t(i)
    WHERE i // {per_day} = {day}
),
events AS (
    SELECT s.*, j, CAST(s.start_us // 1000000 AS BIGINT) AS sid,
           CASE WHEN j = 0 THEN 'session_start'
                WHEN j = 17 AND n % 5 = 0 THEN 'add_to_cart'
                WHEN j = 18 AND n % 10 = 0 THEN 'begin_checkout'
                WHEN j = 19 AND n % 20 = 0 THEN 'purchase'
                WHEN j % 3 = 2 THEN 'user_engagement'
                ELSE 'page_view' END AS event_name
    FROM sessions s, range({per_session}) AS r(j)
)
SELECT strftime(make_timestamp(start_us), '%Y%m%d') AS event_date,
       {int}(start_us + j * 20000000) AS event_timestamp,
       event_name,
       [{{'key': 'ga_session_id', 'value': {{'string_value': NULL, 'int_value': {int}(sid),
          'float_value': NULL, 'double_value': NULL}}}},
        {{'key': 'ga_session_number', 'value': {{'string_value': NULL,
          'int_value': {int}(1 + n % 3), 'float_value': NULL, 'double_value': NULL}}}},
        {{'key': 'session_engaged', 'value': {{'string_value': CASE WHEN j > 0 THEN '1'
          ELSE '0' END, 'int_value': NULL, 'float_value': NULL, 'double_value': NULL}}}},
        {{'key': 'engagement_time_msec', 'value': {{'string_value': NULL,
          'int_value': {int}(j * 700), 'float_value': NULL, 'double_value': NULL}}}},
        {{'key': 'page_location', 'value': {{'string_value': 'https://shop.example/p/'
          || CAST((n + j) % 500 AS VARCHAR) || '?utm_source=x', 'int_value': NULL,
          'float_value': NULL, 'double_value': NULL}}}},
        {{'key': 'page_referrer', 'value': {{'string_value': CASE WHEN n % 4 = 1
          THEN 'https://www.google.com/' ELSE NULL END, 'int_value': NULL,
          'float_value': NULL, 'double_value': NULL}}}},
        {{'key': 'page_title', 'value': {{'string_value': 'Product page', 'int_value': NULL,
          'float_value': NULL, 'double_value': NULL}}}}] AS event_params,
       user_upid AS user_pseudo_id,
       {{'manual_source': CASE WHEN n % 4 = 0 THEN 'facebook' END,
         'manual_medium': CASE WHEN n % 4 = 0 THEN 'paid_social' END,
         'manual_campaign_name': CASE WHEN n % 4 = 0 THEN 'spring' END,
         'gclid': CASE WHEN n % 8 = 3 THEN 'Cj0abc' END}} AS collected_traffic_source,
       {{'name': '(direct)', 'medium': '(none)', 'source': '(direct)'}} AS traffic_source,
       {{'category': CASE WHEN n % 3 = 0 THEN 'desktop' ELSE 'mobile' END,
         'operating_system': 'iOS', 'language': 'en-us'}} AS device,
       {{'country': CASE WHEN n % 2 = 0 THEN 'Germany' ELSE 'United States' END,
         'city': 'Berlin', 'region': 'Berlin'}} AS geo,
       CASE WHEN event_name = 'purchase' THEN {{'purchase_revenue': 59.9,
         'transaction_id': 'T' || CAST(n AS VARCHAR), 'total_item_quantity': {int}(2)}}
       END AS ecommerce
FROM (SELECT *, upid AS user_upid FROM events)
"""


def generate(folder: Path, events: int, days: int) -> None:
    """Write the events as events_YYYYMMDD.jsonl and .parquet files, one per day."""
    import duckdb

    sessions = events // EVENTS_PER_SESSION
    per_day = -(-sessions // days)
    (folder / "jsonl").mkdir(parents=True, exist_ok=True)
    (folder / "parquet").mkdir(parents=True, exist_ok=True)
    t0 = int(time.mktime(FIRST_DAY.timetuple())) * 1_000_000
    con = duckdb.connect()
    for day in range(days):
        stamp = (FIRST_DAY + timedelta(days=day)).strftime("%Y%m%d")
        for fmt, int_type in (("parquet", "CAST_BIGINT"), ("jsonl", "CAST_TEXT")):
            sql = _GENERATE.format(users=max(sessions * 2 // 3, 1), t0=t0, per_day=per_day,
                                   spread=86_400_000_000 // per_day, sessions=sessions,
                                   day=day, per_session=EVENTS_PER_SESSION, int=int_type)
            # BigQuery writes INT64 as JSON strings ("1"); Parquet keeps them numbers.
            con.execute("CREATE OR REPLACE MACRO CAST_BIGINT(x) AS CAST(x AS BIGINT)")
            con.execute("CREATE OR REPLACE MACRO CAST_TEXT(x) AS CAST(x AS VARCHAR)")
            target = folder / fmt / f"events_{stamp}.{fmt}"
            options = "FORMAT parquet" if fmt == "parquet" else "FORMAT json"
            con.execute(f"COPY ({sql}) TO '{target}' ({options})")  # our own temp path


CHILD_BASELINE = """
import duckdb, sys
fmt, folder = sys.argv[1], sys.argv[2]
reader = "read_parquet" if fmt == "parquet" else "read_json"
files = sorted(str(p) for p in __import__("pathlib").Path(folder).glob("events_*"))
con = duckdb.connect()
con.execute("SET memory_limit = '512MB'")
con.execute("SET enable_progress_bar = false")
extra = "" if fmt == "parquet" else ", format = 'newline_delimited'"
print(con.execute(f"SELECT count(*) FROM {reader}(?{extra})", [files]).fetchone()[0])
"""

CHILD_SCAN = """
import duckdb, sys
from pathlib import Path
from kpi_engine_plugins.ga4.export_schema import json_columns
files = sorted(str(p) for p in Path(sys.argv[1]).glob("events_*"))
con = duckdb.connect()
con.execute("SET memory_limit = '512MB'")
con.execute("SET enable_progress_bar = false")
print(con.execute("SELECT count(*), count(COLUMNS(*)) FROM read_json(?, format = "
                  "'newline_delimited', columns = ?)", [files, json_columns()]).fetchone()[0])
"""

CHILD_READ = """
import sys
from datetime import UTC, datetime
from kpi_engine.connectors import SyncContext
from kpi_engine_plugins.ga4.connector import Ga4Connector
from kpi_engine_plugins.ga4.settings import Ga4Settings
rows = 0
for page in Ga4Connector(Ga4Settings(path=sys.argv[1])).read(SyncContext(datetime.now(UTC))):
    rows += len(page.rows) if page.arrow is None else page.arrow.num_rows
print(rows)
"""


def measure(argv: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """Run ``argv`` as a child: wall time (s), CPU time (s), peak RSS (MB), last line of
    its output. CPU time matters on a shared machine, where wall time waits for others."""
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read().strip()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(argv[:3])} failed:\n{text[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, (text.splitlines() or [""])[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--repeat", type=int, default=1, help="runs per step (medians)")
    parser.add_argument("--formats", default="parquet,jsonl")
    parser.add_argument("--generate-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        generate(args.generate_only, args.events, args.days)
        return
    kpi = str(Path(sys.executable).with_name("kpi"))
    with tempfile.TemporaryDirectory(prefix="ga4-bench-") as tmp:
        folder = args.keep or Path(tmp)
        start = time.perf_counter()
        if not (folder / "parquet").exists():
            # In a child: a child's peak RSS starts at its parent's (fork), so the parent
            # measuring the others must stay small.
            subprocess.run([sys.executable, __file__, "--events", str(args.events), "--days",
                            str(args.days), "--generate-only", str(folder)], check=True)
        print(f"generated {args.events:,} events ({args.events // EVENTS_PER_SESSION:,} "
              f"sessions, {args.days} daily files per format) in "
              f"{time.perf_counter() - start:.1f}s")
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} CPUs; {args.repeat} run(s) per step, medians")
        for fmt in args.formats.split(","):
            data = folder / fmt
            size = sum(p.stat().st_size for p in data.iterdir()) / 1e6
            print(f"\n{fmt}: {size:,.0f} MB")
            steps = [("baseline count(*)", [sys.executable, "-c", CHILD_BASELINE, fmt,
                                            str(data)])]
            if fmt == "jsonl":
                steps.append(("read columns only", [sys.executable, "-c", CHILD_SCAN,
                                                    str(data)]))
            steps.append(("sessionise (read)", [sys.executable, "-c", CHILD_READ, str(data)]))
            db = folder / f"{fmt}.duckdb"
            steps.append(("kpi sync ga4", [kpi, "sync", "ga4", "--warehouse",
                                           f"duckdb:///{db}", "--set", f"path={data}",
                                           "--full-refresh"]))
            runs: dict[str, list[tuple[float, float, float, str]]] = {l: [] for l, _ in steps}
            for _ in range(args.repeat):  # interleaved, so load changes hit every step
                for label, argv in steps:
                    db.unlink(missing_ok=True)  # every sync inserts all, none compares
                    runs[label].append(measure(argv, folder))
            base_wall = statistics.median(r[0] for r in runs["baseline count(*)"])
            base_cpu = statistics.median(r[1] for r in runs["baseline count(*)"])
            base_rss = max(r[2] for r in runs["baseline count(*)"])
            for label, _ in steps:
                wall = statistics.median(r[0] for r in runs[label])
                cpu = statistics.median(r[1] for r in runs[label])
                rss = max(r[2] for r in runs[label])
                line = (f"  {label:<19} {args.events / wall:>10,.0f} events/s "
                        f"{args.events / cpu:>10,.0f} events/CPU-s  peak {rss:>5,.0f} MB")
                if label.startswith("baseline"):
                    line += f"   ({runs[label][-1][3]} events)"
                else:
                    line += (f"   x{base_wall / wall:.2f} of baseline speed (CPU "
                             f"x{base_cpu / cpu:.2f}), x{rss / base_rss:.1f} its memory   "
                             f"({runs[label][-1][3][:60]})")
                print(line, flush=True)
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

if __name__ == "__main__":
    main()
