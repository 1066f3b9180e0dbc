"""Map a bulk operation's JSONL to canonical tables set-based, in an embedded DuckDB.

DuckDB reads the downloaded file itself (``read_json`` with the columns the mapping
needs), rebuilds each order from its children by joining ``__parentId`` to the orders'
ids (by their tails, both being checked to be Order ids), and computes the orders,
order_lines and checkouts tables in SQL; the sync engine then gets them as Arrow pages.
No Python object is made per order or line: this is what makes a full sync of a large
shop fast (docs/connectors/shopify.md, "How it reads").

The Python mapping (mapping.py) stays the reference. This path accepts only the shape the
API documents: ids that are Shopify global ids (an order's, and a child's
``__parentId``, of the form gid://shopify/Order/1234), amounts that are JSON strings of
at most 14 integer and 4 decimal digits (exact in DECIMAL(18, 4), so no rounding can differ),
timestamps of the form 2025-03-01T10:00:00Z or with an offset, strings that are JSON
strings, and every order's children present. Each row's shape is checked in the same
scan; anything else (a malformed line, a missing field, a number where a string belongs,
an orphan or repeated id) raises ``Unusual``, and the caller maps the file with the
reference instead, which either names the bad line and field or gives the rows itself.
tests/test_shopify_bulk_sql.py checks that both give the same tables.

Refunds are few and need the paged API for their parts (bulk_refunds.py), so they are
mapped by the reference's ``refund_row`` from the orders' ``refunds`` lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kpi_engine.embedded_threads import threads_within

from . import mapping
from .status import FINANCIAL, FULFILLED

MEMORY_LIMIT = "200MB"  # the embedded database spills to its folder beyond this
_AMOUNT = r"-?[0-9]{1,14}(\.[0-9]{1,4})?"
_STAMP = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?" \
         r"(Z|[+-][0-9]{2}:[0-9]{2})"
# A landing page URL whose path the SQL takes out as urlsplit does; any other (relative,
# spaces, brackets, other schemes) is passed to mapping.landing_path itself.
_PLAIN_URL = r"(?i)https?://[A-Za-z0-9.:@-]*(/[^?#\x00-\x20\x7f]*)?([?#][^\x00-\x20\x7f]*)?"

_GID = r"(?s)gid://shopify/(.*/)?[^/?][^/]*"


def _prefix(kind: str) -> str:
    """The start of a global id of ``kind``: gid://shopify/KIND/."""
    return f"gid://shopify/{kind}/"


# An order's id, and a child's __parentId, must be gid://shopify/Order/REST (_is_gid_of):
# the tail after this prefix is then the whole rest, so two of them are equal exactly
# when their tails are (the joins use the tails).
_ORDER_PREFIX = _prefix("Order")
_MONEY = "STRUCT(shopMoney STRUCT(amount JSON))"
_ID = "STRUCT(id VARCHAR)"
# Every field the mapping reads, typed as read_json should parse it. Scalars other than
# ids are JSON so their JSON type can be checked (VARCHAR would turn 12 into '12').
_COLUMNS = {
    "id": "VARCHAR", "__parentId": "VARCHAR",
    "createdAt": "JSON", "processedAt": "JSON", "updatedAt": "JSON", "cancelledAt": "JSON",
    "test": "JSON", "displayFinancialStatus": "JSON", "displayFulfillmentStatus": "JSON",
    "sourceName": "JSON", "currencyCode": "JSON", "presentmentCurrencyCode": "JSON",
    "customer": _ID,
    "customerJourneySummary": "STRUCT(firstVisit STRUCT(landingPage JSON, utmParameters "
                              "STRUCT(source JSON, medium JSON, campaign JSON)))",
    "totalTaxSet": _MONEY, "totalPriceSet": _MONEY, "totalRefundedSet": _MONEY,
    "refunds": "JSON",
    "sku": "JSON", "quantity": "JSON", "product": _ID,
    "variant": f"STRUCT(id VARCHAR, inventoryItem STRUCT(unitCost STRUCT(amount JSON)), "
               f"product {_ID})",
    "originalUnitPriceSet": _MONEY, "originalTotalSet": _MONEY,
    "discountAllocations": f"STRUCT(allocatedAmountSet {_MONEY})[]",
    "discountedPriceSet": _MONEY,
}


