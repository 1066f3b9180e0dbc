"""Parquet pages go to the engine in columns (plugins/files/arrow_batches.py) with exactly
the row path's outcome: same values, same fill of ``source``, same errors."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kpi_engine.demo.generate import generate_demo
from kpi_engine.errors import SyncError
from kpi_engine.schema import TABLES
from kpi_engine.sync.coerce import TableCoercer
from kpi_engine.sync.engine import run_sync
from kpi_engine_plugins.files.arrow_batches import typed_page
from kpi_engine_plugins.files.readers import parquet_batches, parquet_rows

PLUS2 = timezone(timedelta(hours=2))


def both_paths(tmp_path: Path, table: str, columns: dict[str, pa.Array],
               source: str | None = None):
    """(typed page or None, row path's values by column, row path's problems) for a
    Parquet file of ``columns`` read as ``table``."""
    path = tmp_path / f"{table}.parquet"
    pq.write_table(pa.table(columns), path)
    [(batch, done)] = list(parquet_batches(path, path.name, {}))
    typed = typed_page(batch, TABLES[table], source)
    try:
        rows, origins = parquet_rows(batch, path.name, done)
    except (ValueError, OverflowError) as exc:  # a value Python cannot hold: the row path fails
        return typed, {}, [str(exc)]
    if source is not None:
        for row in rows:
            if not row.get("source"):
                row["source"] = source
    problems: list[str] = []
    page = TableCoercer(TABLES[table], "files").coerce(rows, origins, problems)
    by_column = {c: [r[i] for r in page.rows] for i, c in enumerate(page.columns)}
    return typed, by_column, problems


def ids(n: int) -> pa.Array:
    return pa.array([f"s{i}" for i in range(n)])


# (column of ``sessions``, values, whether the page is taken in columns)
SESSIONS_CASES = [
    ("medium", pa.array(["cpc", "", None, " x "], pa.large_string()), True),
    ("medium", pa.array(["a", "", "a", None]).dictionary_encode(), True),
    ("medium", pa.array([1001, -5, None], pa.int64()), True),
    ("medium", pa.array([1001.0, 0.5]), True),  # Python's '1001' and '0.5'
    ("medium", pa.array([True, False]), True),
    ("pageviews", pa.array([1, None, 127], pa.int8()), True),
    ("pageviews", pa.array([2**63 - 1], pa.uint64()), True),
    ("pageviews", pa.array([2**63], pa.uint64()), False),
    ("pageviews", pa.array([1.0, 2.0]), True),
    ("pageviews", pa.array([1.5]), False),
    ("pageviews", pa.array(["12", " 3 ", "4.0"]), True),
    ("pageviews", pa.array([True]), False),
    ("duration_seconds", pa.array([0.1, None], pa.float32()), True),
    ("duration_seconds", pa.array([1.5, float("nan")]), False),
    ("duration_seconds", pa.array([float("inf")]), False),
    ("duration_seconds", pa.array([2**53 + 1, 3]), True),  # float() rounds, as Python does
    ("duration_seconds", pa.array([Decimal("1.25")]), True),
    ("revenue", pa.array([Decimal("1.234565"), Decimal("2.00005")], pa.decimal128(12, 6)),
     True),  # rounded half-even by the row path's converter
    ("revenue", pa.array([Decimal("99999999999999.9999")], pa.decimal128(20, 4)), True),
    ("revenue", pa.array([Decimal("100000000000000")], pa.decimal128(20, 4)), False),
    ("revenue", pa.array([Decimal("99999999999999.99995")], pa.decimal128(24, 5)), False),
    ("revenue", pa.array([19.99, 0.1 + 0.2]), True),
    ("revenue", pa.array([5, -7]), True),
    ("revenue", pa.array(["19.99", "n/a"]), False),
    ("engaged", pa.array([True, None]), True),
    ("engaged", pa.array([0, 1]), True),
    ("engaged", pa.array([2]), False),
    ("engaged", pa.array(["yes", "NO", ""]), True),
    ("started_at", pa.array([datetime(2024, 3, 1, 10, 0, 0, 5)], pa.timestamp("us")), True),
    ("started_at", pa.array([1_700_000_000_123_456_789], pa.timestamp("ns")), True),
    ("started_at", pa.array([1_700_000_000], pa.timestamp("s")), True),
    ("started_at", pa.array([datetime(2024, 3, 1, 10, tzinfo=PLUS2)],
                            pa.timestamp("ms", "+02:00")), True),
    ("started_at", pa.array([datetime(2024, 7, 1, 10, tzinfo=PLUS2)],
                            pa.timestamp("us", "Europe/Paris")), True),
    ("started_at", pa.array([date(2024, 3, 1)]), True),
    ("started_at", pa.array(["2024-03-01T10:00:00+02:00", "2024-03-01"]), True),
    ("started_at", pa.array([datetime(9999, 12, 31, 23, tzinfo=timezone.utc)],
                            pa.timestamp("us", "-05:00")), True),  # 18:00 there
    ("started_at", pa.array([datetime(9999, 12, 31, 23, tzinfo=timezone.utc)],
                            pa.timestamp("us", "+02:00")), False),  # year 10000 there
    ("started_at", pa.array([253_402_300_800_000_000], pa.timestamp("us")), False),
    ("started_at", pa.array(["tomorrow"]), False),
]


@pytest.mark.parametrize(("column", "values", "fast"), SESSIONS_CASES,
                         ids=[f"{c}-{v.type}-{i}" for i, (c, v, _) in
                              enumerate(SESSIONS_CASES)])
def test_a_page_in_columns_has_the_row_paths_values(tmp_path, column, values, fast):
    typed, expected, problems = both_paths(
        tmp_path, "sessions", {"session_id": ids(len(values)), column: values})
    assert (typed is not None) == fast, problems
    if typed is not None:
        assert problems == []
        assert typed.column(column).to_pylist() == expected[column]
        assert typed.column(column).type == typed.schema.field(column).type


def test_dates_in_columns(tmp_path):
    typed, expected, _ = both_paths(tmp_path, "ad_spend", {
        "date": pa.array([date(2024, 3, 1), date(1, 1, 1), date(9999, 12, 31)]),
        "platform": ["g", "g", "g"], "campaign": ["a", "b", "c"]})
    assert typed is not None and typed.column("date").to_pylist() == expected["date"]
    # A midnight timestamp names a day for the row path; another time is an error.
    typed, expected, _ = both_paths(tmp_path, "ad_spend", {
        "date": pa.array([datetime(2024, 3, 1)]), "platform": ["g"], "campaign": ["a"]})
    assert typed is not None and typed.column("date").to_pylist() == [date(2024, 3, 1)]
    typed, _, problems = both_paths(tmp_path, "ad_spend", {
        "date": pa.array([datetime(2024, 3, 1, 5)]), "platform": ["g"], "campaign": ["a"]})
    assert typed is None and "cannot read" in problems[0]


def test_source_is_filled_where_empty_only(tmp_path):
    typed, expected, problems = both_paths(tmp_path, "orders", {
        "order_id": ["1", "2", "3"], "source": ["shop", "", None]}, source="mine")
    assert problems == [] and typed is not None
    assert typed.column("source").to_pylist() == expected["source"] == ["shop", "mine",
                                                                           "mine"]
    typed, expected, _ = both_paths(tmp_path, "orders", {"order_id": ["1"]}, source="mine")
    assert typed.column("source").to_pylist() == expected["source"] == ["mine"]
    # Not text: 0 is empty to the row path, so the row path decides.
    typed, _, _ = both_paths(tmp_path, "orders", {"order_id": ["1"], "source": [0]},
                             source="mine")
    assert typed is None


def test_pages_the_row_path_reports_are_left_to_it(tmp_path):
    # A missing key value, an unknown column, a required column absent.
    assert both_paths(tmp_path, "sessions", {"session_id": ["a", None]})[0] is None
    assert both_paths(tmp_path, "sessions", {"session_id": ["a"], "totl": [1]})[0] is None
    assert both_paths(tmp_path, "reviews", {"review_id": ["r"], "source": ["s"],
                                            "created_at": [datetime(2024, 1, 1)]},
                      source="files")[0] is None


# -- end to end ------------------------------------------------------------------------------
def test_bad_parquet_value_names_file_row_and_column_after_good_pages(tmp_path, wh_duck):
    folder = tmp_path / "data"
    folder.mkdir()
    n = 120_000  # three pages: the bad value is in the third
    amounts = [f"{i % 97}.25" for i in range(n)]
    amounts[110_000] = "twelve"
    pq.write_table(pa.table({"refund_id": [f"r{i}" for i in range(n)],
                             "amount": pa.array(amounts)}), folder / "refunds.parquet")
    with pytest.raises(SyncError) as err:
        run_sync("files", wh_duck, {"path": str(folder)})
    assert str(err.value).splitlines() == [
        "sync files: 1 problem in the data; nothing was loaded:",
        f"{folder / 'refunds.parquet'}:row 110001: column 'amount': "
        "cannot read 'twelve' as a decimal"]
    assert not wh_duck.table_exists("refunds")


def test_mapping_renames_and_drops_parquet_columns(tmp_path, wh_duck):
    folder = tmp_path / "data"
    folder.mkdir()
    pq.write_table(pa.table({"id": ["r1", "r2"], "value": pa.array(
        [Decimal("1.5"), Decimal("2.25")], pa.decimal128(6, 2)), "note": ["x", "y"]}),
        folder / "refunds.parquet")
    report = run_sync("files", wh_duck, {
        "path": str(folder), "source": "sheet",
        "mapping": {"refunds": {"id": "refund_id", "value": "amount", "note": None}}})
    assert report.rows == {"refunds": 2}
    assert wh_duck.query("SELECT refund_id, source, amount FROM refunds ORDER BY 1").rows \
        == [("r1", "sheet", Decimal("1.5")), ("r2", "sheet", Decimal("2.25"))]


@pytest.fixture
def wh_duck(warehouse_factory):
    return warehouse_factory("duckdb")


def _text(value) -> str:
    """A value as the CSV reader reads it back exactly."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _json(value):
    if isinstance(value, (Decimal, date)):
        return _text(value)  # JSON text: read as exactly as the number
    return value


