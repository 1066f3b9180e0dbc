"""Numbers for people: half-up money, currencies without minor units, four languages,
right-to-left tables, one scale per row, and units inherited by cumulative metrics."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from kpi_engine.cli import build_cli
from kpi_engine.cli.formatting import (
    LANGS,
    check_currency,
    is_rtl,
    money,
    number,
    percent,
    round_half_up,
    row_formatter,
    value_text,
)
from kpi_engine.cli.output import LRM, display_width, records_table, render_table
from kpi_engine.errors import KpiError
from kpi_engine.registry import load_registry
from kpi_engine.units import unit_of

from .conftest import NO_CATALOG, SHOP_SPECS


@pytest.mark.parametrize(("value", "shown"), [
    (81.625, "81.63"), (Decimal("81.625"), "81.63"), (2.675, "2.68"), (0.125, "0.13"),
    (Decimal("-81.625"), "-81.63"), (Decimal("-0.004"), "0.00"), (1234567.005, "1,234,567.01")])
def test_money_rounds_half_up_as_money_is_shown(value, shown):
    assert value_text(value, "currency") == shown


def test_currencies_without_minor_units_and_languages():
    assert money(Decimal("1234500.5"), "en", "VND") == "₫1,234,501"
    assert money(Decimal("1234500.5"), "vi", "VND") == "1.234.501\xa0₫"
    assert money(Decimal("1234500"), "fa", "IRR").endswith("۱٬۲۳۴٬۵۰۰")
    assert money(Decimal("81.625"), "vi", "USD") == "81,63\xa0US$"
    assert money(Decimal("81.625"), "ms", "MYR") == "RM81.63"
    assert money(Decimal("81.625"), "en", "USD") == "$81.63"


def test_numbers_and_percentages_by_language():
    assert number(Decimal("1234.5"), 1, "en") == "1,234.5"
    assert number(Decimal("1234.5"), 1, "vi") == "1.234,5"
    assert number(Decimal("1234.5"), 1, "ms") == "1,234.5"
    assert number(Decimal("1234.5"), 1, "fa") == "۱٬۲۳۴٫۵"  # Persian digits and separators
    assert percent(0.1234, "en") == "12.3%" and percent(0.1234, "vi") == "12,3%"
    assert percent(0.1234, "fa") == "۱۲٫۳٪"


@pytest.mark.parametrize("value", [-0.0004, -0.00049, Decimal("-0.0000"), -1e-12])
def test_no_negative_zero_percent(value):
    assert percent(value) == "0.0%"
    assert value_text(value, "percent") == "0.0%"


def test_round_half_up_is_unsigned_at_zero():
    assert str(round_half_up(-0.004, 2)) == "0.00"
    assert str(round_half_up(0.005, 2)) == "0.01"


def test_row_shares_one_scale_and_one_number_of_decimals():
    fmt = row_formatter([0, Decimal("66.98"), Decimal("1853.5")], "currency")
    assert [fmt(v) for v in (0, Decimal("66.98"), Decimal("1853.5"))] == ["0", "67", "1,854"]
    fmt = row_formatter([999_400, 1_234_567], "count")
    assert [fmt(999_400), fmt(1_234_567), fmt(None)] == ["1.00M", "1.23M", "—"]
    fmt = row_formatter([9_500, 12_345], "count", "vi")
    assert fmt(9_500) == "9,5\xa0N"
    fmt = row_formatter([34.48, 50, 80.95], "number")
    assert [fmt(v) for v in (34.48, 50, 80.95)] == ["34.48", "50.00", "80.95"]
    fmt = row_formatter([3092, 5400], "seconds")
    assert [fmt(3092), fmt(5400)] == ["0h 51m", "1h 30m"]


def test_width_ignores_zero_width_marks():
    assert display_width("نشست‌های موبایل") == 14  # ZWNJ takes no column
    assert display_width(LRM + "abc") == 3
    assert display_width("日本") == 4


def test_right_to_left_table_is_mirrored():
    table = render_table(["KPI", "Jan", "Feb"], [["سهم", "1", "2"]], rtl=True)
    lines = table.splitlines()
    assert all(line.startswith(LRM) for line in (lines[0], lines[2]))
    assert lines[0].rstrip().endswith("KPI") and lines[2].rstrip().endswith("سهم")
    assert lines[2].index("2") < lines[2].index("1")  # Feb left of Jan
    ltr = render_table(["KPI", "Jan"], [["share", "1"]])
    assert ltr.splitlines()[2].startswith("share")


@pytest.mark.parametrize("lang", LANGS)
def test_right_to_left_languages_agree_with_babel(lang):
    from babel import Locale

    assert is_rtl(lang) == (Locale.parse(lang).character_order == "right-to-left")


def test_unknown_currency_is_one_clear_error():
    assert check_currency("vnd") == "VND"
    with pytest.raises(KpiError, match=r"unknown currency 'EURO' \(did you mean 'EUR'\?\)"):
        check_currency("EURO")


def test_cumulative_and_offset_metrics_take_their_base_unit(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "sources: [{name: o, table: orders, time: created_at}]\n"
        "metrics:\n"
        "  - {name: sales, type: sum, source: o, expr: subtotal, unit: currency}\n"
        "  - {name: sales_to_date, type: cumulative, metric: sales}\n"
        "  - {name: sales_ytd_count, type: cumulative, metric: sales, unit: count}\n"
        "  - {name: sales_prev, type: offset, metric: sales_to_date, offset: {periods: 1}}\n",
        encoding="utf-8")
    reg = load_registry([tmp_path], include_packs=False)
    assert unit_of(reg, "sales_to_date") == "currency"
    assert unit_of(reg, "sales_ytd_count") == "count"  # an explicit unit wins
    assert unit_of(reg, "sales_prev") == "currency"  # through two levels


def test_records_table_formats_by_language():
    records = [{"period": "2024-01-01", "aov": Decimal("81.625"), "share": -0.00001}]
    units = {"aov": "currency", "share": "percent"}
    en = records_table(records, ["aov", "share"], units, currency="USD")
    assert "$81.63" in en and "0.0%" in en and "-0.0%" not in en
    fa = records_table(records, ["aov", "share"], units, lang="fa")
    assert fa.splitlines()[2].startswith(LRM) and "۸۱٫۶۳" in fa


@pytest.fixture
def shop_db(tmp_path, monkeypatch) -> str:
    import kpi_engine.plugins as plugins
    from kpi_engine.extensions import reset_extensions
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    from .shop_data import load_shop

    monkeypatch.setenv("KPI_ENGINE_LOAD_PLUGINS", NO_CATALOG)
    plugins.reset()
    reset_extensions()
    path = tmp_path / "shop.duckdb"
    wh = DuckDBWarehouse(f"duckdb:///{path}")
    load_shop(wh)
    wh.close()
    yield f"duckdb:///{path}"
    plugins.reset()
    reset_extensions()


def test_kpi_eval_table_in_persian_with_a_currency_and_inherited_units(shop_db):
    args = ["--specs", str(SHOP_SPECS), "eval", "gross_sales", "gross_sales_to_date", "-w",
            shop_db, "--since", "2024-01-01", "--until", "2024-02-01"]
    result = CliRunner().invoke(build_cli(), [*args, "--currency", "VND"],
                                catch_exceptions=False)
    # 190 of sales in January; the cumulative metric, without a unit, is money too
    assert result.output.splitlines()[2].split()[1:] == ["₫190", "₫190"]
    fa = CliRunner().invoke(build_cli(), [*args, "--lang", "fa"], catch_exceptions=False)
    row = fa.output.splitlines()[2]
    assert row.startswith(LRM) and row.rstrip().endswith("2024-01-01")
    assert row.count("۱۹۰٫۰۰") == 2
