"""The ``ga4`` connector end to end: export files on disk -> run_sync / `kpi sync ga4` ->
a real DuckDB file -> `kpi eval` of the catalog's traffic KPIs, worked out by hand."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner

from kpi_engine.cli import build_cli
from kpi_engine.connectors import SyncContext
from kpi_engine.errors import SyncError
from kpi_engine.extensions import connector_class
from kpi_engine.schema import table
from kpi_engine.sync.engine import run_sync
from kpi_engine.warehouses.connect import connect

from .ga4_export import event, write


def sid(when: str) -> int:
    """ga_session_id is the session's start in Unix seconds."""
    return int(datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp())


A, B, C, D, E = "111.1709280000", "222.1709283600", "333.1709287200", "444.1", "555.2"
S1, S2, S3 = sid("2024-03-01 08:00:00"), sid("2024-03-01 09:00:00"), sid("2024-03-01 10:00:00")
S4, S5, S6 = sid("2024-03-01 23:50:00"), sid("2024-03-02 12:00:00"), sid("2024-03-03 08:00:00")
LOC = "https://shop.example/"


def day1(late: bool = False) -> list[dict]:
    rows = [
        # S1: organic search by its referrer; two views 30 s apart (engaged by views).
        event("session_start", "2024-03-01 08:00:00", A, S1, page_location=LOC,
              page_referrer="https://www.google.com/", session_engaged="0"),
        event("page_view", "2024-03-01 08:00:00", A, S1, page_location=LOC + "?q=1",
              page_referrer="https://www.google.com/", session_engaged="0"),
        event("page_view", "2024-03-01 08:00:30", A, S1, page_location=LOC + "shoes",
              session_engaged="1"),
        # S2: a tagged Facebook ad, then the whole funnel and a purchase of 100.
        event("page_view", "2024-03-01 09:00:00", B, S2, page_location=LOC + "p/1",
              source="facebook", medium="paid_social", campaign="spring"),
        event("add_to_cart", "2024-03-01 09:01:00", B, S2, session_engaged=1),
        event("begin_checkout", "2024-03-01 09:02:00", B, S2, session_engaged=1),
        event("purchase", "2024-03-01 09:03:00", B, S2, session_engaged=1, revenue=100.0,
              transaction="T1", country="United States"),
        # S3: direct, one view (a bounce, until a late event arrives).
        event("page_view", "2024-03-01 10:00:00", C, S3, page_location=LOC + "about",
              session_engaged="0", country="Vietnam", device="desktop"),
        # S4 starts before midnight from a newsletter ...
        event("page_view", "2024-03-01 23:50:00", D, S4, page_location=LOC + "sale",
              source="newsletter", medium="email", campaign="march"),
        # An event without a session (a server-side hit) makes no session.
        event("refund", "2024-03-01 12:00:00", "999.9", None),
    ]
    if late:  # re-exported the next day with a late event of S3
        rows.append(event("page_view", "2024-03-01 10:00:40", C, S3,
                          page_location=LOC + "contact", session_engaged="1",
                          country="Vietnam", device="desktop"))
    return rows


def day2(full: bool = True) -> list[dict]:
    rows = [
        # ... and goes on after midnight (in the next day's table).
        event("page_view", "2024-03-02 00:10:00", D, S4, page_location=LOC + "p/2"),
        # S5: A returns directly, 5 s of engagement: not engaged (a bounce).
        event("page_view", "2024-03-02 12:00:00", A, S5, number=2, page_location=LOC,
              session_engaged=0),
        event("user_engagement", "2024-03-02 12:00:05", A, S5, number=2,
              engagement_time_msec=5000, session_engaged=0),
    ]
    if full:  # the daily table holds what the intraday one had not yet received
        rows.append(event("purchase", "2024-03-02 00:12:00", D, S4, revenue=50.0,
                          transaction="T2", session_engaged="1"))
        # A purchase event sent twice: one transaction, counted once.
        rows.append(event("purchase", "2024-03-02 00:12:00", D, S4, revenue=50.0,
                          transaction="T2", session_engaged="1"))
    return rows


