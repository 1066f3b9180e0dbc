"""The orders CSV export of the Shopify admin (Orders > Export), for shops without an
API app.

The export has one row per line item; the order's own columns (totals, status, dates)
are filled on its first row only, and the rows of one order follow each other. Orders
are read one at a time (bounded memory) and yield an orders row and its order_lines
rows. Both spellings of the cancellation column are read: "Cancelled at" and "Canceled at".

What the export cannot give: product and variant ids (lines carry the SKU), refunds with
their dates (only the order's "Refunded Amount"), test orders, costs. The customer is
identified by a hash of the e-mail address (the export has no customer id).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kpi_engine.errors import SyncError

from .mapping import CHANNELS
from .status import canonical_status

Row = dict[str, Any]
ORDERS_PER_CHUNK = 5_000
CANCELLED = ("Cancelled at", "Canceled at")
REQUIRED = ("Name", "Created at", "Lineitem quantity", "Lineitem price")
# '2024-03-01 10:15:30 -0500' (the export's format) -> ISO 8601.
_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)\s*([+-]\d{2}):?(\d{2})$")


def read_orders_export(path: Path, source: str,
                       label: str | None = None) -> Iterator[tuple[list[Row], list[Row],
                                                                    list[str], list[str]]]:
    """Chunks of (orders rows, order_lines rows, their origins) from the export."""
    label = label or str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from _chunks(csv.reader(fh, strict=True), label, source)
    except UnicodeDecodeError as exc:
        raise SyncError(f"{label}: not UTF-8 text (byte {exc.start}); save it as UTF-8") \
            from None
    except csv.Error as exc:
        raise SyncError(f"{label}: {exc}") from None


def _chunks(reader: Any, label: str, source: str) -> Iterator[tuple[list[Row], list[Row],
                                                                     list[str], list[str]]]:
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SyncError(f"{label}:1: not a Shopify orders export: no column "
                        + ", ".join(repr(c) for c in missing))
    index = {name: i for i, name in enumerate(header)}
    orders: list[Row] = []
    lines: list[Row] = []
    order_origins: list[str] = []
    line_origins: list[str] = []
    current: Row | None = None
    position = 0
    for record in reader:
        lineno = reader.line_num
        if not record:
            continue
        if len(record) != len(header):
            raise SyncError(f"{label}:{lineno}: {len(record)} values but the header has "
                            f"{len(header)} columns")
        get = _getter(record, index)
        name = get("Name")
        if current is None or name != current["_name"]:
            if len(orders) >= ORDERS_PER_CHUNK:
                yield orders, lines, order_origins, line_origins
                orders, lines, order_origins, line_origins = [], [], [], []
            current = _order(get, label, lineno, source)
            orders.append(current)
            order_origins.append(f"{label}:{lineno}")
            position = 0
        position += 1
        line = _line(get, current, position, label, lineno, source)
        current["subtotal"] += line["unit_price"] * line["quantity"]
        lines.append(line)
        line_origins.append(f"{label}:{lineno}")
    if orders:
        yield orders, lines, order_origins, line_origins


def _getter(record: list[str], index: dict[str, int]):
    def get(column: str) -> str:
        i = index.get(column)
        return record[i].strip() if i is not None else ""
    return get


def _order(get, label: str, lineno: int, source: str) -> Row:
    """The order's columns, from its first row."""
    name = get("Name")
    if not name:
        raise SyncError(f"{label}:{lineno}: column 'Name' is empty")
    if not get("Created at"):
        raise SyncError(f"{label}:{lineno}: order {name}: column 'Created at' is empty "
                        "(order columns are on the first row of each order)")
    cancelled = next((get(c) for c in CANCELLED if get(c)), "")
    email = get("Email").lower()
    channel = get("Source")
    return {
        "_name": name,
        "order_id": get("Id") or name,
        "source": source,
        "channel": CHANNELS.get(channel, channel or None),
        # No customer id in the export: a stable hash of the e-mail stands for it.
        "customer_id": hashlib.sha256(email.encode()).hexdigest()[:16] if email else None,
        "created_at": _timestamp(get("Created at"), "Created at", label, lineno),
        "currency": get("Currency") or None,
        "subtotal": Decimal(0),
        "discounts": _money(get("Discount Amount"), "Discount Amount", label, lineno),
        "shipping": _money(get("Shipping"), "Shipping", label, lineno),
        "tax": _money(get("Taxes"), "Taxes", label, lineno),
        "total": _money(get("Total"), "Total", label, lineno),
        "refunded": _money(get("Refunded Amount"), "Refunded Amount", label, lineno),
        "status": canonical_status(get("Financial Status") or None,
                                   get("Fulfillment Status") or None, cancelled or None),
        "is_test": False,
    }


def _line(get, order: Row, position: int, label: str, lineno: int, source: str) -> Row:
    quantity_text = get("Lineitem quantity")
    try:
        quantity = int(quantity_text)
    except ValueError:
        raise SyncError(f"{label}:{lineno}: column 'Lineitem quantity': cannot read "
                        f"{quantity_text[:40]!r} as an integer") from None
    return {
        "order_id": order["order_id"],
        "line_id": f"{order['order_id']}-{position}",
        "source": source,
        "sku": get("Lineitem sku") or None,
        "quantity": quantity,
        "unit_price": _money(get("Lineitem price"), "Lineitem price", label, lineno)
        or Decimal(0),
        "discount": _money(get("Lineitem discount"), "Lineitem discount", label, lineno),
    }


def _money(text: str, column: str, label: str, lineno: int) -> Decimal | None:
    if not text:
        return None
    try:
        if len(text) > 40:
            raise InvalidOperation
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise SyncError(f"{label}:{lineno}: column {column!r}: cannot read {text[:40]!r} as "
                        "an amount") from None
    return value


def _timestamp(text: str, column: str, label: str, lineno: int) -> str:
    match = _STAMP.match(text)
    if match:
        day, clock, hours, minutes = match.groups()
        return f"{day}T{clock}{hours}:{minutes}"
    return text  # ISO already, or a bad value the engine reports at this line


def strip_private(rows: list[Row]) -> list[Row]:
    """Drop the reader's own bookkeeping keys before the rows go to the engine."""
    for row in rows:
        row.pop("_name", None)
    return rows
