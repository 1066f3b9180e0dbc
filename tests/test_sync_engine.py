"""The sync engine against a real DuckDB file: coercion, merge, cursors, atomicity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr

from kpi_engine import hookimpl
from kpi_engine.connectors import Connector, ConnectorSettings, Page, SyncContext
from kpi_engine.errors import SyncError
from kpi_engine.extensions import reset_extensions
from kpi_engine.plugins import get_plugin_manager
from kpi_engine.schema import TABLES
from kpi_engine.sync.coerce import CoerceError, TableCoercer, coerce_value, column_converter
from kpi_engine.sync.engine import SyncReport, cap_cursor, run_sync
from kpi_engine.warehouses.connect import connect

# -- test connectors ----------------------------------------------------------------------

# 9 refunds, one a day; the paged connector serves them 3 per page after its cursor.
REFUNDS = [{"refund_id": f"r{i}", "order_id": f"o{i}", "created_at": f"2024-01-0{i}T10:00:00Z",
            "amount": f"{i}.10"} for i in range(1, 10)]

# Pages the scripted connectors yield, set by each test.
SCRIPT: list[Page] = []


class PagedSettings(ConnectorSettings):
    fail_at_page: int = 0
    page_size: int = 3
    token: SecretStr | None = None


class PagedRefunds(Connector):
    """An API-like connector: reads after its cursor, commits page by page."""

    name = "test_paged"
    settings_model = PagedSettings
    tables = ("refunds",)
    seen_cursors: ClassVar[list[str | None]] = []
    settings: PagedSettings

    def read(self, context: SyncContext) -> Iterator[Page]:
        cursor = context.cursors.get("refunds")
        type(self).seen_cursors.append(cursor)
        todo = [r for r in REFUNDS if cursor is None or r["created_at"] > cursor]
        size = self.settings.page_size
        for number, start in enumerate(range(0, len(todo), size), 1):
            if number == self.settings.fail_at_page:
                raise ConnectionError("connection reset by peer")
            chunk = [dict(r) for r in todo[start:start + size]]
            yield Page("refunds", chunk, cursor=chunk[-1]["created_at"])


class ScriptedSettings(ConnectorSettings):
    pass


class Scripted(Connector):
    """Yields whatever the test put in SCRIPT, page by page."""

    name = "test_scripted"
    settings_model = ScriptedSettings
    seen_cursors: ClassVar[list[dict[str, str | None]]] = []

    def read(self, context: SyncContext) -> Iterator[Page]:
        type(self).seen_cursors.append(dict(context.cursors))
        yield from SCRIPT


class ScriptedAtomic(Scripted):
    name = "test_atomic"
    atomic = True


class _EnginePlugin:
    @hookimpl
    def kpi_register_connectors(self, register):
        for cls in (PagedRefunds, Scripted, ScriptedAtomic):
            register(cls)


@pytest.fixture(autouse=True)
def test_connectors():
    pm = get_plugin_manager()
    plugin = _EnginePlugin()
    pm.register(plugin, name="test-sync-engine")
    reset_extensions()
    PagedRefunds.seen_cursors.clear()
    Scripted.seen_cursors.clear()
    SCRIPT.clear()
    yield
    pm.unregister(plugin)
    reset_extensions()


@pytest.fixture
def wh(tmp_path):
    warehouse = connect("duckdb:///" + str(tmp_path / "sync.duckdb"))
    yield warehouse
    warehouse.close()


def fingerprint(wh, table: str) -> tuple[int, int]:
    """Row count and an order-independent checksum of every value in the table."""
    count, checksum = wh.query(f"SELECT count(*), bit_xor(hash(t)) FROM {table} t").rows[0]
    return count, checksum


# -- coercion -----------------------------------------------------------------------------

def test_money_strings_stay_exact_decimals():
    assert coerce_value("19.99", "decimal") == Decimal("19.99")
    assert isinstance(coerce_value("19.99", "decimal"), Decimal)
    assert coerce_value("0.1", "decimal") + coerce_value("0.2", "decimal") == Decimal("0.3")
    assert coerce_value(" 1234567.8912 ", "decimal") == Decimal("1234567.8912")
    # A JSON float keeps its short spelling, not the binary expansion.
    assert coerce_value(19.99, "decimal") == Decimal("19.99")
    assert coerce_value(7, "decimal") == Decimal(7)
    assert coerce_value("", "decimal") is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("true", True), ("TRUE", True), ("Yes", True), ("1", True), (" no ", False),
    ("False", False), ("0", False), (True, True), (0, False), ("", None), (None, None)])
def test_booleans(raw, expected):
    assert coerce_value(raw, "boolean") is expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10)),
    ("2024-03-01T17:00:00+07:00", datetime(2024, 3, 1, 10)),
    ("2024-03-01 10:00:00", datetime(2024, 3, 1, 10)),  # naive is UTC already
    ("2024-03-01T10:00:00.250-05:00", datetime(2024, 3, 1, 15, 0, 0, 250000)),
    ("2024-03-01", datetime(2024, 3, 1)),
    (datetime(2024, 3, 1, 12, tzinfo=UTC), datetime(2024, 3, 1, 12)),
])
def test_timestamps_become_naive_utc(raw, expected):
    value = coerce_value(raw, "timestamp")
    assert value == expected
    assert value.tzinfo is None


def test_integers_floats_dates_strings():
    assert coerce_value("42", "integer") == 42
    assert coerce_value("42.0", "integer") == 42
    assert coerce_value(Decimal("3"), "integer") == 3
    assert coerce_value("2.5", "float") == 2.5
    assert coerce_value("2024-02-29", "date") == date(2024, 2, 29)
    assert coerce_value("2024-02-29T00:00:00", "date") == date(2024, 2, 29)
    assert coerce_value(1001, "string") == "1001"
    assert coerce_value(1001.0, "string") == "1001"
    assert coerce_value("", "string") is None


@pytest.mark.parametrize(("raw", "logical", "message"), [
    ("abc", "decimal", "cannot read 'abc' as a decimal"),
    ("NaN", "decimal", "cannot read 'NaN' as a decimal"),
    ("1e20", "decimal", "cannot read '1e20' as a decimal"),  # too big for DECIMAL(18, 4)
    ("4.5", "integer", "cannot read '4.5' as an integer"),
    ("maybe", "boolean", "cannot read 'maybe' as a boolean"),
    (2, "boolean", "cannot read '2' as a boolean"),
    (True, "decimal", "cannot read 'True' as a decimal"),
    ("yesterday", "timestamp", "cannot read 'yesterday' as a timestamp"),
    ("2024-02-30", "date", "cannot read '2024-02-30' as a date"),
    ("2024-02-03T10:00:00", "date", "cannot read '2024-02-03T10:00:00' as a date"),
    ({"a": 1}, "string", "cannot read \"{'a': 1}\" as a string"),
])
def test_bad_values_raise_with_the_value(raw, logical, message):
    with pytest.raises(CoerceError, match="^" + message.replace("(", r"\(")):
        coerce_value(raw, logical)


def test_column_converter_matches_cell_converter_on_mixed_input():
    raw = ["TRUE", "no", " yes", None, "", "0"]
    assert column_converter("boolean")(raw) == [True, False, True, None, None, False]
    assert column_converter("string")(["a", "", None, 5]) == ["a", None, None, "5"]
    with pytest.raises(CoerceError):
        column_converter("decimal")(["1.0", "x"])


def test_table_coercer_reports_every_bad_value_and_keeps_the_last_duplicate():
    coercer = TableCoercer(TABLES["refunds"], "shop")
    rows = [{"refund_id": "a", "amount": "1.50"}, {"refund_id": "b", "amount": "oops"},
            {"refund_id": "a", "amount": "2.50", "source": "other"},
            {"refund_id": "a", "amount": "3.50"}, {"refund_id": "", "amount": "x"}]
    problems: list[str] = []
    page = coercer.coerce(rows, [f"f.csv:{i}" for i in range(2, 7)], problems)
    assert problems == ["f.csv:3: column 'amount': cannot read 'oops' as a decimal",
                        "f.csv:6: column 'amount': cannot read 'x' as a decimal",
                        "f.csv:6: column 'refund_id': missing value for a primary key "
                        "column of 'refunds'"]
    good = TableCoercer(TABLES["refunds"], "shop").coerce(rows[:1] + rows[2:4], ["x"] * 3, [])
    amount = good.columns.index("amount")
    by_key = {(r[0], r[1]): r[amount] for r in good.rows}
    # (shop, a) appears twice: the last one (3.50) wins; the 'other' source is its own key.
    assert by_key == {("a", "shop"): Decimal("3.50"), ("a", "other"): Decimal("2.50")}
    assert page.sources >= {"shop", "other"}


# -- cursors ------------------------------------------------------------------------------

def test_cap_cursor_keeps_past_values_and_caps_future_ones():
    start = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert cap_cursor("2024-04-01T00:00:00Z", start) == "2024-04-01T00:00:00Z"
    assert cap_cursor("2999-01-01T00:00:00Z", start) == "2024-05-01T12:30:00Z"
    assert cap_cursor("2999-01-01T00:00:00+02:00", start) == "2024-05-01T12:30:00+00:00"
    assert cap_cursor("2999-01-01T00:00:00", start) == "2024-05-01T12:30:00"
    assert cap_cursor("2999-01-01", start) == "2024-05-01"
    assert cap_cursor("2024-05-01T14:00:00+03:00", start) == "2024-05-01T14:00:00+03:00"
    assert cap_cursor("page-token-99", start) == "page-token-99"
    assert cap_cursor("29990101", start) == "29990101"  # an id, not a date


def test_cursor_in_the_future_is_saved_capped_at_sync_start(wh):
    SCRIPT.append(Page("refunds", [dict(REFUNDS[0])], stream="refunds_api",
                       cursor="2999-01-01T00:00:00Z"))
    before = datetime.now(UTC)
    report = run_sync("test_scripted", wh, {})
    after = datetime.now(UTC)
    saved = wh.get_state("test_scripted", "refunds_api")
    assert saved is not None and saved.endswith("Z")
    saved_at = datetime.fromisoformat(saved)
    assert before <= saved_at <= after
    assert saved_at == report.started_at
    assert report.cursors == {"refunds_api": saved}


def test_cursor_is_saved_with_its_page_and_not_without_it(wh):
    SCRIPT.extend([
        Page("refunds", [dict(REFUNDS[0]), dict(REFUNDS[1])], cursor="2024-01-02T10:00:00Z"),
        Page("refunds", [dict(REFUNDS[2], amount="twelve")], cursor="2024-01-03T10:00:00Z"),
    ])
    with pytest.raises(SyncError) as err:
        run_sync("test_scripted", wh, {})
    assert "column 'amount': cannot read 'twelve' as a decimal" in str(err.value)
    assert "test_scripted refunds page 2 row 1" in str(err.value)
    # Page 1 and its cursor are committed; page 2's rows and cursor are not.
    assert wh.query("SELECT refund_id FROM refunds ORDER BY 1").rows == [("r1",), ("r2",)]
    assert wh.get_state("test_scripted", "refunds") == "2024-01-02T10:00:00Z"


def test_crash_mid_run_keeps_committed_pages_and_resumes_from_cursor(wh):
    with pytest.raises(SyncError, match="connection reset by peer"):
        run_sync("test_paged", wh, {"fail_at_page": 3})
    assert fingerprint(wh, "refunds")[0] == 6
    assert wh.get_state("test_paged", "refunds") == "2024-01-06T10:00:00Z"

    report = run_sync("test_paged", wh, {})
    # The rerun asked only for what came after the saved cursor.
    assert PagedRefunds.seen_cursors == [None, "2024-01-06T10:00:00Z"]
    assert report.rows == {"refunds": 3}
    assert report.pages == 1
    rows = wh.query("SELECT refund_id, count(*) FROM refunds GROUP BY 1 ORDER BY 1").rows
    assert rows == [(f"r{i}", 1) for i in range(1, 10)]
    total = wh.query("SELECT sum(amount) FROM refunds").rows[0][0]
    assert total == Decimal("45.90")
    assert wh.get_state("test_paged", "refunds") == "2024-01-09T10:00:00Z"


def test_full_refresh_ignores_and_clears_saved_cursors(wh):
    run_sync("test_paged", wh, {})
    wh.set_state("test_paged", "old_stream", "x")
    run_sync("test_paged", wh, {}, full_refresh=True)
    assert PagedRefunds.seen_cursors == [None, None]
    assert wh.get_state("test_paged", "old_stream") is None
    assert wh.get_state("test_paged", "refunds") == "2024-01-09T10:00:00Z"
    assert fingerprint(wh, "refunds")[0] == 9


# -- merging ------------------------------------------------------------------------------

def test_merge_is_idempotent_and_updates_win(wh):
    run_sync("test_paged", wh, {})
    first = fingerprint(wh, "refunds")
    run_sync("test_paged", wh, {}, full_refresh=True)
    assert fingerprint(wh, "refunds") == first

    SCRIPT.append(Page("refunds", [dict(REFUNDS[0], amount="99.99")]))
    run_sync("test_scripted", wh, {})
    # Another connector's row is another key (source differs): both stay.
    rows = wh.query("SELECT source, amount FROM refunds WHERE refund_id = 'r1' "
                    "ORDER BY 1").rows
    assert rows == [("test_paged", Decimal("1.10")), ("test_scripted", Decimal("99.99"))]
    SCRIPT[0] = Page("refunds", [dict(REFUNDS[0], amount="5.55", source="test_paged")])
    run_sync("test_scripted", wh, {})
    rows = wh.query("SELECT source, amount FROM refunds WHERE refund_id = 'r1' "
                    "ORDER BY 1").rows
    assert rows == [("test_paged", Decimal("5.55")), ("test_scripted", Decimal("99.99"))]
    assert fingerprint(wh, "refunds")[0] == 10


def test_duplicate_keys_in_one_page_keep_the_last_row(wh):
    SCRIPT.append(Page("refunds", [dict(REFUNDS[0], amount="1.00"),
                                   dict(REFUNDS[1]),
                                   dict(REFUNDS[0], amount="3.00")]))
    report = run_sync("test_scripted", wh, {})
    assert report.rows == {"refunds": 2}
    assert wh.query("SELECT amount FROM refunds WHERE refund_id = 'r1'").rows == \
        [(Decimal("3.00"),)]


def test_missing_columns_are_null_and_source_is_the_connector(wh):
    SCRIPT.append(Page("refunds", [{"refund_id": "x1", "amount": "2"}]))
    SCRIPT.append(Page("sessions", [{"session_id": "s1", "pageviews": "3"}]))
    run_sync("test_scripted", wh, {})
    assert wh.query("SELECT refund_id, source, order_id, created_at FROM refunds").rows == \
        [("x1", "test_scripted", None, None)]
    # In sessions 'source' is the traffic source, not the connector: left NULL.
    assert wh.query("SELECT session_id, source, pageviews FROM sessions").rows == \
        [("s1", None, 3)]


def test_unknown_column_and_unknown_table_are_named(wh):
    SCRIPT.append(Page("refunds", [{"refund_id": "x", "amount": "1", "amout": "2"}],
                       origins=["refunds.csv:2"]))
    with pytest.raises(SyncError, match=r"refunds.csv: unknown column 'amout' for table "
                                        r"'refunds' \(did you mean 'amount'\?\)"):
        run_sync("test_scripted", wh, {})
    SCRIPT[:] = [Page("refund", [{"refund_id": "x"}])]
    with pytest.raises(SyncError, match=r"unknown table 'refund' \(did you mean 'refunds'"):
        run_sync("test_scripted", wh, {})


def test_progress_lines_and_report(wh):
    lines: list[str] = []
    report = run_sync("test_paged", wh, {"page_size": 4}, log=lines.append)
    assert lines == ["refunds: 4 rows (page 1)", "refunds: 8 rows (page 2)",
                     "refunds: 9 rows (page 3)"]
    assert isinstance(report, SyncReport)
    assert (report.connector, report.pages, report.total_rows) == ("test_paged", 3, 9)
    assert report.duration > 0
    assert "9 rows" in report.summary()


# -- atomic connectors ----------------------------------------------------------------------

def test_atomic_connector_writes_nothing_when_any_row_is_bad(wh):
    SCRIPT.append(Page("refunds", [dict(r) for r in REFUNDS[:3]], cursor="2024-01-03"))
    run_sync("test_atomic", wh, {})
    before = fingerprint(wh, "refunds")
    state_before = wh.get_state("test_atomic", "refunds")

    good = [dict(r, amount="7.77") for r in REFUNDS]
    bad = [dict(REFUNDS[0], refund_id=f"bad{i}", amount=f"x{i}") for i in range(25)]
    SCRIPT[:] = [Page("refunds", good, cursor="2024-01-09", origins=[
                      f"good.csv:{i}" for i in range(2, 11)]),
                 Page("refunds", bad, cursor="2024-02-01", origins=[
                      f"bad.csv:{i}" for i in range(2, 27)])]
    with pytest.raises(SyncError) as err:
        run_sync("test_atomic", wh, {}, full_refresh=True)
    lines = str(err.value).splitlines()
    assert lines[0] == "sync test_atomic: 25 problems in the data; nothing was loaded:"
    assert lines[1] == "bad.csv:2: column 'amount': cannot read 'x0' as a decimal"
    assert lines[20] == "bad.csv:21: column 'amount': cannot read 'x19' as a decimal"
    assert lines[21] == "... and 5 more"
    assert len(lines) == 22
    # Tables and state exactly as they were, full refresh or not.
    assert fingerprint(wh, "refunds") == before
    assert wh.get_state("test_atomic", "refunds") == state_before == "2024-01-03"


def test_atomic_connector_commits_all_pages_together(wh):
    SCRIPT.extend([Page("refunds", [dict(r) for r in REFUNDS[:5]], cursor="2024-01-05"),
                   Page("refunds", [dict(r) for r in REFUNDS[5:]], cursor="2024-01-09"),
                   Page("customers", [{"customer_id": "c1", "created_at": "2024-01-01"}])])
    report = run_sync("test_atomic", wh, {})
    assert report.rows == {"refunds": 9, "customers": 1}
    assert report.pages == 3
    assert fingerprint(wh, "refunds")[0] == 9
    assert wh.get_state("test_atomic", "refunds") == "2024-01-09"


# -- settings -----------------------------------------------------------------------------

def test_bad_settings_are_one_line_and_never_echo_secrets(wh):
    with pytest.raises(SyncError) as err:
        run_sync("test_paged", wh, {"token": 987654321, "page_size": "lots",
                                    "fail_at_pag": 1})
    message = str(err.value)
    assert "\n" not in message
    assert "setting 'token'" in message
    assert "setting 'page_size'" in message
    assert "unknown setting 'fail_at_pag' (did you mean 'fail_at_page'?)" in message
    assert "987654321" not in message and "lots" not in message


def test_settings_fall_back_to_environment_variables(wh, monkeypatch):
    monkeypatch.setenv("KPI_TEST_PAGED_PAGE_SIZE", "5")
    lines: list[str] = []
    run_sync("test_paged", wh, {}, log=lines.append)
    assert lines == ["refunds: 5 rows (page 1)", "refunds: 9 rows (page 2)"]


def test_settings_model_error_for_missing_field(wh):
    from kpi_engine.sync.engine import build_settings

    class Needs(ConnectorSettings):
        api_key: SecretStr

    class NeedsKey(Connector):
        name = "needs_key"
        settings_model = Needs

    with pytest.raises(SyncError, match="connector 'needs_key': setting 'api_key' is required"):
        build_settings(NeedsKey, {})
    settings: Any = build_settings(NeedsKey, {"api_key": "s3cret"})
    assert "s3cret" not in repr(settings)


def test_required_columns_must_have_values():
    from kpi_engine.schema import Column, Table

    goals = Table("goals_test", "metric x month", ("metric", "month"),
                  (Column("metric", "string"), Column("month", "date"),
                   Column("value", "decimal", nullable=False), Column("note", "string")))
    problems: list[str] = []
    TableCoercer(goals).coerce(
        [{"metric": "aov", "month": "2024-01-01", "value": "12.5"},
         {"metric": "aov", "month": "2024-02-01", "value": ""},
         {"metric": "aov", "month": "", "value": "3"}],
        ["goals.csv:2", "goals.csv:3", "goals.csv:4"], problems)
    assert problems == [
        "goals.csv:3: column 'value': a value is required in 'goals_test'",
        "goals.csv:4: column 'month': missing value for a primary key column of "
        "'goals_test'"]
