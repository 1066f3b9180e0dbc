"""A cache of compiled SQL, so a repeated ``kpi compile`` imports no sqlglot (importing it
is most of what a compile served from the registry cache costs).

An entry is the SQL text of one request compiled without error, in a file named by a hash
of everything that decides that text:

- the registry, as the registry cache names it (``Registry.cache_token``: its entry's key
  — engine version and code, Python, installed distributions, among them sqlglot and
  every plugin, the packs chosen and the spec folders — and the size, modification time
  and folder listings of every spec file it was built from). A registry that is not
  served through the registry cache has no token, and its requests are not cached;
- the request: metrics, dimensions, filters, grain, dates, dialect, timezone, week start,
  schema and currency (the last four are filled from ``kpi.yaml``), comparison;
- the engine's own code (the size and modification time of every module of
  ``kpi_engine``, ``kpi_engine.compiler`` and ``kpi_engine.specs``: an edited editable
  install compiles afresh), today's date (engines without time zone support get the
  zone's offsets up to next year) and the time zone file the request's zone is read from.

Anything else cannot change the SQL, so a hit is served as it was written. Errors are
never cached. The entries live in the ``compiled`` folder of the registry cache's folder
(``KPI_ENGINE_NO_CACHE=1`` turns both off); a hit refreshes its file's modification time
and a write removes the least recently used entries beyond ``MAX_ENTRIES``.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

FORMAT = 1  # bump when what an entry holds, or how its key is made, changes
MAX_ENTRIES = 256
_CODE = Path(__file__).parent
_CODE_FOLDERS = (_CODE, _CODE / "compiler", _CODE / "specs")


def cached_sql(registry: Any, request: Any, compile_sql: Callable[[], str]) -> str:
    """``compile_sql()``, or the text it returned before for the same inputs."""
    from .registry_cache import cache_dir

    where = cache_dir()
    token = getattr(registry, "cache_token", None)
    if where is None or token is None:
        return compile_sql()
    entry = where / "compiled" / f"sql-{compile_key(token, request)}.sql"
    try:
        sql = entry.read_text(encoding="utf-8")
        os.utime(entry)  # recently used: kept when the folder is trimmed
        return sql
    except (OSError, UnicodeDecodeError):
        pass  # a miss, or an entry that cannot be read: compile
    sql = compile_sql()
    _write(entry, sql)
    return sql


def compile_key(token: str, request: Any, today: date | None = None) -> str:
    """The entry name for ``request`` compiled against the registry named ``token``."""
    from . import __version__

    parts = [str(FORMAT), __version__, sys.version, token, repr(request),
             (today or date.today()).isoformat(), _zone_file(request.timezone),
             *code_stamp()]
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()[:40]


def code_stamp(folders: tuple[Path, ...] = _CODE_FOLDERS) -> list[str]:
    """Name, size and modification time of every module in ``folders``."""
    out: list[str] = []
    for folder in folders:
        try:
            with os.scandir(folder) as entries:
                found = sorted((e.name, e.stat()) for e in entries if e.name.endswith(".py"))
        except OSError:
            out.append(f"{folder}:-")
            continue
        out += [f"{folder.name}/{name}:{st.st_size}:{st.st_mtime_ns}" for name, st in found]
    return out


def _zone_file(zone: str) -> str:
    """Where the zone's rules are read from (a system file: its size and time); a zone
    from the ``tzdata`` package is covered by the registry's installed distributions."""
    import zoneinfo

    if zone.upper() == "UTC":
        return "UTC"
    for base in zoneinfo.TZPATH:
        path = os.path.join(base, zone)
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            continue
        return f"{path}:{st.st_size}:{st.st_mtime_ns}"
    return f"{zone}:package"


def _write(entry: Path, sql: str) -> None:
    from .cache_files import trim, write_atomic

    try:
        write_atomic(entry, sql.encode("utf-8"))
        trim(entry.parent, MAX_ENTRIES, "sql-")
    except Exception:  # noqa: BLE001 - an unwritable cache only costs speed
        return
