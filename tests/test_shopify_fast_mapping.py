"""The fast Shopify order mapping (plugins/shopify/fast_mapping.py) against the checked one:
whatever the fast path returns must be exactly what the checked mapping returns, for every
fixture order and for damaged copies of them (each field removed, nulled or of another
type); where it refuses, ``mapping.order_rows`` falls back to the checked mapping, errors
and all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kpi_engine_plugins.shopify import fast_mapping, mapping

from .shopify_fake import load_fixtures

# Harmless values (another amount, quantity, time) and harmful ones of every JSON type.
REPLACEMENTS = [None, 3, 1.5, True, "x", "", "19.995", "NaN", "-Infinity", "1" * 50,
                "2024-03-01T10:00:00+02:00", "2024-13-45", "gid://shopify/Other/9?x=1",
                "gid://other/1", [], {}, {"nodes": "x"}, {"shopMoney": {"amount": "NaN"}}]


def _paths(node: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every key path of a JSON tree (list items by index)."""
    items = node.items() if isinstance(node, dict) else \
        enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield (*path, key)
        yield from _paths(value, (*path, key))


def _copy(node: Any) -> Any:
    """A deep copy of a JSON tree (dicts, lists, scalars): copy.deepcopy's memo and
    dispatch took most of this module's 8 CPU s."""
    if isinstance(node, dict):
        return {key: _copy(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_copy(value) for value in node]
    return node


def _damaged(order: dict) -> Iterator[dict]:
    for path in _paths(order):
        for replacement in [_DELETE, *REPLACEMENTS]:
            node = _copy(order)
            parent = node
            for key in path[:-1]:
                parent = parent[key]
            if replacement is _DELETE:
                if isinstance(parent, dict):
                    del parent[path[-1]]
                else:
                    parent.pop(path[-1])
            else:
                parent[path[-1]] = _copy(replacement)
            yield node


_DELETE = object()


def _outcome(fn, node: dict) -> str:
    """repr() of the rows (Decimal('1.0') and Decimal('1.00') differ there) or of the
    error."""
    try:
        return repr(fn(node, "shopify"))
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="module")
def orders() -> list[dict]:
    return load_fixtures()["orders"]


def test_fast_path_maps_every_fixture_order_as_the_checked_one(orders):
    for order in orders:
        assert repr(fast_mapping.fast_order_rows(order, "shopify")) == \
            repr(mapping.checked_order_rows(order, "shopify"))


def test_damaged_orders_give_the_checked_outcome(orders):
    fast_ok = fallbacks = 0
    for order in orders:
        for node in _damaged(order):
            checked = _outcome(mapping.checked_order_rows, node)
            try:
                fast = repr(fast_mapping.fast_order_rows(_copy(node), "shopify"))
            except Exception:  # noqa: BLE001 - refusing is allowed; order_rows falls back
                fallbacks += 1
            else:
                fast_ok += 1
                assert fast == checked, node
            assert _outcome(mapping.order_rows, node) == checked
    # Both branches were exercised: harmless damage passes fast, real damage falls back.
    assert fast_ok > 100 and fallbacks > 100
