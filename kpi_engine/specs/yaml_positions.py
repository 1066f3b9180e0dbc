"""A YAML loader that remembers where every mapping key and value was written.

Pydantic reports errors by path (``metrics.3.expr``); users need FILE:LINE:COL. Mappings
are loaded as :class:`PositionedDict`, which keeps the position of each key and value.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Location, SpecError


class PositionedDict(dict):
    """A dict that knows the (line, column) of each key and of itself."""

    positions: dict[Any, tuple[int, int]]
    key_positions: dict[Any, tuple[int, int]]
    start: tuple[int, int]


class PositionedList(list):
    positions: list[tuple[int, int]]
    start: tuple[int, int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> PositionedDict:
    loader.flatten_mapping(node)
    result = PositionedDict()
    result.positions = {}
    result.key_positions = {}
    result.start = (node.start_mark.line + 1, node.start_mark.column + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in result:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.positions[key] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
        result.key_positions[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> PositionedList:
    result = PositionedList(loader.construct_object(child, deep=True) for child in node.value)
    result.positions = [(c.start_mark.line + 1, c.start_mark.column + 1) for c in node.value]
    result.start = (node.start_mark.line + 1, node.start_mark.column + 1)
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, file: str) -> Any:
    """Parse YAML text; syntax errors become a SpecError at the right line."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(f"YAML syntax error: {problem}", Location(file, line, col)) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML syntax error: {exc}", Location(file)) from None


def position_of(data: Any, path: tuple[Any, ...]) -> tuple[int, int]:
    """The deepest known position along ``path`` (keys and list indexes) in loaded YAML."""
    best = getattr(data, "start", (0, 0))
    node = data
    for part in path:
        if isinstance(node, PositionedDict) and part in node:
            best = node.positions.get(part, best)
            node = node[part]
        elif isinstance(node, PositionedList) and isinstance(part, int) and part < len(node):
            best = node.positions[part]
            node = node[part]
        else:
            break
    return best
