"""Typed reads of a vendor's JSON, for connectors' pagers and mapping functions.

This is the one reader of parsed JSON in the engine: ``lookup`` walks a dotted path
(``"meta.next_cursor"``, ``("data", "orders", "edges")``) and checks the type found there,
as pagers read a page's envelope; ``Record`` reads the fields of one vendor record, as
mapping functions do. Both name the path and describe the value they found the same way.

A vendor page whose records miss a documented field or carry it with the wrong type must
stop the sync with one line naming the record and the field, before anything of that page
is written. ``Record`` gives mapping functions that check in one call per field; its
errors are ``FieldError`` (a ``ValueError``), which the connector turns into its
connector/stream/page message. Values are never echoed in full: they may be personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

Path = str | Sequence[str | int]

_SHOWN = 40  # characters of a bad value quoted in an error


class FieldError(ValueError):
    """A field of a vendor record is missing or has the wrong type."""


def show(value: Any) -> str:
    """A value quoted in an error, cut short: it may be long, or personal data."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def describe(value: Any) -> str:
    """What a JSON value is, for an error: 'null', 'an object', 'a list of 3', 'int 7'."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"{type(value).__name__} {show(value)}"


_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", int: "an integer",
               float: "a number", bool: "a boolean"}


def _expected_names(types: tuple[type, ...]) -> str:
    return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


def lookup(data: Any, path: Path, expected: type | tuple[type, ...] | None = None, *,
           required: bool = True, default: Any = None,
           fail: Callable[[str], Exception] = FieldError, root: str = "the body") -> Any:
    """The value at ``path`` inside ``data``, checked against ``expected``.

    A missing part, or null at the end, is an error from ``fail`` unless ``required`` is
    false (then ``default``). An integer part indexes a list. ``root`` names ``data``
    itself in a message. ``True`` is not accepted
    where an integer is expected, though Python counts it as one.
    """
    parts = path.split(".") if isinstance(path, str) else list(path)
    shown = ".".join(str(p) for p in parts) or root
    value = data
    for i, part in enumerate(parts):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) \
                and -len(value) <= part < len(value):
            value = value[part]
        else:
            if not required:
                return default
            where = ".".join(str(p) for p in parts[:i]) or root
            raise fail(f"{shown!r} is missing ({where} is {describe(value)})")
    if value is None and not required:
        return default
    if expected is not None:
        types = expected if isinstance(expected, tuple) else (expected,)
        wrong_bool = isinstance(value, bool) and bool not in types
        if not isinstance(value, types) or wrong_bool:
            raise fail(f"{shown!r} should be {_expected_names(types)}, "
                       f"got {describe(value)}")
    return value


class Record:
    """One JSON object of a vendor's response, with the path used in error messages."""

    __slots__ = ("data", "where")

    def __init__(self, data: Any, where: str):
        if not isinstance(data, dict):
            raise FieldError(f"{where}: expected a JSON object, got {type(data).__name__}")
        self.data = data
        self.where = where

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                raise FieldError(f"{self.where}: field {key!r} is missing")
            return None
        return self.data[key]

    def _wrong(self, key: str, value: Any, expected: str) -> FieldError:
        return FieldError(f"{self.where}: field {key!r} should be {expected}, "
                          f"got {show(value)}")

    def text(self, key: str, required: bool = True) -> str | None:
        """A string; empty strings and null read as None."""
        value = self._get(key, required)
        if value is None:
            if required and key in self.data and self.data[key] is None:
                raise self._wrong(key, value, "a string")
            return None
        if not isinstance(value, str):
            raise self._wrong(key, value, "a string")
        return value or None

    def ident(self, key: str, required: bool = True) -> str | None:
        """An identifier given as a number or a string, as text ('0' and '' are None)."""
        value = self._get(key, required)
        if value is None:
            if required:
                raise self._wrong(key, value, "an identifier")
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self._wrong(key, value, "an identifier")
        text = str(value)
        return None if text in ("", "0") else text

    def integer(self, key: str, required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, value, "an integer")
        return value

    def number(self, key: str, required: bool = True) -> float | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._wrong(key, value, "a number")
        return float(value)

    def money(self, key: str, required: bool = True) -> Decimal | None:
        """An amount sent as a decimal string ("12.50", as WooCommerce does) or a JSON
        number, kept exact; '' reads as None."""
        value = self._get(key, required)
        return self.to_decimal(key, value)

    def to_decimal(self, key: str, value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self._wrong(key, value, "an amount")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise self._wrong(key, value, "an amount") from None
        if not amount.is_finite():
            raise self._wrong(key, value, "an amount")
        return amount

    def boolean(self, key: str, required: bool = True) -> bool | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self._wrong(key, value, "true or false")
        return value

    def at(self, path: Path, expected: type | tuple[type, ...] | None = None, *,
           required: bool = True) -> Any:
        """A value nested below this record (``"totals.amount"``), type-checked."""
        return lookup(self.data, path, expected, required=required, root="the record",
                      fail=lambda message: FieldError(f"{self.where}: {message}"))

    def child(self, key: str, required: bool = True) -> Record | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._wrong(key, value, "an object")
        return Record(value, f"{self.where}.{key}")

    def children(self, key: str, required: bool = True) -> Iterator[Record]:
        """The objects of a list field (a missing optional list reads as empty)."""
        value = self._get(key, required)
        if value is None:
            return
        if not isinstance(value, list):
            raise self._wrong(key, value, "a list")
        for i, item in enumerate(value):
            yield Record(item, f"{self.where}.{key}[{i}]")

    def values(self, key: str, required: bool = True) -> list[Any]:
        """A list field's raw items (tags, ids)."""
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong(key, value, "a list")
        return value


def records(data: Any, where: str) -> Iterator[Record]:
    """The objects of a JSON array (a page body that is a bare list)."""
    if not isinstance(data, list):
        raise FieldError(f"{where}: expected a JSON array, got {type(data).__name__}")
    for i, item in enumerate(data):
        yield Record(item, f"{where}[{i}]")
