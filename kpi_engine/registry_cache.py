"""A cache of the validated registry, so a command does not re-read and re-validate ~200
specs on every run (the CLI is run in loops and scripts).

An entry is a pickled ``Registry`` that loaded without errors. Its file name is a hash of
what decides the result without reading any spec: the engine's version and code, the
installed distributions (their folders on ``sys.path`` and plugin declarations, see
``installed_stamp.py``) and the arguments of ``load_registry``. Inside, the entry lists
every spec file it was built from with its size and modification time, and every folder
with its listing; a hit re-checks those with ``stat`` only, so an edited, added or removed
spec rebuilds the entry. A hit never loads a plugin nor imports ``importlib.metadata``:
that is what makes it cheap.

The cache lives in ``$KPI_ENGINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/kpi-engine``, else
``~/.cache/kpi-engine``; ``KPI_ENGINE_NO_CACHE=1`` turns it off. A cache that cannot be
read or written is ignored: the registry is then built as if there were none. The same
folder holds the compile cache (``compiled/``, ``compile_cache.py``), which names a
registry by ``Registry.cache_token``, and the project cache (``projects/``,
``project_cache.py``).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FORMAT = 3  # bump when the entry's layout changes


def cache_dir() -> Path | None:
    if os.environ.get("KPI_ENGINE_NO_CACHE"):
        return None
    if os.environ.get("KPI_ENGINE_CACHE_DIR"):
        return Path(os.environ["KPI_ENGINE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kpi-engine"


def cached_load_registry(folders: Iterable[Path | str] = (), **kwargs: Any):
    """``load_registry(folders, **kwargs)``, served from the cache when nothing changed."""
    from .registry import load_registry

    folders = [Path(f) for f in folders]
    where = cache_dir()
    if where is None:
        return load_registry(folders, **kwargs)
    entry = where / f"registry-{_key(folders, kwargs)}.pickle"
    found = _read(entry)
    if found is not None:
        registry, stored = found
        registry.cache_token = _token(entry, stored)
        return registry
    registry = load_registry(folders, **kwargs)  # raises on errors: those are never cached
    for name in registry.metrics:  # parsed now, kept in the entry
        registry.depends_on(name)
    stored = _write(entry, registry, folders, kwargs)
    if stored is not None:
        registry.cache_token = _token(entry, stored)
    return registry


def _token(entry: Path, stored: dict[str, Any]) -> str:
    """What names this registry's content for the compile cache: the entry's key and the
    spec files and folders it was checked against (``Registry.cache_token``)."""
    h = hashlib.sha256(entry.name.encode("utf-8", "surrogateescape"))
    h.update(repr((stored["files"], stored["dirs"])).encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:32]


def _key(folders: list[Path], kwargs: dict[str, Any]) -> str:
    from . import __version__
    from .installed_stamp import installed_stamp

    h = hashlib.sha256()
    parts: list[str] = [str(FORMAT), __version__, sys.version, repr(sorted(kwargs.items())),
                        f"allow={os.environ.get('KPI_ENGINE_LOAD_PLUGINS')!r}"]
    parts += [str(f.resolve()) for f in folders]
    # The code that reads and validates specs: an edited engine (a developer's editable
    # install) must not serve registries built by the previous code.
    here = Path(__file__).parent
    for code in sorted([here / "registry.py", *here.glob("specs/*.py"),
                        *here.glob("validation/*.py")]):
        st = code.stat()
        parts.append(f"{code.name}:{st.st_size}:{st.st_mtime_ns}")
    # Plugins and library versions (pydantic, sqlglot) as the file system tells them:
    # importlib.metadata would cost more than the rest of a cache hit.
    parts += installed_stamp()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def _fingerprint(paths: Iterable[Path]) -> list[tuple[str, int, int]]:
    out = []
    for p in paths:
        st = p.stat()
        out.append((str(p), st.st_size, st.st_mtime_ns))
    return out


def _listing(folder: Path) -> tuple[str, ...] | None:
    return tuple(sorted(os.listdir(folder))) if folder.is_dir() else None


def _watched(folders: list[Path], kwargs: dict[str, Any]) -> tuple[list[Path], list[Path]] | None:
    """The spec files and folders a registry was built from; None when not all are files
    on disk (a pack inside a zip), which is not cached."""
    from .registry import spec_paths

    dirs: list[Path] = []
    if kwargs.get("include_packs", True):
        from .extensions import extensions

        for folder in extensions().spec_packs.values():
            if not isinstance(folder, Path):
                return None
            dirs.append(folder)
    files: list[Path] = []
    for folder in folders:
        if folder.is_file():
            files.append(folder)
        else:
            dirs.append(folder)
    for folder in dirs:
        if folder.is_dir():
            files.extend(Path(str(p)) for p in spec_paths(folder))
    return files, dirs


def _read(entry: Path):
    try:
        with open(entry, "rb") as fh:
            stored = pickle.load(fh)
        if stored.get("format") != FORMAT:
            return None
        if _fingerprint(Path(p) for p, _, _ in stored["files"]) != stored["files"]:
            return None
        if any(_listing(Path(d)) != listing for d, listing in stored["dirs"]):
            return None
        return stored["registry"], stored
    except Exception:  # noqa: BLE001 - a bad or stale entry is a miss, never an error
        return None


def _write(entry: Path, registry, folders: list[Path],
           kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """Store the entry; what it stores, or None when it is not cached."""
    try:
        watched = _watched(folders, kwargs)
        if watched is None:
            return None
        files, dirs = watched
        stored = {"format": FORMAT, "files": _fingerprint(files),
                  "dirs": [(str(d), _listing(d)) for d in dirs], "registry": registry}
        from .cache_files import write_atomic

        write_atomic(entry, pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - an unwritable cache only costs speed
        return None
    return stored