class Unusual(Exception):
    """The file is not in the documented shape: map it with the reference instead."""


# -- SQL fragments (constant text: no value of the file or the settings is put in) --------
# A JSON-typed column holds the value's JSON text, minified: a string's text starts with
# '"' and no other value's does, and an amount or timestamp of the accepted forms has no
# escape, so its text is the value between two quotes. Checking the text itself is exact
# and spares a JSON parse per check.
def _text(x: str) -> str:
    return f"({x} ->> '$')"


def _is_text(x: str) -> str:
    return f"({x} IS NULL OR starts_with({x}, '\"'))"


def _unquoted(x: str) -> str:
    """The text between the quotes; used only on values whose check accepts them (an
    amount or timestamp of the accepted forms: one quote at each end, none inside)."""
    text = f"CAST({x} AS VARCHAR)"
    # substr and strlen rather than a [2:-2] slice, which counts characters from the end
    # (the accepted forms are ASCII, so bytes are characters)
    return f"substr({text}, 2, strlen({text}) - 2)"


# Casts from the JSON type parse the JSON again; the text as VARCHAR does not need it: an
# array's minified text starts with '[' (no other value's does), an empty one is '[]',
# and a quantity the check accepts is the digits themselves.
_REFUNDS = "CAST(refunds AS VARCHAR)"
_QUANTITY = "TRY_CAST(CAST(quantity AS VARCHAR) AS BIGINT)"


def _amount(x: str) -> str:
    return f"TRY_CAST({_unquoted(x)} AS DECIMAL(18, 4))"


def _amount_ok(x: str) -> str:
    return f"({x} IS NULL OR regexp_full_match({x}, '\"{_AMOUNT}\"'))"


def _bag_ok(bag: str, required: bool) -> str:
    amount = f"{bag}.shopMoney.amount"
    present = f"({bag} IS NOT NULL AND {amount} IS NOT NULL AND {_amount_ok(amount)})"
    return present if required else f"({bag} IS NULL OR {present})"


def _stamp(x: str) -> str:
    return f"CAST(TRY_CAST({_unquoted(x)} AS TIMESTAMPTZ) AS TIMESTAMP)"


def _stamp_ok(x: str) -> str:
    return (f"({x} IS NULL OR (regexp_full_match({x}, '\"{_STAMP}\"') AND "
            f"TRY_CAST({_unquoted(x)} AS TIMESTAMPTZ) IS NOT NULL))")


def _is_gid_of(x: str, kind: str) -> str:
    """Exactly: ``x`` is gid://shopify/KIND/REST with REST not empty and holding no '/'
    and no '?' (the form the API gives). Plain string tests, about a quarter of the cost
    of a regular expression: they decide the common case of the checks and tails below,
    which fall back to the general expression only for other ids."""
    prefix = _prefix(kind)
    return (f"(starts_with({x}, '{prefix}') AND strlen({x}) > {len(prefix)} AND "
            f"NOT contains(substr({x}, {len(prefix) + 1}), '/') AND NOT contains({x}, '?'))")


def _tail(x: str, *kinds: str) -> str:
    """'gid://shopify/Order/450789469' -> '450789469' (values.gid_tail): for an id of
    one of ``kinds`` in the plain form, the text after its prefix; else the last path
    segment without its query."""
    plain = " ".join(f"WHEN {_is_gid_of(x, kind)} THEN "
                     f"substr({x}, {len(_prefix(kind)) + 1})" for kind in kinds)
    return f"CASE {plain} ELSE split_part(regexp_extract({x}, '[^/]*$'), '?', 1) END"


def _gid_ok(x: str, kind: str) -> str:
    """NULL, or a global id with a tail: after its last '/' a character other than '?'
    (the same test as starts_with plus ``_tail(x) <> ''``); an id of ``kind`` in the
    plain form needs no regular expression."""
    return (f"CASE WHEN {x} IS NULL OR {_is_gid_of(x, kind)} THEN true "
            f"ELSE regexp_full_match({x}, '{_GID}') END")


