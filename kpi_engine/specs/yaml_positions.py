"""A YAML loader that remembers where every mapping key and value was written.

Pydantic reports errors by path (``metrics.3.expr``); users need FILE:LINE:COL. Mappings
are loaded as :class:`PositionedDict`, which keeps the position of each key and value.

The loader also bounds what a document may cost: nesting deeper than ``MAX_YAML_DEPTH``
(the composer recurses once per level) and aliases that would add more than
``MAX_ALIAS_NODES`` nodes (an "alias bomb" of a few hundred bytes expands to billions) are
refused at the line and column where they occur.

Parsing and composing run in libyaml (C) when PyYAML has it, about ten times faster than
PyYAML's pure-Python parser (the shipped catalog: 0.03 s instead of 0.4 s at every cold
start). libyaml's composer recurses, so the limits are first checked on its event stream
(``yaml_event_limits.py``); a document past a limit, or with any error, is read again by
the checked pure-Python loader, which reports it exactly as before.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Location, SpecError
from .limits import MAX_ALIAS_NODES, MAX_YAML_DEPTH, line_col_of_index
from .yaml_event_limits import within_limits


class PositionedDict(dict):
    """A dict that knows the (line, column) of each key and of itself."""

    positions: dict[Any, tuple[int, int]]
    key_positions: dict[Any, tuple[int, int]]
    start: tuple[int, int]


class PositionedList(list):
    positions: list[tuple[int, int]]
    start: tuple[int, int]


class _LimitExceeded(yaml.MarkedYAMLError):
    """A document past one of the loader's limits (reported without 'syntax error')."""


class _Loader(yaml.SafeLoader):
    """SafeLoader with a nesting limit and an alias expansion budget."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._alias_nodes = 0
        self._sizes: dict[int, int] = {}  # id(node) -> nodes it expands to, once composed

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:  # the alias sits inside the node it names
                raise _LimitExceeded(
                    None, None, f"alias *{event.anchor} refers to a node that contains it",
                    event.start_mark)
            self._alias_nodes += size
            if self._alias_nodes > MAX_ALIAS_NODES:
                raise _LimitExceeded(
                    None, None, f"aliases expand to more than {MAX_ALIAS_NODES:,} YAML nodes "
                    "(write the values out, or use fewer aliases)", event.start_mark)
            return node
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise _LimitExceeded(
                None, None, f"mappings and lists nest more than {MAX_YAML_DEPTH} levels deep",
                self.peek_event().start_mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        children = (node.value if isinstance(node, yaml.SequenceNode) else
                    [n for pair in node.value for n in pair]
                    if isinstance(node, yaml.MappingNode) else [])
        self._sizes[id(node)] = 1 + sum(self._sizes.get(id(c), 1) for c in children)
        return node


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

_LIBYAML = getattr(yaml, "CSafeLoader", None)  # None: PyYAML built without libyaml
if _LIBYAML is not None:
    class _CLoader(_LIBYAML):
        """libyaml parses and composes (with marks); the constructors are the ones above."""

    _CLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                             _construct_mapping)
    _CLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                             _construct_sequence)


def _load_with_libyaml(text: str) -> tuple[bool, Any]:
    """(True, data) when libyaml read the document within the limits; (False, None) when
    it is not available, a limit is passed or anything is wrong: the checked loader then
    reads it and reports the problem as it always has."""
    if _LIBYAML is None:
        return False, None
    try:
        checker = _LIBYAML(text)
        try:
            if not within_limits(checker):
                return False, None
        finally:
            checker.dispose()
        loader = _CLoader(text)
        try:
            return True, loader.get_single_data()
        finally:
            loader.dispose()
    except (yaml.YAMLError, UnicodeError):  # UnicodeError: a lone surrogate in the text
        return False, None


def load_yaml(text: str, file: str) -> Any:
    """Parse YAML text; syntax errors become a SpecError at the right line."""
    done, data = _load_with_libyaml(text)
    if done:
        return data
    try:
        loader = _Loader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        line, col = line_col_of_index(text, exc.position)
        char = exc.character if isinstance(exc.character, int) else 0
        what = "a NUL byte" if char == 0 else f"character U+{char:04X}"
        raise SpecError(f"{what} is not allowed in YAML text", Location(file, line, col)) \
            from None
    except _LimitExceeded as exc:
        mark = exc.problem_mark
        raise SpecError(str(exc.problem), Location(file, mark.line + 1, mark.column + 1)) \
            from None
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
