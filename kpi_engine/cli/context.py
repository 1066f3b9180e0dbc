"""What every command needs: the project file, the registry, a warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..project import Project, load_project
from ..registry import Registry


@dataclass
class AppContext:
    project_path: str | None = None
    extra_specs: list[str] = field(default_factory=list)
    debug: bool = False

    @cached_property
    def project(self) -> Project:
        return load_project(self.project_path)

    def spec_folders(self) -> list[Path]:
        return [*self.project.spec_folders(), *(Path(p) for p in self.extra_specs)]

    @cached_property
    def registry(self) -> Registry:
        return self.load_registry(self.spec_folders(), cached=True)

    def load_registry(self, folders: list[Path] | list[str], cached: bool = False) -> Registry:
        """The packs ``kpi.yaml`` chooses (all by default), then ``folders``; from the
        registry cache when ``cached`` (``kpi validate`` always checks afresh)."""
        from ..errors import Location
        from ..project import PROJECT_FILE
        from ..registry import load_registry
        from ..registry_cache import cached_load_registry

        load = cached_load_registry if cached else load_registry
        packs = self.project.packs
        where = Location(self.project_path or str(Path(self.project.root, PROJECT_FILE)))
        if isinstance(packs, tuple):
            return load(folders, packs=packs, packs_location=where)
        return load(folders, exclude_packs=packs.exclude if packs else (),
                    packs_location=where)

    def warehouse_url(self, url: str | None) -> str:
        from ..warehouses.connect import DEFAULT_URL

        return url or self.project.warehouse or DEFAULT_URL

    def connect(self, url: str | None):
        from ..warehouses.connect import connect

        return connect(self.warehouse_url(url), self.project.schema_)
