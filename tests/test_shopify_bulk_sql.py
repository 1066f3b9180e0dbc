"""The bulk file mapped in DuckDB (plugins/shopify/bulk_sql.py) against the reference
mapping (mapping.py): the same canonical tables on the fixtures' shop (the hand-worked
KPI shop: a partial refund in a later month, a test order, a cancelled order, an order in
EUR) and on files in unusual shapes, which go to the reference; malformed lines are one
clear error naming the line, and the warehouse stays as it was."""

from __future__ import annotations

import copy
import json

import pytest

from kpi_engine.errors import KpiError
from kpi_engine.schema import TABLES
from kpi_engine.sync.arrow_pages import ArrowCoercer
from kpi_engine.sync.coerce import TableCoercer
from kpi_engine.testing import ReplayServer
from kpi_engine.testing.conformance import tables_of
from kpi_engine_plugins.shopify import mapping
from kpi_engine_plugins.shopify.bulk_pages import _arrow_pages
from kpi_engine_plugins.shopify.bulk_sql import Unusual, map_file

from .shopify_fake import FakeShopify, load_fixtures
from .test_shopify_sync import CASE, sync

TABLE_NAMES = ("orders", "order_lines", "checkouts")


class _NoServer:
    def add(self, *a, **k):
        pass


def _bulk_lines(shop, late=False) -> list[str]:
    return FakeShopify(_NoServer(), shop, late_children=late).bulk_lines()


def _reference(shop) -> dict[str, list[tuple]]:
    """The reference mapping's rows of every order, typed as the engine types them."""
    rows = {t: [] for t in TABLE_NAMES}
    for order in shop["orders"]:
        o, lines, _, checkouts = mapping.order_rows(order, "s")
        rows["orders"].append(o)
        rows["order_lines"].extend(lines)
        rows["checkouts"].extend(checkouts)
    out = {}
    for name, dicts in rows.items():
        problems: list[str] = []
        page = TableCoercer(TABLES[name], "shopify").coerce(dicts, ["x"] * len(dicts),
                                                             problems)
        assert not problems
        out[name] = sorted(page.rows, key=repr)
    return out


def _mapped(tmp_path, lines: list[str]) -> dict[str, list[tuple]]:
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(lines) + "\n")
    mapped = map_file(path, "s", tmp_path)
    try:
        files = mapped.export(tmp_path, 4)  # several pages
    finally:
        mapped.close()
    out = {}
    for name in TABLE_NAMES:
        rows = []
        for page in _arrow_pages(name, files[name], 6):  # batches of 4 joined up to 6
            data = page.arrow
            problems: list[str] = []
            page = ArrowCoercer(TABLES[name], "shopify").coerce(data, "x", problems)
            assert not problems
            columns = [page.arrow.column(c).to_pylist() for c in page.columns]
            rows.extend(zip(*columns, strict=True))
        out[name] = sorted(rows, key=repr)
    return out


@pytest.fixture
def shop():
    return load_fixtures()


@pytest.mark.parametrize("late", [False, True])
def test_sql_mapping_gives_the_reference_tables(tmp_path, shop, late):
    got = _mapped(tmp_path, _bulk_lines(shop, late))
    assert got == _reference(shop)
    orders = {row[0]: row for row in got["orders"]}
    # The hand-worked shop's special orders came through as the reference maps them.
    assert orders["5003"][TABLES["orders"].column_names.index("is_test")] is True
    assert orders["5005"][TABLES["orders"].column_names.index("status")] == "cancelled"
    assert {row[-1] for row in got["orders"]} >= {"EUR"}  # presentment currency kept


