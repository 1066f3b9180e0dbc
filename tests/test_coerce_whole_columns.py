"""Whole-column conversion of already-typed columns (kpi_engine/sync/coerce.py
``_WHOLE_COLUMN``) gives exactly what the per-cell converter gives, or fails as it does."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from kpi_engine.sync.coerce import CoerceError, column_converter, converter


def _outcome(fn):
    try:
        return repr(fn())
    except CoerceError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize(("logical", "column"), [
    ("decimal", [D("1.5"), D("2.123456"), D("-0"), D("1E+5"), D("1e-30")]),
    ("decimal", [D("0.00005"), D("0.00015"), D("-2.50005")]),  # half-even at the 4th place
    ("decimal", [D("1"), D("99999999999999.9999"), D("-99999999999999.9999")]),
    ("decimal", [D("1"), D("99999999999999.99995")]),  # rounds up to 10^14: too large
    ("decimal", [D("2"), D("-1e30")]),
    ("decimal", [D("NaN")]),
    ("decimal", [D("3"), D("sNaN")]),
    ("decimal", [D("-Infinity")]),
    ("integer", [1, -(2**63), 2**63 - 1]),
    ("integer", [1, 2**63]),
    ("integer", [-(2**63) - 1]),
    ("boolean", [True, False, True]),
])
def test_whole_column_equals_cell_by_cell(logical, column):
    cell = converter(logical)
    whole = _outcome(lambda: column_converter(logical)(list(column)))
    assert whole == _outcome(lambda: [cell(v) for v in column])
    if "error" not in whole:  # and the result is a new list, not the caller's
        raw = list(column)
        assert column_converter(logical)(raw) is not raw