def _object_ok(x: str, kind: str) -> str:
    """An object field read only for its id: null, or with an id (an empty or id-less
    object is for the reference to judge)."""
    return f"({x} IS NULL OR ({x}.id IS NOT NULL AND {_gid_ok(x + '.id', kind)}))"


_JOURNEY = "customerJourneySummary.firstVisit"
_DISCOUNTS = "discountAllocations"
_ORDER_OK = " AND ".join([
    "id IS NOT NULL", _is_gid_of("id", "Order"),
    "(test IS NULL OR test IN ('true', 'false'))",
    _stamp_ok("processedAt"), _stamp_ok("createdAt"), _stamp_ok("cancelledAt"),
    "COALESCE(processedAt, createdAt) IS NOT NULL",
    "updatedAt IS NOT NULL", _stamp_ok("updatedAt"),
    *(_is_text(f) for f in ("displayFinancialStatus", "displayFulfillmentStatus",
                            "sourceName", "currencyCode", "presentmentCurrencyCode",
                            f"{_JOURNEY}.landingPage", f"{_JOURNEY}.utmParameters.source",
                            f"{_JOURNEY}.utmParameters.medium",
                            f"{_JOURNEY}.utmParameters.campaign")),
    "currencyCode IS NOT NULL",
    _object_ok("customer", "Customer"),
    _bag_ok("totalPriceSet", True), _bag_ok("totalTaxSet", False),
    _bag_ok("totalRefundedSet", False),
    f"(refunds IS NULL OR starts_with({_REFUNDS}, '['))",
])
_PARENT_OK = _is_gid_of("__parentId", "Order")
_LINE_OK = " AND ".join([
    _PARENT_OK, _gid_ok("id", "LineItem"), _is_text("sku"),
    "regexp_full_match(quantity, '-?[0-9]{1,19}')",
    f"{_QUANTITY} IS NOT NULL",
    _object_ok("product", "Product"), _object_ok("variant", "ProductVariant"),
    _object_ok("variant.product", "Product"),
    _amount_ok("variant.inventoryItem.unitCost.amount"),
    _bag_ok("originalUnitPriceSet", True), _bag_ok("originalTotalSet", False),
    f"({_DISCOUNTS} IS NULL OR COALESCE(list_bool_and(list_transform({_DISCOUNTS}, "
    f"lambda a: {_bag_ok('a.allocatedAmountSet', True)})), true))",
])
_SHIPPING_OK = f"{_PARENT_OK} AND {_bag_ok('discountedPriceSet', True)}"

_KIND = ("CASE WHEN __parentId IS NULL THEN 'order' "
         "WHEN starts_with(id, 'gid://shopify/LineItem/') THEN 'line' "
         "WHEN starts_with(id, 'gid://shopify/ShippingLine/') THEN 'shipping' END")