def _variants(shop) -> dict[str, dict]:
    """Shapes the reference maps (no error) but the SQL path leaves to it."""
    def order(s, n):
        return next(o for o in s["orders"] if o["id"].endswith(f"/{n + 4000}"))

    out = {}
    s = copy.deepcopy(shop)
    order(s, 1001)["totalPriceSet"]["shopMoney"]["amount"] = 135.3  # a JSON number
    out["amount as a number"] = s
    s = copy.deepcopy(shop)
    order(s, 1002)["customer"] = {}
    out["empty customer"] = s
    s = copy.deepcopy(shop)
    order(s, 1004)["lineItems"]["nodes"][0]["originalUnitPriceSet"]["shopMoney"]["amount"] \
        = "40.123456"
    out["six decimals"] = s
    s = copy.deepcopy(shop)
    order(s, 1004)["lineItems"]["nodes"][0]["sku"] = 12
    out["sku as a number"] = s
    s = copy.deepcopy(shop)
    order(s, 1001)["processedAt"] = "2025-01-15T23:30:00.123+02:00"
    order(s, 1002)["updatedAt"] = "2025-01-20T09:30:00.5-05:00"
    out["offsets and fractions"] = s
    s = copy.deepcopy(shop)
    order(s, 1006)["customerJourneySummary"] = {"firstVisit": {
        "landingPage": "/products/tote?ref=x y", "utmParameters": None}}
    out["odd landing page"] = s
    s = copy.deepcopy(shop)
    order(s, 1004)["lineItems"]["nodes"][0]["id"] += "?v=1"
    order(s, 1001)["customer"]["id"] = "gid://shopify/Customer/9/7"
    out["ids with a query or more parts"] = s
    # Each id of another type than the field's usual one (the SQL's plain-form shortcut
    # does not apply) or of the usual type in another form (the shortcut must refuse it)
    s = copy.deepcopy(shop)
    line = order(s, 1004)["lineItems"]["nodes"][0]
    line["product"] = {"id": "gid://shopify/Product/7?x=1"}
    line["variant"] = {**(line.get("variant") or {}), "id": "gid://shopify/Variant/3/4"}
    order(s, 1004)["lineItems"]["nodes"][-1]["id"] = "gid://shopify/LineItem/a/b/88"
    order(s, 1001)["customer"]["id"] = "gid://shopify/Buyer/9"
    out["ids of other types and forms"] = s
    s = copy.deepcopy(shop)
    order(s, 1002)["customer"] = {"id": "gid://shopify/Customer/?x=1"}
    out["customer id without a tail"] = s
    s = copy.deepcopy(shop)
    order(s, 1004)["lineItems"]["nodes"][0]["quantity"] = "2"
    out["quantity as text"] = s
    s = copy.deepcopy(shop)
    order(s, 1004)["lineItems"]["nodes"][0]["quantity"] = 10 ** 19
    out["quantity beyond 64 bits"] = s
    return out


@pytest.mark.parametrize("name", ["amount as a number", "empty customer", "six decimals",
                                  "sku as a number", "customer id without a tail",
                                  "quantity as text", "quantity beyond 64 bits"])
def test_unusual_shapes_are_left_to_the_reference(tmp_path, shop, name):
    variant = _variants(shop)[name]
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(_bulk_lines(variant)) + "\n")
    with pytest.raises(Unusual):
        map_file(path, "s", tmp_path)


@pytest.mark.parametrize("refunds", [{"nodes": []}, "[]", 0])
def test_refunds_that_are_not_a_list_are_left_to_the_reference(tmp_path, shop, refunds):
    lines = _bulk_lines(shop)
    first = json.loads(lines[0])
    assert "__parentId" not in first
    lines[0] = json.dumps({**first, "refunds": refunds})
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(Unusual):
        map_file(path, "s", tmp_path)


@pytest.mark.parametrize("name", ["odd landing page", "offsets and fractions",
                                  "ids with a query or more parts",
                                  "ids of other types and forms"])
def test_shapes_the_sql_maps_as_the_reference_does(tmp_path, shop, name):
    variant = _variants(shop)[name]
    assert _mapped(tmp_path, _bulk_lines(variant)) == _reference(variant)


@pytest.fixture
def wh_url(tmp_path):
    return lambda name: f"duckdb:///{tmp_path / name}.duckdb"


@pytest.mark.parametrize("name", ["amount as a number", "empty customer", "six decimals",
                                  "sku as a number"])
def test_a_sync_of_an_unusual_file_gives_the_reference_tables(wh_url, shop, name):
    with ReplayServer() as server:
        FakeShopify(server, _variants(shop)[name])
        sync(server, wh_url("paged"))
        sync(server, wh_url("bulk"), bulk="always")
    assert tables_of(CASE, wh_url("bulk")) == tables_of(CASE, wh_url("paged"))


