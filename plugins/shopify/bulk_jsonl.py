"""Rebuild parents from a bulk operation's JSONL, streaming, in bounded memory.

A bulk query's result has one JSON object per line: each node of the top connection,
and each node of a nested connection on a line of its own with ``__parentId`` naming
its parent. Shopify documents only that a child comes *after* its parent, not right
after it. So parents are kept open in a window of the most recent ``window`` parents;
a child joins its open parent, and a parent leaves the window (is yielded, its children
under ``{"nodes": [...]}`` as the paged API returns them) when newer parents push it out
or the file ends. Memory is the window, whatever the file's size.

A child whose parent has already left the window (or never came) cannot join it. The
file is then grouped again on disk (a temporary SQLite table ordered by parent), and
every group is yielded again from the start: the sync's merge by primary key makes the
repeat harmless, and memory stays bounded. A child whose parent is nowhere in the file
is an error naming its line.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from kpi_engine.errors import SyncError

from .values import gid_type

Group = dict[str, Any]
DEFAULT_WINDOW = 2_000
_SPILL_BATCH = 5_000


# One decoder for the whole file: json.loads(text, parse_float=...) builds a new decoder
# for every call, which costs as much as parsing a short line. orjson (a dependency;
# the stdlib is the fallback where it cannot be installed) parses a bulk file about 2.5
# times as fast; Shopify's amounts are JSON strings, so no float is involved either way
# (values.amount reads both alike).
_DECODER = json.JSONDecoder(parse_float=Decimal)


def _stdlib_parse(data: bytes) -> Any:
    return _DECODER.decode(data.decode("utf-8"))


def _parser() -> Callable[[bytes], Any]:
    try:
        import orjson
    except ImportError:
        return _stdlib_parse
    return orjson.loads


_parse = _parser()


class _LateChild(Exception):
    """A child arrived after its parent left the window."""


def _loads(text: bytes, label: str, lineno: int) -> Any:
    try:
        obj = _parse(text)
    except UnicodeDecodeError as exc:
        raise SyncError(f"{label}:{lineno}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SyncError(f"{label}:{lineno}: not valid JSON: {exc.msg} (column {exc.colno})") \
            from None
    except RecursionError:
        raise SyncError(f"{label}:{lineno}: JSON nested too deeply") from None
    if not isinstance(obj, dict):
        raise SyncError(f"{label}:{lineno}: expected a JSON object, got {type(obj).__name__}")
    return obj


def _default_field(child: dict[str, Any]) -> str:
    """The connection a child belongs to, from its global id's type:
    gid://shopify/LineItem/1 -> 'lineItems'."""
    kind = gid_type(str(child.get("id", "")))
    return (kind[:1].lower() + kind[1:] + "s") if kind else "children"


def _attach(parent: Group, child: dict[str, Any], field_of: Callable[[dict], str]) -> None:
    child.pop("__parentId", None)
    parent.setdefault(field_of(child), {"nodes": []})["nodes"].append(child)


def read_groups(path: Path, *, label: str | None = None, window: int = DEFAULT_WINDOW,
                field_of: Callable[[dict], str] = _default_field) -> Iterator[Group]:
    """Each top-level node of the bulk file at ``path`` with its children attached, in
    file order. See the module docstring for what happens to late children."""
    label = label or path.name
    try:
        yield from _window_groups(path, label, window, field_of)
    except _LateChild:
        yield from _spilled_groups(path, label, field_of)


def _lines(path: Path, label: str) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines as bytes (the parser decodes them; no copy per line here)."""
    with path.open("rb") as fh:
        for lineno, text in enumerate(fh, 1):
            if len(text) > 2 or text.strip():
                yield lineno, text


def _window_groups(path: Path, label: str, window: int,
                   field_of: Callable[[dict], str]) -> Iterator[Group]:
    open_parents: OrderedDict[str, Group] = OrderedDict()
    for lineno, text in _lines(path, label):
        obj = _loads(text, label, lineno)
        parent_id = obj.get("__parentId")
        if parent_id is None:
            node_id = obj.get("id")
            if not isinstance(node_id, str):
                raise SyncError(f"{label}:{lineno}: a top-level node without an 'id'")
            open_parents[node_id] = obj
            if len(open_parents) > window:
                yield open_parents.popitem(last=False)[1]
            continue
        parent = open_parents.get(parent_id)
        if parent is None:
            raise _LateChild(parent_id)
        _attach(parent, obj, field_of)
    while open_parents:
        yield open_parents.popitem(last=False)[1]


def _spilled_groups(path: Path, label: str,
                    field_of: Callable[[dict], str]) -> Iterator[Group]:
    """Group the whole file on disk: parents in file order, each with its children."""
    with tempfile.TemporaryDirectory(prefix="kpi-shopify-bulk-") as tmp:
        db = sqlite3.connect(Path(tmp) / "groups.sqlite")
        try:
            db.execute("CREATE TABLE parents (id TEXT PRIMARY KEY, seq INTEGER, line INTEGER)")
            db.execute("CREATE TABLE children (parent TEXT, seq INTEGER, line INTEGER, "
                       "body TEXT)")
            parents: list[tuple[str, int, int]] = []
            children: list[tuple[str, int, int, bytes]] = []
            for seq, (lineno, text) in enumerate(_lines(path, label)):
                obj = _loads(text, label, lineno)
                parent_id = obj.get("__parentId")
                if parent_id is None:
                    if not isinstance(obj.get("id"), str):
                        raise SyncError(f"{label}:{lineno}: a top-level node without an 'id'")
                    parents.append((obj["id"], seq, lineno))
                else:
                    children.append((str(parent_id), seq, lineno, text))
                if len(parents) + len(children) >= _SPILL_BATCH:
                    _flush(db, parents, children)
            _flush(db, parents, children)
            orphan = db.execute("SELECT c.line, c.parent FROM children c LEFT JOIN parents p "
                                "ON p.id = c.parent WHERE p.id IS NULL ORDER BY c.line "
                                "LIMIT 1").fetchone()
            if orphan:
                raise SyncError(f"{label}:{orphan[0]}: __parentId {orphan[1]!r} names no "
                                "node of the file")
            db.execute("CREATE INDEX children_by_parent ON children (parent, seq)")
            yield from _grouped(db, path, label, field_of)
        finally:
            db.close()


def _flush(db: sqlite3.Connection, parents: list, children: list) -> None:
    try:
        db.executemany("INSERT INTO parents VALUES (?, ?, ?)", parents)
    except sqlite3.IntegrityError:
        raise SyncError("bulk file: a top-level id appears twice") from None
    db.executemany("INSERT INTO children VALUES (?, ?, ?, ?)", children)
    parents.clear()
    children.clear()


def _grouped(db: sqlite3.Connection, path: Path, label: str,
             field_of: Callable[[dict], str]) -> Iterator[Group]:
    # Parents are read back from the file (by line) rather than stored twice.
    wanted = db.cursor().execute("SELECT id, line FROM parents ORDER BY seq")
    lines = _lines(path, label)
    for parent_id, line in wanted:
        for lineno, text in lines:
            if lineno == line:
                parent = _loads(text, label, lineno)
                break
        else:  # pragma: no cover - the file changed under us
            raise SyncError(f"{label}: changed while it was read")
        for (body, child_line) in db.execute(
                "SELECT body, line FROM children WHERE parent = ? ORDER BY seq", (parent_id,)):
            _attach(parent, _loads(body, label, child_line), field_of)
        yield parent
