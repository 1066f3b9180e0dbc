"""Files of the local caches (registry, compiled SQL, validated kpi.yaml): written
atomically, trimmed to the most recently used."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(entry: Path, data: bytes) -> None:
    """Write ``entry`` so that a concurrent reader sees the old file or the new one, never
    half of it (a temporary file beside it, then renamed)."""
    import tempfile  # only when writing: a cache hit need not import it

    entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=f".{entry.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, entry)
    except BaseException:
        os.unlink(tmp)
        raise


def trim(folder: Path, keep: int, prefix: str) -> None:
    """Remove the least recently used entries (files named ``prefix...``) beyond ``keep``."""
    entries = []
    with os.scandir(folder) as found:
        for e in found:
            if e.name.startswith(prefix):
                try:
                    entries.append((e.stat().st_mtime_ns, e.path))
                except OSError:
                    continue
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        try:
            os.unlink(path)
        except OSError:
            continue
