"""The demo writer's one-pass column reading writes what a column-by-column read writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kpi_engine import schema
from kpi_engine.demo.generate import demo_tables
from kpi_engine.demo.writer import arrow_schema, write_parquet


def _plain_write(path: Path, table: schema.Table, rows: list[dict]) -> bytes:
    """The obvious way: one list per column, read straight from the rows."""
    sch = arrow_schema(table)
    arrays = [pa.array([r[f.name] for r in rows], type=f.type) for f in sch]
    pq.write_table(pa.Table.from_arrays(arrays, schema=sch), path)
    return path.read_bytes()


def test_every_demo_table_is_written_as_the_plain_way_writes_it(tmp_path: Path) -> None:
    tables = demo_tables(seed=2, start=date(2025, 12, 20), days=14)
    assert len(tables["sessions"]) > 1000  # a real amount of rows of every kind
    for name, rows in tables.items():
        table = schema.TABLES[name]
        ours = write_parquet(tmp_path / f"{name}.parquet", table, rows).read_bytes()
        assert ours == _plain_write(tmp_path / f"{name}.plain.parquet", table, rows), name


def test_a_row_missing_a_column_is_refused(tmp_path: Path) -> None:
    rows = demo_tables(seed=2, start=date(2025, 1, 1), days=3)["orders"]
    del rows[-1]["status"]
    with pytest.raises(KeyError):
        write_parquet(tmp_path / "orders.parquet", schema.TABLES["orders"], rows)


def test_an_empty_required_value_is_refused(tmp_path: Path) -> None:
    rows = demo_tables(seed=2, start=date(2025, 1, 1), days=3)["incidents"]
    rows[-1]["kind"] = None
    with pytest.raises(ValueError, match="incidents.kind is required"):
        write_parquet(tmp_path / "incidents.parquet", schema.TABLES["incidents"], rows)
