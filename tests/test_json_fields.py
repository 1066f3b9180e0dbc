"""The engine's one reader of parsed JSON: paths and records name what is wrong alike."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from kpi_engine.http import ResponseError, get_path
from kpi_engine.sync.json_fields import FieldError, Record, describe, lookup

PAGE = {"meta": {"next": None, "count": 3, "done": True},
        "data": {"orders": [{"id": 1, "total": "12.50"}, {"id": 2}]}}


def test_lookup_reads_dotted_and_indexed_paths():
    assert lookup(PAGE, "meta.count", int) == 3
    assert lookup(PAGE, ("data", "orders", 1, "id"), int) == 2
    assert lookup(PAGE, ("data", "orders", -1, "id")) == 2
    assert lookup(PAGE, "meta.next", str, required=False, default="none") == "none"
    assert lookup(PAGE, "meta.cursor", required=False) is None


@pytest.mark.parametrize(("path", "expected", "message"), [
    ("meta.cursor", None, "'meta.cursor' is missing (meta is an object)"),
    ("data.orders.x", None, "'data.orders.x' is missing (data.orders is a list of 2)"),
    (("data", "orders", 5), None, "'data.orders.5' is missing (data.orders is a list of 2)"),
    ("meta.count", str, "'meta.count' should be a string, got int 3"),
    ("meta.done", int, "'meta.done' should be an integer, got bool True"),
    ("data", (list, str), "'data' should be a list or a string, got an object"),
])
def test_lookup_names_the_path_and_what_it_found(path, expected, message):
    with pytest.raises(FieldError) as info:
        lookup(PAGE, path, expected)
    assert str(info.value) == message


def test_a_long_value_is_cut_short_in_errors():
    secret_ish = "x" * 500
    with pytest.raises(FieldError) as info:
        lookup({"email": secret_ish}, "email", int)
    assert len(str(info.value)) < 120
    assert describe(secret_ish).endswith("…")


def test_the_http_reader_is_the_same_reader():
    assert get_path is lookup
    with pytest.raises(ResponseError, match="'meta.cursor' is missing"):
        get_path(PAGE, "meta.cursor", fail=ResponseError)


def test_record_fields_and_nested_paths_share_the_messages():
    order = Record(PAGE["data"]["orders"][0], "orders[0]")
    assert order.money("total") == Decimal("12.50")
    assert order.at("id", int) == 1
    with pytest.raises(FieldError) as info:
        order.at("customer.email", str)
    assert str(info.value) == "orders[0]: 'customer.email' is missing (the record is an object)"
    with pytest.raises(FieldError, match=r"orders\[0\]: field 'total' should be an integer"):
        order.integer("total")


def test_the_connector_guide_example_runs():
    guide = (Path(__file__).parents[1] / "docs" / "writing-a-connector.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", guide, re.S)
    example = [b for b in blocks if "json_fields import Record" in b]
    assert len(example) == 1, "the guide lost its Record example"
    exec(compile(example[0], "docs/writing-a-connector.md", "exec"), {})
