"""What every command needs: the project file, the registry, a warehouse (a
``Workspace``, shared with the Python API), and how errors are shown."""

from __future__ import annotations

from dataclasses import dataclass

from ..workspace import Workspace


@dataclass
class AppContext(Workspace):
    debug: bool = False