# One scan of the file: each row's kind, whether it has the documented shape, and its
# values already typed (columns of the other kinds stay NULL). No row keeps its whole
# global id: an order's and a child's parent's are checked to be Order ids (_is_gid_of),
# so their tails join them exactly; not storing a million ids and 800,000 parents of
# 30 characters each took about 0.7 s off the scan of 200,000 orders.
_SCAN = f"""
CREATE TABLE raw AS SELECT
  kind,
  CASE kind WHEN 'order' THEN {_ORDER_OK} WHEN 'line' THEN {_LINE_OK}
            WHEN 'shipping' THEN {_SHIPPING_OK} ELSE false END AS ok,
  {_tail('id', 'Order', 'LineItem')} AS tail,
  substr(__parentId, {len(_ORDER_PREFIX) + 1}) AS parent_tail,
  COALESCE(test = 'true', false) AS is_test,
  {_stamp('COALESCE(processedAt, createdAt)')} AS created_at,
  {_stamp('updatedAt')} AS updated_at,
  cancelledAt IS NOT NULL AS cancelled,
  {_text('displayFinancialStatus')} AS financial,
  {_text('displayFulfillmentStatus')} AS fulfillment,
  {_text('sourceName')} AS source_name,
  {_text('currencyCode')} AS currency,
  {_text('presentmentCurrencyCode')} AS presentment_currency,
  {_tail('customer.id', 'Customer')} AS customer_id,
  {_text(_JOURNEY + '.landingPage')} AS landing,
  {_text(_JOURNEY + '.utmParameters.source')} AS utm_source,
  {_text(_JOURNEY + '.utmParameters.medium')} AS utm_medium,
  {_text(_JOURNEY + '.utmParameters.campaign')} AS utm_campaign,
  {_amount('totalTaxSet.shopMoney.amount')} AS tax,
  {_amount('totalPriceSet.shopMoney.amount')} AS total,
  {_amount('totalRefundedSet.shopMoney.amount')} AS refunded,
  CASE WHEN starts_with({_REFUNDS}, '[') AND {_REFUNDS} <> '[]' THEN {_REFUNDS} END
    AS refunds,
  {_text('sku')} AS sku,
  {_QUANTITY} AS quantity,
  {_tail('COALESCE(product.id, variant.product.id)', 'Product')} AS product_id,
  {_tail('variant.id', 'ProductVariant')} AS variant_id,
  {_amount('originalUnitPriceSet.shopMoney.amount')} AS unit_price,
  COALESCE({_amount('originalTotalSet.shopMoney.amount')},
           {_amount('originalUnitPriceSet.shopMoney.amount')}
           * {_QUANTITY}) AS gross,
  COALESCE(list_sum(list_transform({_DISCOUNTS},
           lambda a: {_amount('a.allocatedAmountSet.shopMoney.amount')})),
           0) AS discount,
  {_amount('variant.inventoryItem.unitCost.amount')} AS unit_cost,
  {_amount('discountedPriceSet.shopMoney.amount')} AS shipping
FROM (SELECT *, {_KIND} AS kind FROM read_json(?, format = 'newline_delimited',
      columns = {{{", ".join(f"'{k}': '{v}'" for k, v in _COLUMNS.items())}}}))
"""

# Each order's children summed in one pass (grouped by parent). A group whose parent is
# not an order of the file is a child the reference would reject: counting the groups
# without an order needs a join of one row per parent, not one per child.
_CHILDREN = """
CREATE TABLE children AS SELECT parent_tail,
  sum(gross) FILTER (WHERE kind = 'line') AS subtotal,
  sum(discount) FILTER (WHERE kind = 'line') AS discounts,
  sum(shipping) FILTER (WHERE kind = 'shipping') AS shipping
FROM raw WHERE parent_tail IS NOT NULL GROUP BY parent_tail
"""

# What would make the SQL differ from the reference: a row not of the documented shape,
# a parent that is not an order of the file, an order id or line key repeated.
_PROBLEMS = """
SELECT
  (SELECT count(*) FROM raw WHERE NOT ok),
  (SELECT count(*) FROM children c
     WHERE NOT EXISTS (SELECT 1 FROM raw p WHERE p.kind = 'order'
                       AND p.tail = c.parent_tail)),
  (SELECT count(*) - count(DISTINCT tail) FROM raw WHERE kind = 'order'),
  (SELECT count(*) - count(DISTINCT (parent_tail, tail)) FROM raw WHERE kind = 'line')
"""

_LANDING = """CASE WHEN o.landing IS NULL OR o.landing = '' THEN NULL
  WHEN regexp_full_match(o.landing, ?)
    THEN COALESCE(NULLIF(regexp_extract(o.landing, '^[A-Za-z]+://[^/?#]*([^?#]*)', 1), ''),
                  '/')
  ELSE u.path END"""

_STATUS = """CASE WHEN o.cancelled THEN 'cancelled'
  WHEN o.financial IS NULL OR o.financial = '' THEN NULL
  WHEN f.status IS NULL THEN 'pending'
  WHEN f.status IN ('paid', 'pending') AND o.fulfillment IN (SELECT name FROM fulfilled)
    THEN 'fulfilled'
  ELSE f.status END"""