def _sync_damaged(server, fake, url, damage):
    original = fake.bulk_lines

    def damaged():
        lines = original()
        damage(lines)
        return lines

    fake.bulk_lines = damaged
    with pytest.raises(KpiError) as caught:
        sync(server, url, bulk="always")
    return str(caught.value)


def _replace_line(index: int, text: str):
    def damage(lines):
        lines[index] = text
    return damage


def _set_field(index: int, key: str, value):
    def damage(lines):
        node = json.loads(lines[index])
        node[key] = value
        lines[index] = json.dumps(node)
    return damage


@pytest.mark.parametrize("damage, expected", [
    (_replace_line(3, '{"id": "gid://shopify/LineItem/1", "quan'),
     r"^shopify orders \(bulk file\):4: not valid JSON"),
    (_replace_line(2, "<html><body>Service unavailable</body></html>"),
     r"^shopify orders \(bulk file\):3: not valid JSON"),
    (_set_field(1, "quantity", "two"),
     r"^shopify orders \(bulk\): order 'gid://shopify/Order/\d+' \(number 1 of the "
     r"file\): field 'quantity': expected an integer, got 'two'"),
    (_set_field(1, "quantity", "2"),
     r"^shopify orders \(bulk\): order 'gid://shopify/Order/\d+' \(number 1 of the "
     r"file\): field 'quantity': expected an integer, got '2'"),
    (_set_field(0, "totalPriceSet", None),
     r"^shopify orders \(bulk\): order 'gid://shopify/Order/\d+' \(number 1 of the "
     r"file\): field 'totalPriceSet' is null"),
    (_set_field(1, "__parentId", "gid://shopify/Order/1"),
     r"^shopify orders \(bulk file\):2: __parentId 'gid://shopify/Order/1' names no node"),
])
def test_a_malformed_bulk_file_is_one_clear_error_and_changes_nothing(wh_url, damage,
                                                                     expected):
    url = wh_url("shop")
    with ReplayServer() as server:
        fake = FakeShopify(server)
        sync(server, url, bulk="always")
        before = tables_of(CASE, url)
        for order in fake.data["orders"]:  # every order changed since the first sync
            order["updatedAt"] = order["updatedAt"].replace("2025-", "2099-")
            order["displayFinancialStatus"] = "PENDING"
        message = _sync_damaged(server, fake, url, damage)
    assert "\n" not in message
    assert __import__("re").search(expected, message), message
    assert tables_of(CASE, url) == before


@pytest.mark.slow
def test_a_bulk_sync_then_eval_gives_the_hand_worked_kpis(tmp_path):
    """tests/test_shopify_cli.py's hand-worked KPIs, the orders read through a bulk
    operation and mapped in DuckDB."""
    from .test_shopify_cli import TOKEN, assert_hand_worked_kpis, kpi

    url = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    with ReplayServer() as server:
        FakeShopify(server, late_children=True)
        synced = kpi("sync", "shopify", "-w", url, "--set", f"base_url={server.url}",
                     "--set", "bulk=always", "--set", "bulk_poll_seconds=0.01",
                     cwd=tmp_path, env={"KPI_SHOPIFY_ACCESS_TOKEN": TOKEN})
    assert synced.returncode == 0, synced.stderr
    assert "not in the documented shape" not in synced.stdout + synced.stderr
    assert "orders 6 (6 inserted" in synced.stdout
    assert_hand_worked_kpis(url, tmp_path)


def test_a_bad_refund_names_its_orders_place_in_the_file(wh_url):
    """The DuckDB path reads refunds' parts after the scan, which keeps no file order: a
    refund that cannot be mapped still names its order's number among the file's orders."""
    url = wh_url("shop")
    with ReplayServer() as server:
        fake = FakeShopify(server)
        orders = fake.data["orders"]
        at, order = next((i, o) for i, o in enumerate(orders) if i > 0 and o.get("refunds"))
        order["refunds"][0]["refundLineItems"]["nodes"][0]["subtotalSet"] = None
        with pytest.raises(KpiError) as caught:
            sync(server, url, bulk="always")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"shopify orders (bulk): order {order['id']!r} "
                              f"(number {at + 1} of the file): "), message
    assert "subtotalSet" in message
    assert not any(tables_of(CASE, url).values())


