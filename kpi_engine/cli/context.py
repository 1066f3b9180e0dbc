"""What every command needs: the project file, the registry, a warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import KpiError

if TYPE_CHECKING:  # imported when used: `kpi --help` needs neither pydantic nor YAML
    from ..project import Project
    from ..registry import Registry


@dataclass
class AppContext:
    project_path: str | None = None
    extra_specs: list[str] = field(default_factory=list)
    debug: bool = False

    @cached_property
    def project(self) -> Project:
        from ..project import load_project

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
        """``--warehouse``, else kpi.yaml's (``${NAME}`` expanded), else the default."""
        from ..warehouses.connect import DEFAULT_URL

        return url or self.project.warehouse_url() or DEFAULT_URL

    def schema_for(self, url: str | None) -> str | None:
        """The schema a command works in without connecting (``kpi compile``): the URL's
        ``?schema=`` wins over kpi.yaml's ``schema``. Only that parameter is expanded, so
        compiling needs no password in the environment."""
        text = url or self.project.warehouse
        if not text or "://" not in text:  # none, or a whole URL in ${NAME}
            return self.project.schema_
        from ..warehouses.url import WarehouseURL

        def schema() -> str | None:
            address = WarehouseURL.parse(text)
            param = address.param("schema")
            if param is None:
                return self.project.schema_
            if url is None:  # only this parameter: compiling needs no password
                from ..project import expand_env

                param = expand_env(param, self.project.warehouse_location(), "warehouse")
            return replace(address, params=(("schema", param),)).schema()

        return self._located(schema, url)

    def connect(self, url: str | None, *, create: bool = False):
        """The warehouse; ``create=True`` only for commands that load data (sync, demo):
        a read command never creates a file, folder or schema."""
        from ..warehouses.connect import connect

        full = self.warehouse_url(url)
        return self._located(lambda: connect(full, self.project.schema_, create=create), url)

    def _located(self, action, url: str | None):
        """Run ``action``; a problem in kpi.yaml's URL is reported at its line."""
        from ..warehouses.url import URLError

        try:
            return action()
        except URLError as exc:
            where = self.project.warehouse_location()
            if url is None and where is not None:
                raise KpiError(f"warehouse: {exc.message}", where) from None
            raise
