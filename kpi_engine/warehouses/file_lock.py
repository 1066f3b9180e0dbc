"""A sync lock for embedded databases: an OS lock on a file beside the database file.

``kpi.duckdb`` gets ``kpi.duckdb.files.sync-lock`` for the ``files`` connector. The lock is
held on an open file descriptor, so the operating system releases it when the process ends,
even when it is killed; the (empty) file itself stays, since removing a lock file races
with the next process opening it.
"""

from __future__ import annotations

import os
import re
from typing import Any


def lock_path(database: str, connector: str) -> str | None:
    """The lock file of ``connector`` beside ``database``; None for in-memory databases,
    which no other process can reach."""
    if not database or database == ":memory:":
        return None
    return f"{database}.{re.sub(r'[^A-Za-z0-9_-]', '_', connector)}.sync-lock"


class FileLocks:
    """Exclusive, non-blocking locks on lock files, one per connector."""

    def __init__(self, database: str):
        self.database = database
        self._held: dict[str, int] = {}

    def try_lock(self, connector: str) -> bool:
        path = lock_path(self.database, connector)
        if path is None or connector in self._held:
            return True
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if _try_lock_fd(fd):
            self._held[connector] = fd
            return True
        os.close(fd)
        return False

    def release(self, connector: str) -> None:
        fd = self._held.pop(connector, None)
        if fd is not None:
            _unlock_fd(fd)
            os.close(fd)

    def release_all(self) -> None:
        for connector in list(self._held):
            self.release(connector)


def _try_lock_fd(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        return _try_lock_windows(fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock_fd(fd: int) -> None:
    try:
        import fcntl
    except ImportError:
        msvcrt: Any = __import__("msvcrt")
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def _try_lock_windows(fd: int) -> bool:
    msvcrt: Any = __import__("msvcrt")
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True