_ORDERS = f"""
CREATE TABLE orders AS
SELECT o.tail AS order_id, CAST(? AS VARCHAR) AS source,
  NULLIF(COALESCE(ch.channel, o.source_name), '') AS channel,
  CASE WHEN o.is_test THEN NULL ELSE NULLIF(o.customer_id, '') END AS customer_id,
  o.created_at, NULLIF(o.currency, '') AS currency,
  CAST(COALESCE(c.subtotal, 0) AS DECIMAL(18, 4)) AS subtotal,
  CAST(COALESCE(c.discounts, 0) AS DECIMAL(18, 4)) AS discounts,
  CAST(COALESCE(c.shipping, 0) AS DECIMAL(18, 4)) AS shipping,
  o.tax, o.total, o.refunded,
  {_STATUS} AS status,
  o.is_test,
  NULLIF(o.utm_source, '') AS utm_source, NULLIF(o.utm_medium, '') AS utm_medium,
  NULLIF(o.utm_campaign, '') AS utm_campaign,
  {_LANDING} AS landing_page,
  o.updated_at, NULLIF(o.presentment_currency, '') AS presentment_currency
FROM raw o
LEFT JOIN children c ON c.parent_tail = o.tail
LEFT JOIN channels ch ON ch.name = o.source_name
LEFT JOIN financial f ON f.name = o.financial
LEFT JOIN landings u ON u.url = o.landing
WHERE o.kind = 'order'
"""

_CHECKOUTS = """
SELECT 'order-' || order_id AS checkout_id, source, created_at, created_at AS completed_at,
  customer_id, CAST(subtotal - discounts AS DECIMAL(18, 4)) AS value, order_id
FROM orders WHERE channel = 'website' AND NOT is_test
"""

_LINES = """
SELECT parent_tail AS order_id, tail AS line_id, CAST(? AS VARCHAR) AS source,
  NULLIF(product_id, '') AS product_id, NULLIF(variant_id, '') AS variant_id,
  NULLIF(sku, '') AS sku, quantity, unit_price,
  CAST(discount AS DECIMAL(18, 4)) AS discount, unit_cost
FROM raw WHERE kind = 'line'
"""


