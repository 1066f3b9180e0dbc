"""kpi explain: driver attribution worked out by hand on small stores (seed 003's example,
a three-driver change, a sum with a subtracted driver, slices by channel), the method's
arithmetic, the drivers: rules of kpi validate, and the command's output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import kpi_engine
from kpi_engine.cli import build_cli
from kpi_engine.errors import KpiError, SpecErrors
from kpi_engine.explain.attribution import LMDI, SHAPLEY, product_contributions
from kpi_engine.schema import TABLES

# Months of the store: (sessions, web orders, fb orders, order subtotal)
#   Jan: 10,000 visits, 300 orders of $100 -> 10,000 × 3% × $100 = $30,000 (seed 003)
#   Feb: 10,000 visits, 350 orders (50 of them from fb) -> 3.5%, $35,000: +$5,000
#   Mar: 12,000 visits, 300 orders of $120 -> 2.5%, $36,000
MONTHS = {1: (10_000, 300, 0, 100), 2: (10_000, 300, 50, 100), 3: (12_000, 300, 0, 120)}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """kpi.yaml (the catalog) over a DuckDB file holding MONTHS and one $1,000 refund
    of a January web order made in February."""
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    root = tmp_path_factory.mktemp("explain")
    wh = DuckDBWarehouse(f"duckdb:///{root / 'shop.duckdb'}")
    for table in TABLES.values():
        wh.ensure_table(table)
    for month, (visits, web, fb, price) in MONTHS.items():
        wh.execute(f"INSERT INTO sessions (session_id, started_at, purchased) "
                   f"SELECT 's{month}-' || i, TIMESTAMP '2024-0{month}-01 10:00' + "
                   f"INTERVAL (i % 28) DAY, i < {web + fb} FROM range({visits}) t(i)")
        wh.execute(f"INSERT INTO orders (source, order_id, channel, created_at, subtotal, "
                   f"discounts, status, is_test) SELECT 'shop', 'o{month}-' || i, "
                   f"CASE WHEN i < {web} THEN 'web' ELSE 'fb' END, TIMESTAMP "
                   f"'2024-0{month}-01 12:00' + INTERVAL (i % 28) DAY, {price}, 0, 'paid', "
                   f"false FROM range({web + fb}) t(i)")
    wh.execute("INSERT INTO refunds (source, refund_id, order_id, created_at, amount) "
               "VALUES ('shop', 'r1', 'o1-0', TIMESTAMP '2024-02-10 12:00', 1000)")
    wh.close()
    (root / "kpi.yaml").write_text(f"warehouse: duckdb:///{root / 'shop.duckdb'}\n",
                                   encoding="utf-8")
    return root


def drivers(node) -> dict[str, float]:
    return {d.metric: d.contribution for d in node.drivers}


def test_seed_003_worked_example(shop):
    """10,000 visitors × 3% × $100 = $30,000; +0.5 point of conversion = +$5,000."""
    result = kpi_engine.open(shop).explain("sales_after_discounts", "2024-02", vs="2024-01")
    tree = result.tree
    assert (tree.prior, tree.value, result.change) == (30_000, 35_000, 5_000)
    values = {d.metric: (d.prior, d.value) for d in tree.drivers}
    assert values == {"sessions": (10_000, 10_000), "order_conversion_rate": (0.03, 0.035),
                      "aov": (100, 100)}
    assert drivers(tree) == {"sessions": 0, "order_conversion_rate": pytest.approx(5_000),
                             "aov": 0}
    assert tree.method == LMDI and tree.unexplained == pytest.approx(0, abs=1e-9)
    assert result.verdict == "good"


def test_three_drivers_change_and_their_contributions_add_up(shop):
    # Jan -> Mar: visits ×1.2, conversion 3% -> 2.5% (×5/6), AOV ×1.2: $30,000 -> $36,000.
    # LMDI: each contributes L × ln(ratio), L = 6,000 / ln 1.2, so ±6,000 exactly.
    result = kpi_engine.open(shop).explain("sales_after_discounts", "2024-03", vs="2024-01")
    parts = drivers(result.tree)
    assert parts == {"sessions": pytest.approx(6_000), "order_conversion_rate":
                     pytest.approx(-6_000), "aov": pytest.approx(6_000)}
    assert sum(parts.values()) == pytest.approx(result.change, rel=1e-12) == 6_000


def test_a_sum_with_a_subtracted_driver_and_a_nested_product(shop):
    # Net sales Feb vs Jan: 35,000 - 1,000 refund = 34,000 vs 30,000: +4,000, of which
    # sales after discounts +5,000 (all conversion, one level down) and refunds -1,000.
    result = kpi_engine.open(shop).explain("net_sales", "2024-02")
    assert result.vs == "2024-01" and result.change == 4_000
    tree = result.tree
    assert tree.relation == "sum" and drivers(tree) == {"sales_after_discounts": 5_000,
                                                        "refunds": -1_000}
    refunds = next(d for d in tree.drivers if d.metric == "refunds")
    assert refunds.sign == -1 and refunds.change == 1_000
    nested = next(d for d in tree.drivers if d.metric == "sales_after_discounts")
    assert drivers(nested)["order_conversion_rate"] == pytest.approx(5_000)
    # By channel (the spec's default dimension): fb brought +5,000, web lost the refund.
    assert [(s["channel"], s["change"], s["share"]) for s in result.by["channel"]] == [
        ("fb", 5_000, 1.25), ("web", -1_000, -0.25)]


def test_json_from_the_cli(shop):
    out = CliRunner().invoke(build_cli(), [
        "--project", str(shop / "kpi.yaml"), "explain", "sales_after_discounts", "--period",
        "2024-03", "--vs", "2024-01", "--by", "channel", "--format", "json"],
        catch_exceptions=False)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["metric"], data["period"], data["vs"], data["change"]) == (
        "sales_after_discounts", "2024-03", "2024-01", 6_000)
    assert [d["contribution"] for d in data["tree"]["drivers"]] == pytest.approx(
        [6_000, -6_000, 6_000])
    assert data["by"]["channel"] == [{"channel": "web", "value": 36_000, "prior": 30_000,
                                      "change": 6_000, "share": 1.0}]
    text = CliRunner().invoke(build_cli(), [
        "--project", str(shop / "kpi.yaml"), "explain", "net_sales", "--period", "2024-02"],
        catch_exceptions=False).output
    assert "order_conversion_rate" in text and "+5,000.00" in text and "-1,000.00" in text


@pytest.mark.parametrize(("args", "message"), [
    (("net_sales", "2024-02", "2024-Q1"), "compare a period with one of the same length"),
    (("net_sales", "2024-02", "2024-03"), "must be before"),
    (("net_sales", "Feb", None), "'Feb' is not a period"),
])
def test_bad_periods(shop, args, message):
    metric, period, vs = args
    with pytest.raises(KpiError, match=message):
        kpi_engine.open(shop).explain(metric, period, vs=vs)


def test_product_arithmetic():
    # LMDI: 2 -> 4 and 3 -> 3: all of 12 - 6 = 6 is the first factor's.
    parts, method = product_contributions([2, 3], [4, 3])
    assert method == LMDI and parts == pytest.approx([6, 0])
    # A zero (no log): Shapley. 0×5 -> 2×6: a = ½(2×5 + 2×6) = 11, b = ½(1×0 + 1×2) = 1.
    parts, method = product_contributions([0, 5], [2, 6])
    assert method == SHAPLEY and parts == pytest.approx([11, 1])


BAD_DRIVERS = {
    "unknown": ("{relation: sum, metrics: [gross_sales, no_such]}", "unknown metric 'no_such'"),
    "minus": ("{relation: product, metrics: [orders, -aov]}", "only a sum can do"),
    "self": ("{relation: sum, metrics: [gross_sales, net_sales]}", "cannot drive itself"),
    "offset": ("{relation: sum, metrics: [gross_sales, net_sales_prev]}",
               "'net_sales_prev' compares periods"),
    "short": ("{relation: sum, metrics: [gross_sales]}", "at least 2"),
}


@pytest.mark.usefixtures("without_catalog")
@pytest.mark.parametrize("case", sorted(BAD_DRIVERS))
def test_kpi_validate_checks_drivers(case, tmp_path):
    from kpi_engine.registry import load_registry

    from .conftest import SHOP_SPECS

    spec, message = BAD_DRIVERS[case]
    (tmp_path / "extra.yaml").write_text(
        f"metrics:\n  - {{name: net_sales_2, type: derived, expr: net_sales}}\n"
        f"  - name: explained\n    type: derived\n    expr: gross_sales\n"
        f"    drivers: {spec.replace('net_sales]', 'explained]')}\n", encoding="utf-8")
    with pytest.raises(SpecErrors, match=message) as info:
        load_registry([SHOP_SPECS, tmp_path], include_packs=False)
    assert "extra.yaml:" in str(info.value)


@pytest.mark.usefixtures("without_catalog")
def test_kpi_validate_finds_a_drivers_cycle(tmp_path):
    from kpi_engine.registry import load_registry

    from .conftest import SHOP_SPECS

    (tmp_path / "extra.yaml").write_text(
        "metrics:\n"
        "  - {name: a, type: derived, expr: gross_sales,\n"
        "     drivers: {relation: sum, metrics: [b, discounts]}}\n"
        "  - {name: b, type: derived, expr: gross_sales,\n"
        "     drivers: {relation: sum, metrics: [a, discounts]}}\n", encoding="utf-8")
    with pytest.raises(SpecErrors, match=r"drivers cycle: a -> b -> a"):
        load_registry([SHOP_SPECS, tmp_path], include_packs=False)


def test_a_metric_without_drivers_by_slice_and_a_ratio_without_shares(shop):
    kpis = kpi_engine.open(shop)
    # Orders Jan 300 (web) -> Feb 350: fb's 50 new orders are the whole change.
    orders = kpis.explain("orders", "2024-02", by="channel")
    assert orders.tree.drivers == [] and orders.change == 50
    assert [(s["channel"], s["change"], s["share"]) for s in orders.by["channel"]] == [
        ("fb", 50, 1.0), ("web", 0, 0.0)]
    # AOV is a ratio: slices do not add up to the total, so no share is claimed.
    aov = kpis.explain("aov", "2024-03", vs="2024-02", by="channel")
    assert aov.change == 20 and not aov.additive
    assert [(s["channel"], s["value"], s["share"]) for s in aov.by["channel"]] == [
        ("web", 120, None), ("fb", None, None)]  # fb has no March order: no AOV
    # A week (ISO, Monday first) against the week before. Visits fall on days 1..28 of
    # each month, 10,000 = 28 × 357 + 4: days 1-4 get 358, the others 357. 2024-W06 is
    # Feb 5-11: 7 × 357; W05 is Jan 29 - Feb 4: no visit on Jan 29-31, Feb 1-4 4 × 358.
    week = kpis.explain("sessions", "2024-W06")
    assert (week.vs, week.tree.prior, week.tree.value) == ("2024-W05", 4 * 358, 7 * 357)