@pytest.fixture(scope="module")
def formats(tmp_path_factory) -> dict[str, Path]:
    """The demo data as Parquet, and the same rows as CSV (even tables) and JSON Lines
    (odd tables) in a second folder."""
    root = tmp_path_factory.mktemp("formats")
    paths = generate_demo(root / "parquet", seed=11, days=12)
    text = root / "text"
    text.mkdir()
    for i, (name, path) in enumerate(sorted(paths.items())):
        table = pq.read_table(path)
        rows = table.to_pylist()
        if i % 2 == 0:
            with (text / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
                out = csv.writer(fh)
                out.writerow(table.column_names)
                out.writerows([_text(r[c]) for c in table.column_names] for r in rows)
        else:
            with (text / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
                for r in rows:
                    fh.write(json.dumps({k: _json(v) for k, v in r.items()}) + "\n")
    return {"parquet": root / "parquet", "text": text}


def _dump(wh, table: str) -> list[tuple]:
    from sqlglot import exp

    spec = TABLES[table]

    def quote(name: str) -> str:
        return exp.to_identifier(name, quoted=True).sql(wh.dialect)

    cols = ", ".join(map(quote, spec.column_names))
    keys = ", ".join(map(quote, spec.primary_key))
    return wh.query(f"SELECT {cols} FROM {wh.qualify(table)} ORDER BY {keys}").rows


# Against every warehouse: the servers' runs are cross-engine, with the slow part.
@pytest.mark.parametrize("engine", ["duckdb", *(pytest.param(e, marks=pytest.mark.slow)
                                                for e in ("postgresql", "sqlite", "mariadb"))])
def test_parquet_and_text_files_load_the_same_tables(formats, warehouse_factory, engine):
    from_parquet, from_text = warehouse_factory(engine), warehouse_factory(engine)
    a = run_sync("files", from_parquet, {"path": str(formats["parquet"])})
    b = run_sync("files", from_text, {"path": str(formats["text"])})
    assert a.rows == b.rows and sum(a.rows.values()) > 5_000
    for table in a.rows:
        assert _dump(from_parquet, table) == _dump(from_text, table), table


def test_every_demo_page_goes_in_columns(formats):
    # The demo's files are in canonical types: no page of them needs the row path.
    for path in sorted(formats["parquet"].glob("*.parquet")):
        table = TABLES[path.stem]
        source = "files" if "source" in table.primary_key else None
        for batch, _ in parquet_batches(path, path.name, {}):
            assert typed_page(batch, table, source) is not None, path.name


def test_full_refresh_of_parquet_replaces_only_its_source(tmp_path, wh_duck):
    def write(folder: Path, ids: list[str], source: list[str | None] | None = None) -> str:
        folder.mkdir(exist_ok=True)
        cols = {"order_id": ids, "total": pa.array([Decimal("1.5")] * len(ids))}
        if source is not None:
            cols["source"] = source
        pq.write_table(pa.table(cols), folder / "orders.parquet")
        return str(folder)

    run_sync("files", wh_duck, {"path": write(tmp_path / "b", ["1", "9"]), "source": "b"})
    # Rows naming their source keep it; the others get the setting's.
    mine = write(tmp_path / "a", ["1", "2", "3"], ["x", None, ""])
    run_sync("files", wh_duck, {"path": mine, "source": "a"})
    write(tmp_path / "a", ["2"], [None])
    run_sync("files", wh_duck, {"path": mine, "source": "a"}, full_refresh=True)
    assert wh_duck.query("SELECT source, order_id FROM orders ORDER BY 1, 2").rows == [
        ("a", "2"), ("b", "1"), ("b", "9"), ("x", "1")]
