"""The ``files`` connector end to end: files on disk -> run_sync -> a real DuckDB file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kpi_engine.errors import SyncError
from kpi_engine.extensions import connector_class
from kpi_engine.sync.engine import run_sync
from kpi_engine.warehouses.connect import connect

ORDERS_CSV = """order_id,created_at,currency,subtotal,discounts,shipping,tax,total,status,is_test
1001,2024-03-01T09:15:00Z,USD,19.99,0,4.95,1.60,26.54,paid,false
1002,2024-03-01 23:30:00+07:00,USD,0.10,0.00,0,0,0.10,fulfilled,no
1003,2024-03-02T10:00:00,USD,1234567.8912,100.00,0,0,1234467.8912,cancelled,TRUE
"""


@pytest.fixture
def wh(tmp_path):
    warehouse = connect("duckdb:///" + str(tmp_path / "files.duckdb"))
    yield warehouse
    warehouse.close()


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def fingerprint(wh, table: str) -> tuple[int, int]:
    """Row count and an order-independent checksum of every value in the table."""
    return tuple(wh.query(f"SELECT count(*), bit_xor(hash(t)) FROM {table} t").rows[0])


def orders(wh) -> dict[str, tuple]:
    rows = wh.query("SELECT order_id, source, created_at, subtotal, total, status, is_test "
                    "FROM orders ORDER BY order_id").rows
    return {r[0]: r[1:] for r in rows}


def test_files_is_a_registered_atomic_connector():
    cls = connector_class("files")
    assert cls.atomic is True
    assert cls.__module__.startswith("kpi_engine_plugins.files")


def test_load_csv_with_bom_and_exact_types(wh, data):
    (data / "orders.csv").write_bytes(b"\xef\xbb\xbf" + ORDERS_CSV.encode())
    report = run_sync("files", wh, {"path": str(data)})
    assert report.rows == {"orders": 3}
    got = orders(wh)
    assert got["1001"] == ("files", datetime(2024, 3, 1, 9, 15), Decimal("19.99"),
                           Decimal("26.54"), "paid", False)
    # +07:00 converted to UTC; a naive timestamp is UTC already.
    assert got["1002"][1] == datetime(2024, 3, 1, 16, 30)
    assert got["1003"][1] == datetime(2024, 3, 2, 10, 0)
    assert got["1003"][2] == Decimal("1234567.8912")
    assert got["1003"][5] is True
    # Money adds up exactly in the warehouse (no float drift).
    total = wh.query("SELECT sum(subtotal) FROM orders").rows[0][0]
    assert total == Decimal("1234587.9812")


def test_load_jsonl_keeps_json_numbers_exact(wh, data):
    lines = [{"customer_id": "c1", "created_at": "2024-01-05T08:00:00-05:00",
              "country": "VN", "segment": "b2c"},
             {"customer_id": 2, "created_at": "2024-01-06", "country": None,
              "segment": "b2b"}]
    (data / "customers.jsonl").write_text(
        "\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    (data / "refunds.ndjson").write_text(
        '{"refund_id": "r1", "order_id": "1001", "amount": 19.99}\n'
        '{"refund_id": "r2", "order_id": "1001", "amount": 0.1}\n', encoding="utf-8")
    report = run_sync("files", wh, {"path": str(data)})
    assert report.rows == {"customers": 2, "refunds": 2}
    assert wh.query("SELECT customer_id, created_at, country, segment FROM customers "
                    "ORDER BY 1").rows == [
        ("2", datetime(2024, 1, 6), None, "b2b"),
        ("c1", datetime(2024, 1, 5, 13), "VN", "b2c")]
    assert wh.query("SELECT sum(amount) FROM refunds").rows[0][0] == Decimal("20.09")


def test_load_parquet_with_arrow_types(wh, data):
    vn = timezone(timedelta(hours=7))
    table = pa.table({
        "date": pa.array([date(2024, 3, 1), date(2024, 3, 2)], pa.date32()),
        "platform": ["google", "meta"],
        "campaign": ["brand", "retarget"],
        "spend": pa.array([Decimal("120.50"), Decimal("80.25")], pa.decimal128(10, 2)),
        "impressions": pa.array([1000, 2500], pa.int32()),
        "clicks": [40, 75],
        "conversions": [2.5, 3.0],
    })
    pq.write_table(table, data / "ad_spend.parquet")
    sessions = pa.table({
        "session_id": ["s1", "s2"],
        "started_at": pa.array([datetime(2024, 3, 1, 17, 0, tzinfo=vn),
                                datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)],
                               pa.timestamp("ns", tz="Asia/Ho_Chi_Minh")),
        "engaged": [True, False],
        "revenue": pa.array(["10.10", None]),
    })
    pq.write_table(sessions, data / "sessions.parquet")
    report = run_sync("files", wh, {"path": str(data)})
    assert report.rows == {"ad_spend": 2, "sessions": 2}
    assert wh.query("SELECT date, platform, spend, impressions, conversions FROM ad_spend "
                    "ORDER BY date").rows == [
        (date(2024, 3, 1), "google", Decimal("120.50"), 1000, 2.5),
        (date(2024, 3, 2), "meta", Decimal("80.25"), 2500, 3.0)]
    assert wh.query("SELECT session_id, started_at, engaged, revenue FROM sessions "
                    "ORDER BY 1").rows == [
        ("s1", datetime(2024, 3, 1, 10, 0), True, Decimal("10.10")),
        ("s2", datetime(2024, 3, 1, 12, 0, 0, 123456), False, None)]


def test_reload_is_idempotent_and_updated_values_win(wh, data):
    path = data / "orders.csv"
    path.write_text(ORDERS_CSV, encoding="utf-8")
    run_sync("files", wh, {"path": str(data)})
    first = fingerprint(wh, "orders")
    run_sync("files", wh, {"path": str(data)})
    assert fingerprint(wh, "orders") == first

    path.write_text(ORDERS_CSV.replace("1002,2024-03-01 23:30:00+07:00,USD,0.10",
                                       "1002,2024-03-01 23:30:00+07:00,USD,0.20"),
                    encoding="utf-8")
    run_sync("files", wh, {"path": str(data)})
    assert fingerprint(wh, "orders")[0] == 3
    assert orders(wh)["1002"][2] == Decimal("0.20")


def test_column_mapping_and_table_globs(wh, data):
    (data / "shopify_export_march.csv").write_text(
        "Name,Created at,Subtotal,Financial Status,Notes\n"
        "#1001,2024-03-01T10:00:00Z,15.00,paid,call first\n"
        "#1002,2024-03-02T10:00:00Z,7.25,refunded,\n", encoding="utf-8")
    settings = {
        "path": str(data),
        "tables": {"shopify_export_*.csv": "orders"},
        "mapping": {"orders": {"Name": "order_id", "Created at": "created_at",
                               "Subtotal": "subtotal", "Financial Status": "status",
                               "Notes": None}},
        "source": "shopify_csv",
    }
    report = run_sync("files", wh, settings)
    assert report.rows == {"orders": 2}
    got = orders(wh)
    assert got["#1001"][:3] == ("shopify_csv", datetime(2024, 3, 1, 10), Decimal("15.00"))
    assert got["#1002"][4] == "refunded"


def test_single_file_path(wh, data):
    (data / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    (data / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    report = run_sync("files", wh, {"path": str(data / "orders.csv")})
    assert report.rows == {"orders": 3}


def test_bad_rows_are_reported_with_file_and_line_and_nothing_changes(wh, data):
    (data / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    run_sync("files", wh, {"path": str(data)})
    before = fingerprint(wh, "orders")

    (data / "orders.csv").write_text(
        ORDERS_CSV.replace("1001,2024-03-01T09:15:00Z,USD,19.99",
                           "1001,2024-03-01T09:15:00Z,USD,99.99")
        + "1004,2024-03-03T00:00:00Z,USD,abc,0,0,0,0,paid,false\n"
        + "1005,yesterday,USD,1,0,0,0,1,paid,perhaps\n", encoding="utf-8")
    (data / "refunds.csv").write_text("refund_id,order_id,amount\nr1,1001,1.x\n",
                                      encoding="utf-8")
    with pytest.raises(SyncError) as err:
        run_sync("files", wh, {"path": str(data)})
    orders_csv, refunds_csv = data / "orders.csv", data / "refunds.csv"
    assert str(err.value).splitlines() == [
        "sync files: 4 problems in the data; nothing was loaded:",
        f"{orders_csv}:5: column 'subtotal': cannot read 'abc' as a decimal",
        f"{orders_csv}:6: column 'created_at': cannot read 'yesterday' as a timestamp "
        "(ISO 8601)",
        f"{orders_csv}:6: column 'is_test': cannot read 'perhaps' as a boolean "
        "(true/false, yes/no, 1/0)",
        f"{refunds_csv}:2: column 'amount': cannot read '1.x' as a decimal",
    ]
    # The good update to 1001 was not applied either, and no refunds table rows exist.
    assert fingerprint(wh, "orders") == before
    assert orders(wh)["1001"][2] == Decimal("19.99")
    assert not wh.table_exists("refunds") or fingerprint(wh, "refunds")[0] == 0


def test_many_bad_rows_list_twenty_then_count(wh, data):
    body = "".join(f"o{i},2024-01-01,bad{i}\n" for i in range(30))
    (data / "orders.csv").write_text("order_id,created_at,total\n" + body, encoding="utf-8")
    with pytest.raises(SyncError) as err:
        run_sync("files", wh, {"path": str(data)})
    lines = str(err.value).splitlines()
    assert len(lines) == 22
    assert lines[1] == f"{data / 'orders.csv'}:2: column 'total': cannot read 'bad0' as a decimal"
    assert lines[-1] == "... and 10 more"
    assert not wh.table_exists("orders") or fingerprint(wh, "orders")[0] == 0


def test_parquet_bad_value_is_reported_by_row(wh, data):
    pq.write_table(pa.table({"refund_id": ["r1", "r2"], "amount": ["1.00", "n/a"]}),
                   data / "refunds.parquet")
    with pytest.raises(SyncError, match=r"refunds.parquet:row 2: column 'amount': "
                                        r"cannot read 'n/a' as a decimal"):
        run_sync("files", wh, {"path": str(data)})


def test_unknown_column_names_the_file(wh, data):
    (data / "orders.csv").write_text("order_id,totl\n1,5\n", encoding="utf-8")
    with pytest.raises(SyncError, match=r"orders.csv: unknown column 'totl' for table "
                                        r"'orders' \(did you mean 'total'\?\)"):
        run_sync("files", wh, {"path": str(data)})


def test_file_for_no_known_table_is_an_error(wh, data):
    (data / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    (data / "custmers.csv").write_text("customer_id\nc1\n", encoding="utf-8")
    with pytest.raises(SyncError, match=r"custmers.csv: maps to no known table "
                                        r"\(did you mean 'customers'\?\)"):
        run_sync("files", wh, {"path": str(data)})
    assert not wh.table_exists("orders") or fingerprint(wh, "orders")[0] == 0


@pytest.mark.parametrize(("settings", "message"), [
    ({}, "connector 'files': setting 'path' is required"),
    ({"path": "nowhere/at/all"}, "files: path 'nowhere/at/all' does not exist"),
    ({"path": ".", "tables": {"*.csv": "order"}},
     r"'\*.csv' maps to unknown table 'order' \(did you mean 'orders'\?\)"),
    ({"path": ".", "mapping": {"orders": {"Total": "totall"}}},
     r"'Total' maps to 'totall', which is not a column of 'orders' \(did you mean 'total'"),
    ({"path": ".", "sauce": "x"}, r"unknown setting 'sauce' \(did you mean 'source'\?\)"),
])
def test_settings_errors(wh, settings, message):
    with pytest.raises(SyncError, match=message):
        run_sync("files", wh, settings)


def test_csv_row_with_wrong_number_of_values(wh, data):
    (data / "orders.csv").write_text('order_id,status\n1,paid\n2,"multi\nline"\n3,paid,x\n',
                                     encoding="utf-8")
    with pytest.raises(SyncError, match=r"orders.csv:5: 3 values but the header has 2 "
                                        r"columns"):
        run_sync("files", wh, {"path": str(data)})


def test_full_refresh_replaces_only_this_source(wh, data):
    other = data / "other"
    other.mkdir()
    (other / "orders.csv").write_text("order_id,total\n1001,1\n9000,2\n", encoding="utf-8")
    run_sync("files", wh, {"path": str(other), "source": "shop_b"})

    (data / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    run_sync("files", wh, {"path": str(data / "orders.csv")})
    (data / "orders.csv").write_text("\n".join(ORDERS_CSV.splitlines()[:2]) + "\n",
                                     encoding="utf-8")
    # A plain re-load merges: the rows gone from the file stay.
    run_sync("files", wh, {"path": str(data / "orders.csv")})
    assert fingerprint(wh, "orders")[0] == 5
    # A full refresh makes the warehouse match the files, for this source only.
    run_sync("files", wh, {"path": str(data / "orders.csv")}, full_refresh=True)
    rows = wh.query("SELECT source, order_id FROM orders ORDER BY 1, 2").rows
    assert rows == [("files", "1001"), ("shop_b", "1001"), ("shop_b", "9000")]


def test_not_utf8_is_a_clear_error(wh, data):
    (data / "orders.csv").write_bytes("order_id,status\n1,payé\n".encode("latin-1"))
    with pytest.raises(SyncError, match=r"orders.csv: not UTF-8 text"):
        run_sync("files", wh, {"path": str(data)})