class MappedFile:
    """The canonical tables of one bulk file, in an in-memory DuckDB that spills to
    ``folder`` beyond its memory limit.

    In memory rather than in a database file: a file's tables are compressed as they are
    written, which cost the scan about a quarter of its time (6.7 s against 5.2 s for
    200,000 orders), and nothing here outlives the sync. What exceeds the limit goes to
    DuckDB's temporary files in ``folder`` as in a file database."""

    def __init__(self, path: Path, source: str, folder: Path):
        import duckdb

        self.path = path
        self.source = source
        self.spill = folder / "spill"
        threads = threads_within(MEMORY_LIMIT)
        while True:
            self.con = duckdb.connect(":memory:")
            try:
                self._map(duckdb, threads)
                return
            except duckdb.OutOfMemoryException as exc:
                self.con.close()  # its temporary files go with it
                if threads == 1:
                    raise Unusual(f"the embedded database ran out of its {MEMORY_LIMIT} "
                                  f"({str(exc).splitlines()[0]})") from None
                threads = 1  # the least memory DuckDB can read the file with
            except BaseException:
                self.con.close()
                raise

    def _map(self, duckdb: Any, threads: int) -> None:
        con = self.con
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET threads = {int(threads)}")
        con.execute("SET temp_directory = ?", [str(self.spill)])
        con.execute("SET TimeZone = 'UTC'")
        self._lookups()
        try:
            # Without insertion order the scan runs on all its threads within the memory
            # limit (with it, DuckDB keeps one thread there to hold rows in file order):
            # twice as fast on two cores. Nothing here needs the rows in file order.
            con.execute("SET preserve_insertion_order = false")
            con.execute(_SCAN, [str(self.path)])
            con.execute(_CHILDREN)
            bad, orphans, repeated_orders, repeated_lines = con.execute(_PROBLEMS).fetchone()
            if bad or orphans or repeated_orders or repeated_lines:
                raise Unusual(f"{bad} row(s) not of the documented shape, {orphans} missing "
                              f"parent(s), {repeated_orders + repeated_lines} repeated key(s)")
            self._odd_landing_pages()
            con.execute(_ORDERS, [self.source, _PLAIN_URL])
        except duckdb.OutOfMemoryException:
            raise  # not the file's shape: tried again on one thread (__init__)
        except duckdb.Error as exc:  # malformed JSON, a wrong type, a sum out of range
            raise Unusual(str(exc).splitlines()[0]) from None

    def _lookups(self) -> None:
        """The reference's own tables (status.py, mapping.py) as tables of this database."""
        con = self.con
        con.execute("CREATE TABLE financial (name VARCHAR, status VARCHAR)")
        con.executemany("INSERT INTO financial VALUES (?, ?)", list(FINANCIAL.items()))
        con.execute("CREATE TABLE channels (name VARCHAR, channel VARCHAR)")
        con.executemany("INSERT INTO channels VALUES (?, ?)", list(mapping.CHANNELS.items()))
        con.execute("CREATE TABLE fulfilled (name VARCHAR)")
        con.executemany("INSERT INTO fulfilled VALUES (?)", [[f] for f in sorted(FULFILLED)])

    def _odd_landing_pages(self) -> None:
        """Landing pages the SQL does not split (see _PLAIN_URL), by the reference."""
        con = self.con
        odd = con.execute("SELECT DISTINCT landing FROM raw WHERE kind = 'order' AND "
                          "landing <> '' AND NOT regexp_full_match(landing, ?)",
                          [_PLAIN_URL]).fetchall()
        con.execute("CREATE TABLE landings (url VARCHAR, path VARCHAR)")
        if odd:
            con.executemany("INSERT INTO landings VALUES (?, ?)",
                            [(url, mapping.landing_path(url)) for (url,) in odd])

    # -- reading the tables back ----------------------------------------------------------
    def export(self, folder: Path, rows: int) -> dict[str, Path]:
        """orders, order_lines and checkouts written to Arrow IPC files in ``folder``
        (batches of ``rows`` rows), so that this database can be closed before the
        warehouse is written: the two never hold their memory at the same time."""
        import pyarrow as pa

        relations = {"orders": self.con.sql("SELECT * FROM orders"),
                     "order_lines": self.con.sql(_LINES, params=[self.source]),
                     "checkouts": self.con.sql(_CHECKOUTS)}
        files = {}
        for table, relation in relations.items():
            reader = (getattr(relation, "to_arrow_reader", None)
                      or relation.fetch_arrow_reader)(rows)
            files[table] = folder / f"{table}.arrow"
            with pa.OSFile(str(files[table]), "wb") as sink, \
                    pa.ipc.new_file(sink, reader.schema) as writer:
                for batch in reader:
                    if batch.num_rows:
                        writer.write_batch(batch)
        return files

    def orders_with_refunds(self) -> Iterator[tuple[str, str, str]]:
        """(order global id, order id, its refunds list as JSON text), by order id (the
        scan keeps no file order; this order makes the refund requests repeatable)."""
        cursor = self.con.execute("SELECT ? || tail, tail, refunds "
                                  "FROM raw WHERE kind = 'order' AND refunds IS NOT NULL "
                                  "ORDER BY length(tail), tail", [_ORDER_PREFIX])
        while batch := cursor.fetchmany(1_000):
            yield from batch

    def order_number(self, order_gid: str) -> int:
        """The order's place among the file's orders (for an error message): counted in
        the file itself, since the table keeps no file order. Only an error pays this."""
        import orjson

        number = 0
        with self.path.open("rb") as lines:
            for line in lines:
                node = orjson.loads(line)
                if "__parentId" not in node:
                    number += 1
                    if node.get("id") == order_gid:
                        return number
        return number

    def close(self) -> None:
        self.con.close()


def map_file(path: Path, source: str, folder: Path) -> MappedFile:
    """The file's tables mapped in DuckDB; raises ``Unusual`` when the file is not in
    the documented shape (the caller then uses the reference mapping)."""
    return MappedFile(path, source, folder)