def day3() -> list[dict]:
    return [
        # S6: a referral from a blog, two views a minute apart.
        event("page_view", "2024-03-03 08:00:00", E, S6, page_location=LOC + "blog/x",
              page_referrer="https://blog.example.org/post"),
        event("page_view", "2024-03-03 08:01:00", E, S6, page_location=LOC + "p/3"),
    ]


@pytest.fixture
def wh(tmp_path):
    warehouse = connect("duckdb:///" + str(tmp_path / "ga4.duckdb"))
    yield warehouse
    warehouse.close()


def sessions(wh) -> dict[str, tuple]:
    rows = wh.query(
        "SELECT session_id, started_at, duration_seconds, pageviews, engaged, is_new_user, "
        "source, medium, channel_group, campaign, device_category, country, landing_page, "
        "added_to_cart, began_checkout, purchased, revenue FROM sessions").rows
    return {r[0]: tuple(r[1:]) for r in rows}


def key(user: str, session: int) -> str:
    return f"{user}-{session}"


def test_ga4_is_a_registered_atomic_connector():
    cls = connector_class("ga4")
    assert cls.atomic and cls.tables == ("sessions",)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_midnight_session_and_late_events_count_each_session_once(wh, tmp_path, fmt):
    export = tmp_path / "export"
    write(export, "events_20240301", day1(), fmt)
    write(export, "events_intraday_20240302", day2(full=False), fmt)
    first = run_sync("ga4", wh, {"path": str(export)})
    got = sessions(wh)
    assert first.rows == {"sessions": 5} and len(got) == 5
    # S4 so far: 23:50 -> 00:10 from the intraday table, no purchase yet.
    assert got[key(D, S4)][1:3] == (1200.0, 2)
    assert got[key(D, S4)][14:] == (False, Decimal("0"))
    assert got[key(C, S3)][1:4] == (0.0, 1, False)

    # The next day: the daily table replaces the intraday one, day 1 is re-exported with
    # a late event, day 3 is new.
    (export / f"events_intraday_20240302.{fmt}").unlink()
    write(export, "events_20240301", day1(late=True), fmt)
    write(export, "events_20240302", day2(), fmt)
    write(export, "events_20240303", day3(), fmt)
    run_sync("ga4", wh, {"path": str(export)})
    got = sessions(wh)
    assert len(got) == 6
    assert wh.query("SELECT count(DISTINCT session_id), count(*) FROM sessions").rows == [(6, 6)]
    midnight = got[key(D, S4)]
    assert midnight[0] == datetime(2024, 3, 1, 23, 50)
    assert midnight[1:3] == (1320.0, 2)
    assert midnight[5:9] == ("newsletter", "email", "Email", "march")
    assert midnight[14:] == (True, Decimal("50.0000"))
    assert got[key(C, S3)][1:4] == (40.0, 2, True)  # the late view made it engaged

    # Nothing changed since: nothing is rebuilt, nothing written.
    again = run_sync("ga4", wh, {"path": str(export)})
    assert again.total_rows == 0 and sessions(wh) == got


