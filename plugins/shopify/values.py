"""Reading Shopify's GraphQL values: global ids, MoneyBags, nested fields.

Every reader names the field it was looking for, so a malformed page is reported as
``orders node 3: field 'totalPriceSet.shopMoney.amount': ...`` instead of a KeyError.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kpi_engine.errors import SyncError
from kpi_engine.sync.json_fields import describe, lookup, show

_MAX_AMOUNT_CHARS = 40  # a Shopify Decimal is at most a few dozen characters


class ShopifyDataError(SyncError):
    """A node that does not have the shape Shopify documents."""


_PARTS: dict[str, tuple[str, ...]] = {}


def field(node: Any, path: str, *, required: bool = True) -> Any:
    """``node['a']['b']`` for ``path`` 'a.b'; None where an optional part is null."""
    parts = _PARTS.get(path)
    if parts is None:
        parts = _PARTS[path] = tuple(path.split("."))
    value = node
    try:  # the common case: every part there
        for part in parts:
            value = value[part]
    except (KeyError, TypeError, IndexError):
        return _field_checked(node, path, parts, required)
    if value is None and required:
        raise ShopifyDataError(f"field {path!r} is null")
    return value


def _field_checked(node: Any, path: str, parts: tuple[str, ...], required: bool) -> Any:
    # The slow path, taken only when a part is missing: the engine's JSON reader says
    # which part, and what was found instead.
    value = lookup(node, parts, required=required, root="the node",
                   fail=lambda message: ShopifyDataError(f"field {message}"))
    if value is None and required:
        raise ShopifyDataError(f"field {path!r} is null")
    return value


def gid_tail(gid: Any, what: str = "id") -> str | None:
    """'gid://shopify/Order/450789469' -> '450789469' (the id the admin and the CSV
    export show). Bulk JSONL, the paged API and the export then give the same keys."""
    if gid is None:
        return None
    if not isinstance(gid, str) or not gid.startswith("gid://shopify/"):
        raise ShopifyDataError(f"field {what!r}: expected a Shopify global id "
                               f"(gid://shopify/...), got {show(gid)}")
    return gid.rsplit("/", 1)[1].split("?", 1)[0]


def gid_type(gid: str) -> str:
    """'gid://shopify/LineItem/1' -> 'LineItem'."""
    parts = gid.split("/")
    return parts[3] if len(parts) > 4 else ""


def amount(value: Any, what: str) -> Decimal:
    """A Shopify ``Decimal`` scalar (a JSON string such as "19.99") as an exact Decimal."""
    if isinstance(value, float):  # a JSON number read without Decimal (orjson)
        value = repr(value)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ShopifyDataError(f"field {what!r}: expected a decimal amount, got "
                               f"{show(value)}")
    text = str(value)
    if len(text) > _MAX_AMOUNT_CHARS:
        raise ShopifyDataError(f"field {what!r}: amount longer than {_MAX_AMOUNT_CHARS} "
                               "characters")
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise ShopifyDataError(f"field {what!r}: cannot read {show(value)} as an amount") \
            from None
    if not result.is_finite():
        raise ShopifyDataError(f"field {what!r}: cannot read {show(value)} as an amount")
    return result


def shop_money(node: Any, name: str, *, required: bool = True) -> Decimal | None:
    """The shop-currency amount of the MoneyBag ``node[name]`` (presentment money, what
    the buyer saw, is not used for canonical columns: see docs/connectors/shopify.md)."""
    bag = field(node, name, required=required)
    if bag is None:
        return None
    return amount(field(bag, "shopMoney.amount"), f"{name}.shopMoney.amount")


def nodes(node: Any, name: str) -> list[Any]:
    """The items of a connection ``{"nodes": [...]}`` or ``{"edges": [{"node": ...}]}``
    (both documented shapes), or of a plain list field; [] where it is absent."""
    value = node.get(name) if isinstance(node, dict) else None
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("nodes"), list):
            return value["nodes"]
        if isinstance(value.get("edges"), list):
            return [field(e, "node") for e in value["edges"]]
    raise ShopifyDataError(f"field {name!r}: expected a list or a connection, got "
                           f"{describe(value)}")


def stamp(value: Any, what: str) -> str | None:
    """A DateTime scalar ('2024-03-01T10:00:00Z'), checked here so that a bad value stops
    the page before any of its tables is written."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= 40:
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return value
        except ValueError:
            pass
    raise ShopifyDataError(f"field {what!r}: cannot read {show(value)} as a timestamp")
