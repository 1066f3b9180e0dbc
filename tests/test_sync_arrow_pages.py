"""Pages given in columns (``Page.arrow``): the engine's casts and checks
(kpi_engine/sync/arrow_pages.py) and the warehouses' ``upsert_arrow`` (DuckDB stages the
Arrow table; SQLite, as PostgreSQL and MariaDB, takes its rows)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from kpi_engine import hookimpl
from kpi_engine.connectors import Connector, ConnectorSettings, Page, SyncContext
from kpi_engine.errors import KpiError, WarehouseError
from kpi_engine.extensions import reset_extensions
from kpi_engine.plugins import get_plugin_manager
from kpi_engine.schema import TABLES
from kpi_engine.sync.arrow_pages import ArrowCoercer
from kpi_engine.sync.engine import run_sync
from kpi_engine.warehouses.connect import connect

REFUNDS = TABLES["refunds"]


def _page(ids, amounts, source="shop"):
    return pa.table({"refund_id": pa.array(ids, pa.string()),
                     "source": pa.array([source] * len(ids), pa.string()),
                     "order_id": pa.array(["o"] * len(ids), pa.string()),
                     "created_at": pa.array([datetime(2025, 3, 1, 10)] * len(ids),
                                            pa.timestamp("us")),
                     "amount": pa.array(amounts, pa.decimal128(38, 4))})


def test_columns_are_cast_and_checked():
    problems: list[str] = []
    ArrowCoercer(REFUNDS, "shopify").coerce(
        _page(["1", None, "3"], [Decimal("1.5"), Decimal(2), Decimal(10) ** 15]), "shop p1",
        problems)
    assert any("column 'amount': cannot read it as decimal" in p for p in problems), problems
    assert "shop p1 row 2: column 'refund_id': missing value for a primary key column of " \
        "'refunds'" in problems


def test_a_repeated_key_keeps_its_last_row_and_source_is_filled():
    data = _page(["1", "2", "1"], [Decimal(1), Decimal(2), Decimal(3)]).drop(["source"])
    problems: list[str] = []
    page = ArrowCoercer(REFUNDS, "shopify").coerce(data, "x", problems)
    assert not problems
    rows = sorted(zip(page.arrow.column("refund_id").to_pylist(),
                      page.arrow.column("source").to_pylist(),
                      page.arrow.column("amount").to_pylist(), strict=True))
    assert rows == [("1", "shopify", Decimal(3)), ("2", "shopify", Decimal(2))]
    assert page.sources == {"shopify"} and page.count == 2


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_upsert_arrow_counts_inserted_updated_unchanged(tmp_path, engine):
    wh = connect(f"{engine}:///{tmp_path / ('w.' + engine)}", create=True)
    try:
        wh.ensure_table(REFUNDS)

        def upsert(data):
            problems: list[str] = []
            typed = ArrowCoercer(REFUNDS, "shopify").coerce(data, "x", problems).arrow
            assert not problems
            with wh.transaction():
                return wh.upsert_arrow(REFUNDS, typed)

        first = upsert(_page(["1", "2"], [Decimal("1.5"), Decimal(2)]))
        again = upsert(_page(["1", "2"], [Decimal("1.5"), Decimal(2)]))
        changed = upsert(_page(["2", "3"], [Decimal("2.25"), Decimal(3)]))
        stored = wh.query("SELECT refund_id, amount FROM refunds ORDER BY refund_id").rows
    finally:
        wh.close()
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert (changed.inserted, changed.updated, changed.unchanged) == (1, 1, 0)
    assert [(r, Decimal(str(a))) for r, a in stored] == [
        ("1", Decimal("1.5")), ("2", Decimal("2.25")), ("3", Decimal(3))]


def test_a_key_column_of_one_value_still_tells_keys_apart_with_the_others():
    # source is one value throughout the first page, so only refund_id tells rows apart;
    # in the second, refund_id is: the two sources are two keys.
    one_source = _page(["1", "2", "1", "3"], [Decimal(i) for i in range(4)])
    two_sources = pa.concat_tables([_page(["1"], [Decimal(1)], "a"),
                                    _page(["1"], [Decimal(2)], "b"),
                                    _page(["1"], [Decimal(3)], "a")])
    same_key = _page(["7", "7", "7"], [Decimal(1), Decimal(2), Decimal(3)])
    kept = {}
    for name, data in [("one source", one_source), ("two sources", two_sources),
                       ("same key", same_key)]:
        problems: list[str] = []
        page = ArrowCoercer(REFUNDS, "shopify").coerce(data, "x", problems)
        assert not problems
        kept[name] = sorted(zip(page.arrow.column("source").to_pylist(),
                                page.arrow.column("refund_id").to_pylist(),
                                page.arrow.column("amount").to_pylist(), strict=True))
    assert kept == {
        "one source": [("shop", "1", Decimal(2)), ("shop", "2", Decimal(1)),
                       ("shop", "3", Decimal(3))],
        "two sources": [("a", "1", Decimal(3)), ("b", "1", Decimal(2))],
        "same key": [("shop", "7", Decimal(3))]}


@pytest.mark.parametrize("keys", [
    [("a", "1"), ("a", "2"), ("b", "1"), ("b", "2")],
    [("a", "1"), ("b", "1"), ("a", "1")],
    [("ab", "c"), ("a", "bc"), ("a", None), (None, "a"), ("a", None)],
])
def test_distinct_keys_counts_tuples_not_values(keys):
    from kpi_engine.arrow_keys import distinct_keys, repeated_key_row

    columns = [pa.chunked_array([pa.array([k[i] for k in keys], pa.string())])
               for i in range(2)]
    assert distinct_keys(columns) == len(set(keys))
    row = repeated_key_row(columns)
    if len(set(keys)) == len(keys):
        assert row is None
    else:
        assert keys[row] in keys[:row]


def test_a_page_of_distinct_keys_imports_neither_acero_nor_pandas(tmp_path):
    """Counting a page's keys needs neither Arrow's Acero engine nor pandas: importing
    them (pyarrow does so for pandas when a Python value is converted) cost a bulk sync
    more than all its counts. The page comes from an Arrow file, as a bulk page does."""
    import subprocess
    import sys

    page = pa.concat_tables([_page(["1", "2"], [Decimal(1), Decimal(2)], "a"),
                             _page(["1"], [Decimal(3)], "b")])  # two key columns vary
    with pa.OSFile(str(tmp_path / "page.arrow"), "wb") as sink, \
            pa.ipc.new_file(sink, page.schema) as writer:
        writer.write_table(page)
    code = ("import sys, pyarrow as pa\n"
            "from kpi_engine.schema import TABLES\n"
            "from kpi_engine.sync.arrow_pages import ArrowCoercer\n"
            f"page = pa.ipc.open_file(pa.OSFile({str(tmp_path / 'page.arrow')!r})).read_all()\n"
            "typed = ArrowCoercer(TABLES['refunds'], 's').coerce(page, 'x', [])\n"
            "print(typed.count, 'pyarrow.acero' in sys.modules, 'pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["3", "False", "False"]


def test_a_page_that_vouches_for_its_keys_is_not_counted():
    """``Page.keys_unique``: the connector checked its keys (Shopify's bulk mapping does,
    in SQL), so the engine keeps every row as given, without counting them."""
    data = _page(["1", "2", "1"], [Decimal(1), Decimal(2), Decimal(3)])
    problems: list[str] = []
    page = ArrowCoercer(REFUNDS, "shopify").coerce(data, "x", problems, keys_unique=True)
    assert not problems and page.count == 3
    assert page.arrow.column("refund_id").to_pylist() == ["1", "2", "1"]


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgresql", "mariadb"])
@pytest.mark.parametrize("stored", [[], ["1"]], ids=["empty", "not-empty"])
def test_a_page_that_wrongly_vouches_for_its_keys_is_refused_and_changes_nothing(
        warehouse_factory, engine, stored):
    wh = warehouse_factory(engine)
    wh.ensure_table(REFUNDS)
    problems: list[str] = []
    if stored:
        with wh.transaction():
            wh.upsert_arrow(REFUNDS, ArrowCoercer(REFUNDS, "s").coerce(
                _page(stored, [Decimal(9)]), "x", problems).arrow)
    lying = ArrowCoercer(REFUNDS, "s").coerce(
        _page(["2", "1", "2"], [Decimal(1), Decimal(2), Decimal(3)]), "x", problems,
        keys_unique=True).arrow
    with pytest.raises(WarehouseError) as caught:
        with wh.transaction():
            wh.upsert_arrow(REFUNDS, lying, verify_keys=True)
    message = str(caught.value)
    assert message.startswith("refunds") and "refund_id" in message and "2" in message, \
        message
    assert len(message.splitlines()) == 1 and message.count("refunds") == 1
    rows = wh.query("SELECT refund_id, amount FROM refunds").rows
    assert [(r, Decimal(str(a))) for r, a in rows] == [(k, Decimal(9)) for k in stored]
    assert not problems
    with wh.transaction():  # the warehouse goes on working
        counts = wh.upsert_arrow(REFUNDS, ArrowCoercer(REFUNDS, "s").coerce(
            _page(["3"], [Decimal(3)]), "x", problems).arrow)
    assert counts.inserted == 1


@pytest.mark.parametrize("engine", ["sqlite", "postgresql", "mariadb"])
def test_a_page_is_merged_a_slice_at_a_time_into_the_row_warehouses(
        warehouse_factory, engine, monkeypatch):
    """Engines that take rows get an Arrow page ROW_SLICE rows at a time, in the same
    transaction: the counts and the rows are those of the whole page."""
    from kpi_engine.warehouses import base

    wh = warehouse_factory(engine)
    wh.ensure_table(REFUNDS)
    with wh.transaction():
        wh.upsert_arrow(REFUNDS, _page(["1", "2"], [Decimal(1), Decimal(2)]))
    sizes: list[int] = []
    merge = type(wh).upsert

    def counted(self, table, columns, rows, key=None):
        sizes.append(len(rows))
        return merge(self, table, columns, rows, key)

    monkeypatch.setattr(base, "ROW_SLICE", 2)
    monkeypatch.setattr(type(wh), "upsert", counted)
    page = _page(["1", "2", "3", "4", "5"], [Decimal(1), Decimal("2.5"), Decimal(3),
                                             Decimal(4), Decimal(5)])
    with wh.transaction():
        counts = wh.upsert_arrow(REFUNDS, page, verify_keys=True)
    assert sizes == [2, 2, 1]
    assert (counts.rows, counts.inserted, counts.updated, counts.unchanged) == (5, 3, 1, 1)
    rows = wh.query("SELECT refund_id, amount FROM refunds ORDER BY refund_id").rows
    assert [(r, Decimal(str(a))) for r, a in rows] == [
        ("1", Decimal(1)), ("2", Decimal("2.5")), ("3", Decimal(3)), ("4", Decimal(4)),
        ("5", Decimal(5))]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_key_repeated_across_slices_is_refused_before_any_is_written(
        warehouse_factory, engine, monkeypatch):
    from kpi_engine.warehouses import base

    monkeypatch.setattr(base, "ROW_SLICE", 2)
    wh = warehouse_factory(engine)
    wh.ensure_table(REFUNDS)
    lying = _page(["1", "2", "3", "1", "4"], [Decimal(1)] * 5)
    with pytest.raises(WarehouseError, match=r"^refunds: the page repeats the key "
                                             r"\(source='shop', refund_id='1'\); "):
        with wh.transaction():
            wh.upsert_arrow(REFUNDS, lying, verify_keys=True)
    assert wh.query("SELECT COUNT(*) FROM refunds").rows[0][0] == 0


class _Vouching(Connector):
    """Refunds in columns whose keys the connector vouches for (``keys_unique``)."""

    name = "test_vouching"
    settings_model = ConnectorSettings
    ids: list[str] = []

    def read(self, context: SyncContext) -> Iterator[Page]:
        yield Page("refunds", [], arrow=_page(self.ids, [Decimal(len(self.ids))] * len(
            self.ids)), keys_unique=True)


class _VouchingPlugin:
    @hookimpl
    def kpi_register_connectors(self, register):
        register(_Vouching)


@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_a_sync_whose_pages_wrongly_vouch_for_their_keys_fails_and_keeps_the_tables(
        warehouse_factory, engine, monkeypatch):
    """The engine hands a vouched page over unchecked and asks the warehouse to verify
    it: the second sync, into a table that has rows, repeats a key and changes nothing."""
    pm = get_plugin_manager()
    plugin = _VouchingPlugin()
    pm.register(plugin, name="test-vouching")
    reset_extensions()
    wh = warehouse_factory(engine)
    try:
        monkeypatch.setattr(_Vouching, "ids", ["1", "2"])
        assert run_sync("test_vouching", wh, {}).rows == {"refunds": 2}
        monkeypatch.setattr(_Vouching, "ids", ["3", "2", "3"])
        with pytest.raises(KpiError, match=r"refunds.*'3'"):
            run_sync("test_vouching", wh, {})
        rows = wh.query("SELECT refund_id, amount FROM refunds ORDER BY refund_id").rows
        assert [(r, Decimal(str(a))) for r, a in rows] == [("1", Decimal(2)),
                                                          ("2", Decimal(2))]
    finally:
        pm.unregister(plugin)
        reset_extensions()