def test_uneven_batches_are_joined_into_pages_of_at_most_the_page_rows(tmp_path):
    """DuckDB's export hands over batches of uneven sizes; consecutive ones are joined,
    in order, into pages of up to the page size (each page is one commit)."""
    import pyarrow as pa

    sizes, start = [3, 2, 4, 1, 5], 0
    schema = pa.schema([("order_id", pa.string())])
    with pa.OSFile(str(tmp_path / "t.arrow"), "wb") as sink, \
            pa.ipc.new_file(sink, schema) as writer:
        for size in sizes:
            writer.write_batch(pa.record_batch(
                [pa.array([str(i) for i in range(start, start + size)])], schema=schema))
            start += size
    pages = list(_arrow_pages("orders", tmp_path / "t.arrow", 6))
    assert [p.arrow.num_rows for p in pages] == [5, 5, 5]
    assert [v for p in pages for v in p.arrow.column("order_id").to_pylist()] == \
        [str(i) for i in range(15)]
    assert [p.arrow.num_rows for p in _arrow_pages("orders", tmp_path / "t.arrow", 4)] == \
        [3, 2, 4, 1, 5]


def _file_with(tmp_path, shop, change):
    lines = [json.loads(line) for line in _bulk_lines(shop)]
    change(lines)
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(node) for node in lines) + "\n")
    return path


def _first_child(lines):
    return next(i for i, node in enumerate(lines) if "__parentId" in node)


@pytest.mark.parametrize("parent", ["gid://shopify/Order/1", "child"],
                         ids=["no such order", "a child as parent"])
def test_a_child_without_its_order_is_left_to_the_reference(tmp_path, shop, parent):
    def change(lines):
        i = _first_child(lines)
        other = next(n for n in lines[i + 1:] if "__parentId" in n)
        lines[i]["__parentId"] = other["id"] if parent == "child" else parent

    with pytest.raises(Unusual, match=r"1 missing parent\(s\)"):
        map_file(_file_with(tmp_path, shop, change), "s", tmp_path)


@pytest.mark.parametrize("what", ["order", "line"])
def test_a_repeated_key_is_left_to_the_reference(tmp_path, shop, what):
    def change(lines):
        if what == "order":
            lines.append(dict(lines[0]))
        else:
            lines.append(dict(lines[_first_child(lines)]))

    with pytest.raises(Unusual, match=r"1 repeated key\(s\)"):
        map_file(_file_with(tmp_path, shop, change), "s", tmp_path)


@pytest.mark.parametrize("case", ["parent of another type", "order id of another type",
                                  "parent with a query", "order id of more parts",
                                  "order id without a tail"])
def test_ids_joined_by_their_tails_must_be_order_ids(tmp_path, shop, case):
    """The SQL joins children to orders by the ids' tails, which is exact only for ids of
    the form gid://shopify/Order/N: any other goes to the reference."""
    def change(lines):
        i = _first_child(lines)
        parent = lines[i]["__parentId"]
        if case == "parent of another type":  # the same tail as its order's id
            lines[i]["__parentId"] = parent.replace("/Order/", "/DraftOrder/")
        elif case == "parent with a query":
            lines[i]["__parentId"] = parent + "?x=1"
        else:  # the order's id and its children's parent, changed alike
            other = {"order id of another type": parent.replace("/Order/", "/DraftOrder/"),
                     "order id of more parts": parent.replace("/Order/", "/Order/7/"),
                     "order id without a tail": "gid://shopify/Order/"}[case]
            for node in lines:
                if node.get("id") == parent:
                    node["id"] = other
                if node.get("__parentId") == parent:
                    node["__parentId"] = other

    with pytest.raises(Unusual, match=r"^[1-9][0-9]* row\(s\) not of the documented shape"):
        map_file(_file_with(tmp_path, shop, change), "s", tmp_path)
