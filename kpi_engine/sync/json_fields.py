"""Typed reads of a vendor's JSON objects, for connectors' mapping functions.

A vendor page whose records miss a documented field or carry it with the wrong type must
stop the sync with one line naming the record and the field, before anything of that page
is written. ``Record`` gives mapping functions that check in one call per field; its
errors are ``FieldError`` (a ``ValueError``), which the connector turns into its
connector/stream/page message. Values are never echoed in full: they may be personal data.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

_SHOWN = 40  # characters of a bad value quoted in an error


class FieldError(ValueError):
    """A field of a vendor record is missing or has the wrong type."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


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
                          f"got {_show(value)}")

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