def test_sessions_columns_from_the_export(wh, tmp_path):
    export = tmp_path / "export"
    write(export, "events_20240301", day1(late=True))
    write(export, "events_20240302", day2())
    plain = write(export, "events_20240303", day3())
    # A day may come gzipped (BigQuery's extract with compression).
    (export / "events_20240303.jsonl.gz").write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    run_sync("ga4", wh, {"path": str(export)})
    got = sessions(wh)
    assert len(got) == 6
    assert got[key(A, S1)] == (
        datetime(2024, 3, 1, 8), 30.0, 2, True, True, "google", "organic", "Organic Search",
        None, "mobile", "DE", "/", False, False, False, Decimal("0"))
    assert got[key(B, S2)] == (
        datetime(2024, 3, 1, 9), 180.0, 1, True, True, "facebook", "paid_social",
        "Paid Social", "spring", "mobile", "DE", "/p/1", True, True, True, Decimal("100"))
    assert got[key(C, S3)][5:12] == ("(direct)", "(none)", "Direct", None, "desktop", "VN",
                                     "/about")
    assert got[key(A, S5)][1:9] == (5.0, 1, False, False, "(direct)", "(none)", "Direct", None)
    assert got[key(E, S6)][5:8] == ("blog.example.org", "referral", "Referral")


def test_context_day_completes_a_session_across_batches(wh, tmp_path):
    """One day per batch and no look-back: the day before each batch is still read, so a
    session crossing midnight is whole in the batch that emits it last."""
    export = tmp_path / "export"
    write(export, "events_20240301", day1())
    write(export, "events_20240302", day2())
    run_sync("ga4", wh, {"path": str(export), "days_per_batch": 1, "lookback_days": 0})
    assert sessions(wh)[key(D, S4)][1:3] == (1320.0, 2)
    write(export, "events_20240303", day3())
    report = run_sync("ga4", wh, {"path": str(export), "lookback_days": 0})
    # Only the last loaded day (2 March) and the new one are rebuilt.
    assert report.rows == {"sessions": 3}
    assert len(sessions(wh)) == 6


@pytest.mark.slow
def test_kpi_sync_then_eval_by_hand(tmp_path, monkeypatch):
    export = tmp_path / "export"
    write(export, "events_20240301", day1(late=True), "parquet")
    write(export, "events_20240302", day2(), "parquet")
    write(export, "events_20240303", day3(), "parquet")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KPI_ENGINE_LOAD_PLUGINS", raising=False)
    url = "duckdb:///" + str(tmp_path / "kpi.duckdb")
    cli = build_cli()
    synced = CliRunner().invoke(cli, ["sync", "ga4", "-w", url, "--set", f"path={export}"])
    assert synced.exit_code == 0, synced.output
    assert "6 rows" in synced.output
    out = CliRunner().invoke(cli, [
        "eval", "sessions", "conversion_rate", "bounce_rate", "avg_session_duration",
        "-w", url, "--grain", "all", "--format", "json"])
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.output)
    # 6 sessions; S2 and S4 bought; S5 alone did not engage; durations
    # 30 + 180 + 40 + 1320 + 5 + 60 = 1635 s.
    assert row["sessions"] == 6
    assert row["conversion_rate"] == pytest.approx(2 / 6)
    assert row["bounce_rate"] == pytest.approx(1 / 6)
    assert row["avg_session_duration"] == pytest.approx(1635 / 6)
    out = CliRunner().invoke(cli, ["eval", "traffic_share", "-w", url, "--grain", "all",
                                   "--by", "marketing_channel", "--format", "json"])
    assert out.exit_code == 0, out.output
    shares = {r["marketing_channel"]: r["traffic_share"] for r in json.loads(out.output)}
    assert shares == pytest.approx({"direct": 2 / 6, "organic_search": 1 / 6,
                                    "paid_social": 1 / 6, "email": 1 / 6, "referral": 1 / 6})


