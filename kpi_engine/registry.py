"""The registry: every source and metric from the shipped catalog, plugin packs and the
user's folders, with their spec dialects and places, looked up by name or alias."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CompileError, KpiError, SpecError, SpecErrors, did_you_mean
from .spec_packs import broken_packs
from .specs.loader import load_spec_file, load_spec_text
from .specs.models import Metric, Source, SpecFile


@dataclass
class Registry:
    sources: dict[str, Source] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    dialects: dict[str, str] = field(default_factory=dict)  # source/metric name -> dialect
    aliases: dict[str, str] = field(default_factory=dict)
    files: list[SpecFile] = field(default_factory=list)
    packs: dict[str, str] = field(default_factory=dict)  # metric name -> pack or folder
    skipped_packs: dict[str, list[KpiError]] = field(default_factory=dict)  # broken packs

    # -- building --------------------------------------------------------------------
    def add(self, spec: SpecFile, pack: str = "") -> list[KpiError]:
        """Add a file's sources and metrics; return duplicate-name errors."""
        errors: list[KpiError] = []
        self.files.append(spec)
        for src in spec.sources:
            if src.name in self.sources:
                errors.append(SpecError(
                    f"duplicate source {src.name!r} (first defined at "
                    f"{self.sources[src.name].location})", src.location))
                continue
            self.sources[src.name] = src
            self.dialects[f"source:{src.name}"] = spec.dialect
        for metric in spec.metrics:
            if metric.name in self.metrics:
                errors.append(SpecError(
                    f"duplicate metric {metric.name!r} (first defined at "
                    f"{self.metrics[metric.name].location})", metric.location))
                continue
            self.metrics[metric.name] = metric
            self.dialects[f"metric:{metric.name}"] = spec.dialect
            self.packs[metric.name] = pack
            for alias in metric.aliases:
                self.aliases.setdefault(alias, metric.name)
        return errors

    # -- lookups -----------------------------------------------------------------------
    def metric(self, name: str) -> Metric:
        name = self.aliases.get(name, name) if name not in self.metrics else name
        try:
            return self.metrics[name]
        except KeyError:
            raise CompileError(f"unknown metric {name!r}"
                               f"{did_you_mean(name, self.known_names())}") from None

    def source(self, name: str) -> Source:
        try:
            return self.sources[name]
        except KeyError:
            raise CompileError(f"unknown source {name!r}"
                               f"{did_you_mean(name, set(self.sources))}") from None

    def known_names(self) -> set[str]:
        return set(self.metrics) | set(self.aliases)

    def dialect_of_metric(self, name: str) -> str:
        return self.dialects.get(f"metric:{name}", "duckdb")

    def dialect_of_source(self, name: str) -> str:
        return self.dialects.get(f"source:{name}", "duckdb")


def spec_paths(folder: Any) -> list[Any]:
    """The ``*.yaml``/``*.yml`` files of a folder (Path or importlib traversable), sorted."""
    items = [p for p in folder.iterdir() if p.name.endswith((".yaml", ".yml"))]
    return sorted(items, key=lambda p: p.name)


def load_registry(folders: Iterable[Path | str] = (), *, include_packs: bool = True,
                  validate: bool = True, _skip: dict[str, list[KpiError]] | None = None
                  ) -> Registry:
    """Load the plugin spec packs (the shipped catalog among them) and the user's folders.

    A pack with problems is reported (``skipped_packs``, ``kpi plugins``) and left out, so
    a broken plugin never blocks the user's own specs. Raises ``SpecErrors`` listing every
    other problem found, each with FILE:LINE:COL.
    """
    folders = list(folders)
    registry = Registry(skipped_packs=dict(_skip or {}))
    errors: list[KpiError] = []
    pack_files: dict[str, str] = {}  # file as errors name it -> pack
    if include_packs:
        from .extensions import extensions

        for pack, folder in extensions().spec_packs.items():
            if pack in registry.skipped_packs:
                continue
            for item in spec_paths(folder):
                pack_files[str(item) if isinstance(item, Path) else f"{pack}:{item.name}"] = pack
                errors.extend(_add_file(registry, item, pack, packaged=True))
    for folder in folders:
        path = Path(folder)
        if path.is_file():
            errors.extend(_add_file(registry, path, str(path)))
            continue
        if not path.is_dir():
            errors.append(SpecError("spec folder not found", _loc(path)))
            continue
        for item in spec_paths(path):
            errors.extend(_add_file(registry, item, str(path)))
    if validate:
        from .validation.validator import validate_registry

        errors.extend(validate_registry(registry))
    broken = broken_packs(errors, pack_files)
    if broken:  # load again without them: their names and rules must not linger
        return load_registry(folders, include_packs=include_packs, validate=validate,
                             _skip={**registry.skipped_packs, **broken})
    if errors:
        raise SpecErrors(errors)
    return registry


def _add_file(registry: Registry, item: Any, pack: str, packaged: bool = False) -> list[KpiError]:
    try:
        if packaged and not isinstance(item, Path):
            spec = load_spec_text(item.read_text(encoding="utf-8"), f"{pack}:{item.name}")
        else:
            spec = load_spec_file(item)
    except SpecErrors as exc:
        return list(exc.errors)
    except KpiError as exc:
        return [exc]
    return registry.add(spec, pack)


def _loc(path: Path):
    from .errors import Location

    return Location(str(path))
