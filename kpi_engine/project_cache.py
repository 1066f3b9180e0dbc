"""A cache of validated ``kpi.yaml`` settings, so a command run in a project folder does
not import pydantic to validate a file it validated before (a third of a cached
``kpi compile``).

An entry is kept under a hash of what decides the result: the file's path and bytes, the
values its ``${NAME}`` references in ``specs`` and ``schema`` expanded to (those are
expanded and checked when the file is read), the engine's version and the code that
validates (``project.py``, ``timezones.py``, ``warehouses/identifiers.py``), Python and
the installed distributions (pydantic's version among them). A file is still parsed on
every run (libyaml; its positions are needed for errors), but a hit skips validation.

Nothing that may be secret is written: an entry holds the validated settings without
``warehouse``, ``connectors`` and ``notify`` (URLs with passwords, tokens, webhooks),
nor ``specs`` and ``schema`` (expanded from the environment); those are taken from the
parsed file again on a hit, in the shape validation gives them. The environment's values
only enter the key's hash. Entries live in the ``projects`` folder of the registry
cache's folder (``KPI_ENGINE_NO_CACHE=1`` turns it off), the 64 most recently used.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

FORMAT = 1
MAX_ENTRIES = 64
# Fields taken from the parsed file on a hit, never stored.
NOT_STORED = ("warehouse", "connectors", "notify", "specs", "schema", "root")
_CODE = Path(__file__).parent
_CODE_FILES = (_CODE / "project.py", _CODE / "timezones.py",
               _CODE / "warehouses" / "identifiers.py")


def entry_for(path: Path, text: str, values: dict[str, Any]) -> Path | None:
    """Where the entry for this file (``values``: as parsed, ``specs`` and ``schema``
    expanded) is kept; None when caching is off."""
    from .registry_cache import cache_dir

    where = cache_dir()
    if where is None:
        return None
    from . import __version__
    from .installed_stamp import installed_stamp

    h = hashlib.sha256()
    parts = [str(FORMAT), __version__, sys.version, str(path.resolve()), text,
             repr(values.get("specs")), repr(values.get("schema")), *installed_stamp()]
    for code in _CODE_FILES:
        try:
            st = code.stat()
            parts.append(f"{code.name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{code.name}:-")
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return where / "projects" / f"project-{h.hexdigest()[:40]}.pickle"


def read(entry: Path | None, values: dict[str, Any], root: str):
    """The validated ``Project`` from ``entry`` and the parsed file, or None."""
    if entry is None:
        return None
    try:
        with open(entry, "rb") as fh:
            stored = pickle.load(fh)
        if stored.get("format") != FORMAT:
            return None
        os.utime(entry)  # recently used: kept when the folder is trimmed
        from .project import Project

        return Project(**stored["fields"], **not_stored(values), root=root)
    except Exception:  # noqa: BLE001 - a bad entry is a miss, never an error
        return None


def not_stored(values: dict[str, Any]) -> dict[str, Any]:
    """The fields an entry leaves out, from a file that validated, as validation gives
    them: plain dicts and tuples around the parsed values."""
    out: dict[str, Any] = {}
    if "warehouse" in values:
        out["warehouse"] = values["warehouse"]
    if "connectors" in values:
        out["connectors"] = {k: dict(v) for k, v in values["connectors"].items()}
    if "notify" in values:
        out["notify"] = tuple(dict(v) for v in values["notify"])
    if "specs" in values:
        out["specs"] = tuple(values["specs"])
    if "schema" in values:
        out["schema"] = values["schema"]
    return out


def write(entry: Path | None, project: Any) -> None:
    if entry is None:
        return
    try:
        from dataclasses import fields

        stored = {"format": FORMAT, "fields": {
            f.name: getattr(project, f.name) for f in fields(project)
            if f.name not in NOT_STORED}}
        from .cache_files import trim, write_atomic

        write_atomic(entry, pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL))
        trim(entry.parent, MAX_ENTRIES, "project-")
    except Exception:  # noqa: BLE001 - an unwritable cache only costs speed
        return
