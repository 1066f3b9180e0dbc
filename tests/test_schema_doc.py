"""docs/schema.md is generated from the schema, and the input tables are well formed."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

from kpi_engine import schema
from kpi_engine.docs_schema import CSV_EXAMPLES, column_meaning, render_schema_markdown
from kpi_engine.input_tables import INPUT_TABLE_NAMES, input_tables

DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def test_schema_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render_schema_markdown(), (
        "regenerate: python -m kpi_engine.docs_schema > docs/schema.md")


def test_doc_covers_every_table_and_column() -> None:
    doc = render_schema_markdown()
    for table in schema.TABLES.values():
        section = doc.split(f"### {table.name}\n", 1)[1].split("\n### ", 1)[0]
        for col in table.columns:
            assert f"| `{col.name}` | {col.type} |" in section, (table.name, col.name)
    assert "kpi sync files --set path=folder/" in doc


def test_every_column_has_a_meaning() -> None:
    for table in schema.TABLES.values():
        for col in table.columns:
            assert column_meaning(table, col.name), (table.name, col.name)


def test_input_tables_are_registered_and_well_formed() -> None:
    assert tuple(t.name for t in input_tables()) == INPUT_TABLE_NAMES
    for table in input_tables():
        assert schema.TABLES[table.name] is table
        assert table.input and table.description and table.grain
        assert set(table.primary_key) <= set(table.column_names)
        assert len(set(table.column_names)) == len(table.columns)
        for col in table.columns:
            assert SNAKE.match(col.name) and col.description, (table.name, col.name)
            assert col.type in schema.LOGICAL_TYPES, (table.name, col.name)
            if col.name in table.primary_key:
                assert not col.nullable, (table.name, col.name)
    core = [t for t in schema.TABLES.values() if t.name not in INPUT_TABLE_NAMES]
    assert core and not any(t.input for t in core)


def test_csv_examples_match_their_headers() -> None:
    assert set(CSV_EXAMPLES) == set(INPUT_TABLE_NAMES)
    for table in input_tables():
        (row,) = list(csv.reader([CSV_EXAMPLES[table.name]]))
        assert len(row) == len(table.columns), table.name
        for col, value in zip(table.columns, row, strict=True):
            assert value or col.nullable, (table.name, col.name)


def test_input_tables_register_whichever_module_is_imported_first() -> None:
    code = ("import kpi_engine.input_tables, kpi_engine.schema as s; "
            "assert s.TABLES['targets'].input and s.TABLES['orders']")
    subprocess.run([sys.executable, "-c", code], check=True)