def test_bad_export_is_one_clear_error(wh, tmp_path):
    export = tmp_path / "export"
    write(export, "events_20240301", day1())
    (export / "events_20240302.jsonl").write_text('{"event_name": "page_view", oops\n')
    with pytest.raises(SyncError, match=r"ga4: cannot read the export of 2024-03-01\.\."):
        run_sync("ga4", wh, {"path": str(export)})
    assert not wh.table_exists("sessions") or sessions(wh) == {}
    with pytest.raises(SyncError, match="does not exist"):
        run_sync("ga4", wh, {"path": str(tmp_path / "nowhere")})
    (export / "events_20240230.jsonl").write_text("")
    with pytest.raises(SyncError, match="'events_20240230' is not a valid day"):
        run_sync("ga4", wh, {"path": str(export)})


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_malformed_json_line_is_named_by_file_and_line(wh, tmp_path, suffix):
    # Three good events, then a broken one on line 4 of the second day's file, then more:
    # the error names that file and line 4 (DuckDB's own message says line 5).
    export = tmp_path / "export"
    write(export, "events_20240301", day1())
    good = [json.dumps(e) for e in day1()[:3]]
    text = "\n".join([*good, '{"event_name": "page_view", oops', good[0]]) + "\n"
    bad = export / f"events_20240302{suffix}"
    if suffix.endswith(".gz"):
        bad.write_bytes(gzip.compress(text.encode()))
    else:
        bad.write_text(text)
    with pytest.raises(SyncError) as raised:
        run_sync("ga4", wh, {"path": str(export)})
    message = str(raised.value)
    assert message.startswith("ga4: cannot read the export of 2024-03-01..2024-03-02: ")
    assert f"{bad}, line 4, column 29: malformed JSON" in message
    assert "\n" not in message
    assert not wh.table_exists("sessions") or sessions(wh) == {}


def test_settings_are_checked(wh, tmp_path):
    with pytest.raises(SyncError, match="setting 'lookback_days'"):
        run_sync("ga4", wh, {"path": str(tmp_path), "lookback_days": -1})
    with pytest.raises(SyncError, match="setting 'memory_limit'"):
        run_sync("ga4", wh, {"path": str(tmp_path), "memory_limit": "1GB'; DROP"})


def test_file_paths_are_parameters_not_sql(wh, tmp_path):
    export = tmp_path / "it's a \"folder\"; DROP TABLE x"
    write(export, "events_20240303", day3())
    run_sync("ga4", wh, {"path": str(export)})
    assert len(sessions(wh)) == 1
    assert os.path.isdir(export)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_revenue_from_the_value_parameter_of_purchases_only(wh, tmp_path, fmt):
    """Without ecommerce.purchase_revenue a purchase's revenue is its ``value`` parameter
    (a double or an integer), each transaction once; a ``value`` on another event (the
    cart's value of an add_to_cart) is no revenue."""
    export = tmp_path / "export"
    s = sid("2024-03-01 08:00:00")
    write(export, "events_20240301", [
        event("page_view", "2024-03-01 08:00:00", A, s, page_location=LOC),
        event("add_to_cart", "2024-03-01 08:01:00", A, s, value=99.0, transaction_id="X"),
        event("purchase", "2024-03-01 08:02:00", A, s, value=30.5, transaction_id="T9"),
        event("purchase", "2024-03-01 08:02:00", A, s, value=30.5, transaction_id="T9"),
        event("purchase", "2024-03-01 08:03:00", A, s, value=12, transaction_id="T10"),
    ], fmt)
    run_sync("ga4", wh, {"path": str(export)})
    assert sessions(wh)[key(A, s)][12:] == (True, False, True, Decimal("42.5000"))


def test_sessions_are_handed_over_in_columns(tmp_path):
    """Pages carry the sessions as an Arrow table with the canonical columns (no Python
    row per session); the cursor comes on its own page after them."""
    export = tmp_path / "export"
    write(export, "events_20240301", day1())
    write(export, "events_20240303", day3())
    connector = connector_class("ga4")(connector_class("ga4").settings_model(path=export))
    pages = list(connector.read(SyncContext(datetime.now(UTC))))
    assert all(page.rows == [] for page in pages)
    data = [page for page in pages if page.arrow is not None]
    assert sum(page.arrow.num_rows for page in data) == 5
    assert data[0].arrow.column_names == list(table("sessions").column_names)
    assert pages[-1].arrow is None and pages[-1].cursor.startswith("through 2024-03-03; ")
