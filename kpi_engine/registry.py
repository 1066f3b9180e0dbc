"""The registry: every source and metric from the shipped catalog, plugin packs and the
user's folders, with their spec dialects and places, looked up by name or alias."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CompileError, KpiError, Location, SpecError, SpecErrors, did_you_mean
from .spec_packs import broken_packs
from .specs.objects import Metric, Source, SpecFile, from_model


@dataclass(frozen=True)
class Note:
    """Something ``kpi validate`` reports that is not an error: a definition replacing a
    pack's, a name shadowing an alias."""

    message: str
    location: Location | None = None

    def __str__(self) -> str:
        return f"{self.location}: note: {self.message}" if self.location else \
            f"note: {self.message}"


@dataclass
class Registry:
    sources: dict[str, Source] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    dialects: dict[str, str] = field(default_factory=dict)  # source/metric name -> dialect
    aliases: dict[str, str] = field(default_factory=dict)
    files: list[SpecFile] = field(default_factory=list)
    packs: dict[str, str] = field(default_factory=dict)  # metric name -> pack or folder
    skipped_packs: dict[str, list[KpiError]] = field(default_factory=dict)  # broken packs
    origins: dict[str, str] = field(default_factory=dict)  # "kind:name" -> pack or folder
    replaced: dict[str, Source | Metric] = field(default_factory=dict)  # the packs' originals
    notes: list[Note] = field(default_factory=list)
    loaded_packs: list[str] = field(default_factory=list)
    installed_packs: list[str] | None = None  # None: not looked up (include_packs=False)
    _pending: list[tuple[str, Source | Metric, str, str]] = field(default_factory=list,
                                                                  repr=False)
    # name -> (the metric, its direct dependencies); kept in the registry cache, so `kpi
    # list` and `kpi graph` need not parse expressions again.
    _deps: dict[str, tuple[Metric, tuple[str, ...]]] = field(default_factory=dict, repr=False)
    # Set by the registry cache: names this registry's content for the compile cache
    # (compile_cache.py); None when it was not served or stored by the registry cache.
    cache_token: str | None = field(default=None, repr=False, compare=False)

    # -- building --------------------------------------------------------------------
    def add(self, spec: SpecFile, pack: str = "") -> list[KpiError]:
        """Add a file's sources and metrics; return same-name errors.

        Definitions with ``replaces:`` wait for ``resolve()``, so a replacement does not
        depend on the order packs and folders are read in."""
        errors: list[KpiError] = []
        spec = from_model(spec)  # plain objects: the cache unpickles them without pydantic
        self.files.append(spec)
        for kind, items in (("source", spec.sources), ("metric", spec.metrics)):
            for item in items:
                if item.replaces:
                    self._pending.append((kind, item, pack, spec.dialect))
                else:
                    errors.extend(self._add_new(kind, item, pack, spec.dialect))
        return errors

    def resolve(self) -> list[KpiError]:
        """Apply the replacements, then index aliases; return errors (notes are kept)."""
        errors: list[KpiError] = []
        for kind, item, origin, dialect in self._pending:
            errors.extend(self._replace(kind, item, origin, dialect))
        self._pending.clear()
        self._index_aliases()
        return errors

    def _table(self, kind: str) -> dict[str, Any]:
        return self.sources if kind == "source" else self.metrics

    def _store(self, kind: str, item: Source | Metric, origin: str, dialect: str) -> None:
        self._table(kind)[item.name] = item
        self.dialects[f"{kind}:{item.name}"] = dialect
        self.origins[f"{kind}:{item.name}"] = origin
        if kind == "metric":
            self.packs[item.name] = origin

    def _add_new(self, kind: str, item: Source | Metric, origin: str,
                 dialect: str) -> list[KpiError]:
        existing = self._table(kind).get(item.name)
        if existing is None:
            self._store(kind, item, origin, dialect)
            return []
        first = self.origins.get(f"{kind}:{item.name}", "")
        if first in self.loaded_packs and first != origin:
            return [SpecError(
                f"{kind} {item.name!r} is already defined by spec pack {first!r} "
                f"({existing.location}): add 'replaces: {first}' to use this definition "
                f"instead, or give it another name", item.location)]
        return [SpecError(f"duplicate {kind} {item.name!r} (first defined at "
                          f"{existing.location})", item.location)]

    def _replace(self, kind: str, item: Source | Metric, origin: str,
                 dialect: str) -> list[KpiError]:
        pack, key = item.replaces, f"{kind}:{item.name}"
        where = item.field_location("replaces")
        if self.installed_packs is not None and pack not in self.installed_packs:
            installed = ", ".join(self.installed_packs) or "none"
            return [SpecError(f"{kind} {item.name!r}: replaces: unknown spec pack {pack!r}"
                              f"{did_you_mean(pack, set(self.installed_packs))} "
                              f"(installed: {installed})", where)]
        if pack not in self.loaded_packs:
            self.notes.append(Note(f"{kind} {item.name!r} replaces spec pack {pack!r}, which "
                                   "is not loaded (kpi.yaml 'packs'): nothing to replace",
                                   where))
            return self._add_new(kind, item, origin, dialect)
        if pack == origin:
            return [SpecError(f"{kind} {item.name!r}: a definition cannot replace its own "
                              f"pack {pack!r}", where)]
        existing = self._table(kind).get(item.name)
        if existing is None:
            theirs = {k.split(":", 1)[1] for k, o in self.origins.items()
                      if o == pack and k.startswith(kind + ":")}
            return [SpecError(f"{kind} {item.name!r}: spec pack {pack!r} has no {kind} of "
                              f"that name to replace{did_you_mean(item.name, theirs)}; "
                              "remove 'replaces' to define a new one", where)]
        if key in self.replaced:
            return [SpecError(f"duplicate {kind} {item.name!r}: {pack!r}'s definition is "
                              f"already replaced at {existing.location}", item.location)]
        if self.origins.get(key) != pack:
            return [SpecError(f"{kind} {item.name!r} comes from {self.origins.get(key)!r} "
                              f"({existing.location}), not from spec pack {pack!r}", where)]
        self.replaced[key] = existing
        self._store(kind, item, origin, dialect)
        self.notes.append(Note(f"{kind} {item.name!r} replaces the definition in spec pack "
                               f"{pack!r} ({existing.location})", item.location))
        return []

    def _index_aliases(self) -> None:
        """Map aliases to names; a name or an earlier alias wins, and that is noted."""
        self.aliases.clear()
        for metric in self.metrics.values():
            for alias in metric.aliases:
                if alias in self.metrics and alias != metric.name:
                    owner = self.origins.get(f"metric:{metric.name}", "")
                    self.notes.append(Note(
                        f"metric {alias!r} shadows the alias {alias!r} of {metric.name!r} "
                        f"({owner}): {alias!r} now means this metric; use {metric.name!r} "
                        "for the other, or rename this one", self.metrics[alias].location))
                elif self.aliases.get(alias, metric.name) != metric.name:
                    self.notes.append(Note(
                        f"alias {alias!r} of {metric.name!r} is ignored: it already means "
                        f"{self.aliases[alias]!r}", metric.location))
                else:
                    self.aliases[alias] = metric.name

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

    def depends_on(self, name: str) -> tuple[str, ...]:
        """The metrics ``name`` is computed from (direct dependencies), parsed once."""
        metric = self.metrics[name]
        known = self._deps.get(name)
        if known is None or known[0] is not metric:  # a replacement changes the metric
            from .specs.dependencies import metric_dependencies

            known = (metric, tuple(metric_dependencies(metric, self.dialect_of_metric(name))))
            self._deps[name] = known
        return known[1]

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
                  validate: bool = True, packs: Iterable[str] | None = None,
                  exclude_packs: Iterable[str] = (),
                  packs_location: Location | None = None,
                  _skip: dict[str, list[KpiError]] | None = None) -> Registry:
    """Load the plugin spec packs (the shipped catalog among them) and the user's folders.

    ``packs`` names the only spec packs to load (None: every installed one) and
    ``exclude_packs`` the ones to leave out, as ``packs:`` in ``kpi.yaml`` (at
    ``packs_location``, named in errors) says. A folder's
    definition takes the place of a pack's of the same name only with ``replaces: PACK``.
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

        installed = extensions().spec_packs
        registry.installed_packs = list(installed)
        chosen, errors = select_packs(list(installed), packs, exclude_packs, packs_location)
        registry.loaded_packs = [p for p in chosen if p not in registry.skipped_packs]
        for pack in registry.loaded_packs:
            for item in spec_paths(installed[pack]):
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
    errors.extend(registry.resolve())
    if validate:
        from .validation.validator import validate_registry

        errors.extend(validate_registry(registry))
    broken = broken_packs(errors, pack_files)
    if broken:  # load again without them: their names and rules must not linger
        return load_registry(folders, include_packs=include_packs, validate=validate,
                             packs=packs, exclude_packs=exclude_packs,
                             packs_location=packs_location,
                             _skip={**registry.skipped_packs, **broken})
    if errors:
        raise SpecErrors(errors)
    return registry


def select_packs(installed: list[str], only: Iterable[str] | None, exclude: Iterable[str],
                 location: Location | None = None) -> tuple[list[str], list[KpiError]]:
    """The installed packs to load, in their order; unknown names are errors."""
    only = None if only is None else list(only)
    exclude = list(exclude)
    errors: list[KpiError] = [
        KpiError(f"packs: unknown spec pack {name!r}{did_you_mean(name, set(installed))} "
                 f"(installed: {', '.join(installed) or 'none'})", location)
        for name in [*(only or []), *exclude] if name not in installed]
    chosen = [p for p in installed if (only is None or p in only) and p not in exclude]
    return chosen, errors


def _add_file(registry: Registry, item: Any, pack: str, packaged: bool = False) -> list[KpiError]:
    from .specs.loader import load_spec_file, load_spec_text  # YAML only when loading

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
