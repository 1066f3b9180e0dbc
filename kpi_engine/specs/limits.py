"""Input limits: how large and how deep a spec, project file or expression may be.

Every input ends in bounded time and memory: a limit refuses what is past it with one
located error, before any parser could recurse too deep or expand too much. The values
are far above what real specs use (the shipped catalog's largest file is ~60 KB, nests
7 levels deep and uses no aliases); docs/specs.md lists them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import KpiError, Location, SpecError

MAX_SPEC_BYTES = 4 * 1024 * 1024  # one spec file (PyYAML reads ~1 MB a second)
MAX_PROJECT_BYTES = 1024 * 1024  # kpi.yaml
MAX_YAML_DEPTH = 64  # nested mappings and lists in one YAML document
MAX_ALIAS_NODES = 10_000  # YAML nodes that aliases (*name, <<: *name) may add in total
MAX_EXPRESSION_CHARS = 10_000  # one spec expression or --where filter
MAX_QUERY_CHARS = 100_000  # a source's sql
MAX_EXPRESSION_NESTING = 100  # parentheses and brackets nested in one expression
MAX_EXPRESSION_DEPTH = 250  # levels of one parsed expression's tree
# Frames Python may use while sqlglot parses or generates within the limits above (its
# parser recurses ~22 frames per parenthesis). Python 3.11 runs Python-to-Python calls
# without growing the C stack, so a higher limit is safe where the default (1,000) is not.
RECURSION_ROOM = 60_000


def read_text_file(path: Path, limit: int, what: str,
                   error: type[KpiError] = SpecError) -> str:
    """A UTF-8 file's text, refused with a located error when it is too large, not a
    regular file or not UTF-8 (the error names the line and column of the first bad byte)."""
    try:
        if not path.is_file():
            raise error(f"{what} is not a file" if path.exists() else f"{what} not found",
                        Location(str(path)))
        size = path.stat().st_size
        if size > limit:
            raise error(f"{what} is {size:,} bytes, more than the limit of {limit:,}",
                        Location(str(path)))
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror}", Location(str(path))) from None
    if len(data) > limit:  # grew while we read it
        raise error(f"{what} is more than the limit of {limit:,} bytes", Location(str(path)))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = line_col_of_bytes(data, exc.start)
        raise error(f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as "
                    "UTF-8", Location(str(path), line, col)) from None


def line_col_of_bytes(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters of the valid text before it) of a byte."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("utf-8", errors="replace")
    return data.count(b"\n", 0, offset) + 1, len(prefix) + 1


def line_col_of_index(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index in ``text``."""
    index = max(0, min(index, len(text)))
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1



def expression_text_problem(sql: str, max_chars: int = MAX_EXPRESSION_CHARS) -> str | None:
    """Why an expression's text is too large to parse, or None: checked on the text,
    before the recursive parser sees it."""
    if len(sql) > max_chars:
        return f"expression is {len(sql):,} characters long (the limit is {max_chars:,})"
    depth = deepest = 0
    quote = None
    for ch in sql:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    if deepest > MAX_EXPRESSION_NESTING:
        return (f"expression nests brackets {deepest} levels deep (the limit is "
                f"{MAX_EXPRESSION_NESTING})")
    return None


def tree_depth(tree: Any) -> int:
    """Levels of a sqlglot tree, counted without recursion."""
    return tree_extent(tree)[1]


def tree_extent(tree: Any) -> tuple[int, int]:
    """(nodes, levels) of a sqlglot tree, in one pass without recursion."""
    size = deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        size += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return size, deepest


@contextmanager
def recursion_room(frames: int = RECURSION_ROOM) -> Iterator[None]:
    """Let sqlglot's recursive parser and generator use up to ``frames`` Python frames on
    inputs already bounded by the limits above; restores the previous limit."""
    old = sys.getrecursionlimit()
    if old < frames:
        sys.setrecursionlimit(frames)
    try:
        yield
    finally:
        if old < frames:
            sys.setrecursionlimit(old)
