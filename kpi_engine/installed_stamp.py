"""What is installed, told by the file system alone (for the registry cache's key).

``importlib.metadata`` answers the same question by importing itself and its dependencies
and reading every distribution's metadata, which costs more than the rest of a cached
``kpi list``. The cache only needs to notice a change: every distribution folder on
``sys.path`` (``NAME-VERSION.dist-info`` / ``.egg-info``, so the name says the version),
with the size and modification time of its ``entry_points.txt`` (where plugins are
declared). Installing, upgrading or removing any package changes the stamp; that
rebuilds the registry once, which is only slower, never wrong.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

_DIST_SUFFIXES = (".dist-info", ".egg-info")


def installed_stamp(path: Iterable[str] | None = None) -> list[str]:
    """One string per distribution found on ``path`` (default ``sys.path``), in order."""
    out: list[str] = []
    for entry in sys.path if path is None else path:
        folder = entry or os.curdir
        try:
            if not os.path.isdir(folder):  # a zip on the path: its own size and time
                st = os.stat(folder)
                out.append(f"{entry}:{st.st_size}:{st.st_mtime_ns}")
                continue
            names = sorted(n for n in os.listdir(folder) if n.endswith(_DIST_SUFFIXES))
        except OSError:
            continue
        for name in names:
            out.append(f"{entry}/{name}:{_stat_of(os.path.join(folder, name, 'entry_points.txt'))}")
    return out


def _stat_of(file: str) -> str:
    try:
        st = os.stat(file)
    except OSError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"
