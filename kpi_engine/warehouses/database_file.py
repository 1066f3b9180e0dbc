"""The file of an embedded database (DuckDB, SQLite), checked before it is opened.

Only a command that loads data (``kpi sync``, ``kpi demo``) may create the file and its
folder; a read command on a missing file is one clear error, so a typo never leaves an
empty database (or a folder named ``http:``) behind."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import WarehouseError
from .url import URLError, WarehouseURL

# "scheme://" inside the path: a URL pasted after duckdb:/// by mistake.
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/|://")
MEMORY = ":memory:"


def database_file(address: WarehouseURL, label: str, create: bool) -> str:
    """The checked file path of ``address`` (or ``:memory:``); with ``create`` its folder is
    made when missing, without it a missing file is an error."""
    path = address.file_path()
    if path == MEMORY:
        return path
    if _URL_LIKE.search(path):
        raise URLError(f"{label} database path {path!r} looks like a URL, not a "
                             f"file: write {address.base_scheme}:///relative/file or "
                             f"{address.base_scheme}:////absolute/file")
    if path.endswith("/") or Path(path).is_dir():
        raise WarehouseError(f"{label} database path {path!r} is a folder, not a file")
    if create:
        folder = Path(path).parent
        if folder.exists() and not folder.is_dir():
            raise WarehouseError(f"{label} database path {path!r}: {str(folder)!r} is a "
                                 "file, not a folder")
        folder.mkdir(parents=True, exist_ok=True)
    elif not Path(path).is_file():
        raise WarehouseError(f"no data yet: {label} database {path!r} does not exist "
                             "(load it first with `kpi sync <connector>`, or try "
                             f"`kpi demo --warehouse {address.base_scheme}:///{path}`)")
    return path
