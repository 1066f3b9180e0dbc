"""Key tuples of Arrow columns told apart by dictionary codes, with no Python object per
row: the sync engine counts a page's distinct keys with it (sync/arrow_pages.py), and
the row-based warehouses look for a repeated key in a page that vouched for its keys
(warehouses/base.py)."""

from __future__ import annotations

from typing import Any


def key_codes(columns: list[Any]) -> tuple[Any, int]:
    """One int64 code per row, equal for rows with equal key tuples, and how many distinct
    tuples there are. Each column's code is folded into the codes so far and encoded
    again, so the codes stay below the row count. Unlike ``Table.group_by`` this needs no
    Acero engine, whose import alone (about 0.3 s) cost a bulk sync more than all its
    counts together."""
    import pyarrow as pa
    import pyarrow.compute as pc

    codes = None
    distinct = 0
    for column in columns:
        chunked = column.combine_chunks() if hasattr(column, "combine_chunks") else column
        encoded = pc.dictionary_encode(chunked, null_encoding="encode")
        these = encoded.indices.cast(pa.int64())
        if codes is None:
            codes, distinct = these, len(encoded.dictionary)
            continue
        # The width as an Arrow scalar: a Python int given to a compute function is
        # converted through pyarrow's Python path, which imports pandas where installed.
        width = pc.count(encoded.dictionary, mode="all")
        folded = pc.dictionary_encode(pc.add(pc.multiply(codes, width), these))
        codes, distinct = folded.indices.cast(pa.int64()), len(folded.dictionary)
    return codes, distinct


def distinct_keys(columns: list[Any]) -> int:
    """How many distinct key tuples ``columns`` hold."""
    return key_codes(columns)[1]


def repeated_key_row(columns: list[Any]) -> int | None:
    """The position of a row whose key tuple an earlier row has, or None when every
    tuple is distinct."""
    import pyarrow.compute as pc

    codes, distinct = key_codes(columns)
    if codes is None or distinct == len(codes):
        return None
    counts = pc.value_counts(codes)
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))[0]["values"]
    return pc.indices_nonzero(pc.equal(codes, repeated))[1].as_py()
