"""The project file ``kpi.yaml``: warehouse, timezone, week start, spec folders, schema and
connector settings. Relative paths are relative to the file. Environment variables may be
referenced as ``${NAME}`` in ``warehouse``, ``schema``, ``specs`` and connector settings,
so secrets stay out of the file.

``warehouse`` and connector settings are expanded only when a command uses them (``kpi
list`` needs no database password), ``schema`` and ``specs`` when the file is read. A
reference that is not set is one error naming the file, line and column; an expanded value
is never printed (URLs are shown through ``WarehouseURL``, which hides credentials).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .errors import KpiError, Location
from .specs.limits import MAX_PROJECT_BYTES
from .vocabulary import WEEKDAYS

PROJECT_FILE = "kpi.yaml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
KNOWN_KEYS = {"warehouse", "timezone", "week_start", "specs", "schema", "connectors", "packs",
              "currency", "language", "targets", "scorecards", "goals", "notify"}
# Plain dataclasses, validated by pydantic only when a kpi.yaml is read (``load_project``):
# a command run without one, or served from the registry cache, need not import pydantic.
_STRICT = {"extra": "forbid"}  # pydantic's ConfigDict, as the plain dict it is


@dataclass(frozen=True)
class ExcludedPacks:
    """``packs: {exclude: [name, ...]}``: every installed spec pack but these."""

    __pydantic_config__ = _STRICT
    exclude: tuple[str, ...]


@dataclass(frozen=True)
class Project:
    __pydantic_config__ = _STRICT

    warehouse: str | None = None  # as written: ${NAME} not yet expanded
    timezone: str = "UTC"
    week_start: str = "monday"
    specs: tuple[str, ...] = ()
    schema: str | None = None
    currency: str | None = None  # reporting currency: money is converted into it
    connectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Spec packs to load: a list (only these, [] for none) or {exclude: [...]}; all if unset.
    packs: tuple[str, ...] | ExcludedPacks | None = None
    # Goals (docs/goals.md), checked by kpi_engine.goals.config when `kpi check` reads them.
    language: str = "en"  # of alerts and the check's table: en, vi, fa or ms
    targets: tuple[dict[str, Any], ...] = ()
    scorecards: dict[str, Any] = field(default_factory=dict)
    goals: dict[str, Any] = field(default_factory=dict)  # pacing, thresholds, anomalies
    notify: tuple[dict[str, Any], ...] = ()
    root: str = "."
    # Where each value was written, for errors found after loading (unset variables);
    # set by load_project, not fields.
    _source = None
    _file = PROJECT_FILE

    @property
    def schema_(self) -> str | None:
        return self.schema

    def spec_folders(self) -> list[Path]:
        return [Path(self.root, s) for s in self.specs]

    def warehouse_url(self) -> str | None:
        """``warehouse`` with ``${NAME}`` expanded. A reference inside a URL is
        percent-encoded, so a password with ``@ / ? #`` in the variable still works; a
        reference that is the whole value (a complete URL) is used as it is."""
        if self.warehouse is None:
            return None
        whole = _ENV_REF.fullmatch(self.warehouse) is not None
        return expand_env(self.warehouse, self._where(("warehouse",)), "warehouse",
                          encode=not whole)

    def warehouse_location(self) -> Location | None:
        return self._where(("warehouse",)) if self.warehouse is not None else None

    def connector_settings(self, name: str) -> dict[str, Any]:
        settings = dict(self.connectors.get(name) or {})
        return {k: _expand_tree(v, self, ("connectors", name, k)) for k, v in settings.items()}

    def _where(self, path: tuple[Any, ...]) -> Location:
        from .specs.yaml_positions import position_of

        line, col = position_of(self._source, path) if self._source is not None else (0, 0)
        return Location(self._file, line, col)


def expand_env(value: str, where: Location | None, field: str, encode: bool = False) -> str:
    """``value`` with each ``${NAME}`` replaced by the variable's value."""
    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise KpiError(f"{field}: ${{{name}}} is not set in the environment", where)
        # Percent-encoded inside a URL: '/' stays (paths), everything special is escaped.
        return quote(os.environ[name], safe="/") if encode else os.environ[name]

    return _ENV_REF.sub(sub, value)


def _expand_tree(value: Any, project: Project, path: tuple[Any, ...]) -> Any:
    if isinstance(value, str):
        return expand_env(value, project._where(path), ".".join(map(str, path)))
    if isinstance(value, dict):
        return {k: _expand_tree(v, project, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_tree(v, project, (*path, i)) for i, v in enumerate(value)]
    return value


def _read_text(path: Path) -> str:
    """The file's text; a folder, a huge or a non-UTF-8 file is one clear error."""
    if path.is_dir():
        raise KpiError(f"project file {str(path)!r} is a folder: give the path of its "
                       f"{PROJECT_FILE} (e.g. {str(path / PROJECT_FILE)!r})")
    try:
        if path.stat().st_size > MAX_PROJECT_BYTES:
            raise KpiError(f"project file is larger than {MAX_PROJECT_BYTES:,} bytes",
                           Location(str(path)))
        raw = path.read_bytes()
    except OSError as exc:
        raise KpiError(f"cannot read project file {str(path)!r}: "
                       f"{exc.strerror or type(exc).__name__}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[:exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise KpiError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as "
                       "UTF-8", Location(str(path), line, col)) from None


def load_project(path: str | Path | None = None) -> Project:
    """Read ``kpi.yaml`` (or ``path``); an absent default file gives default settings."""
    explicit = path is not None
    path = Path(path) if path else Path(PROJECT_FILE)
    if not path.exists():
        if explicit:
            raise KpiError(f"project file {str(path)!r} not found")
        return Project()  # the defaults are valid: no pydantic needed
    text = _read_text(path)
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise KpiError("the project file contains a NUL character", Location(str(path), line))
    from .specs.yaml_positions import load_yaml, position_of  # YAML only with a kpi.yaml

    data = load_yaml(text, str(path)) or {}
    if not isinstance(data, dict):
        raise KpiError("the project file must be a mapping", Location(str(path), 1, 1))
    here = lambda *keys: Location(str(path), *position_of(data, keys))  # noqa: E731
    values = dict(data)
    if isinstance(values.get("specs"), str):
        values["specs"] = [values["specs"]]
    if isinstance(values.get("specs"), list):
        values["specs"] = [expand_env(s, here("specs", i), "specs") if isinstance(s, str)
                           else s for i, s in enumerate(values["specs"])]
    if isinstance(values.get("schema"), str):
        values["schema"] = expand_env(values["schema"], here("schema"), "schema")
    from . import project_cache  # a file validated before: no pydantic

    entry = project_cache.entry_for(path, text, values)
    project = project_cache.read(entry, values, str(path.parent))
    if project is not None:
        _locate(project, data, str(path))
        return project
    project = _validated(path, data, values)
    project_cache.write(entry, project)
    return project


def _validated(path: Path, data: Any, values: dict[str, Any]) -> Project:
    """The project ``values`` (the file's ``data`` as read) describe, checked."""
    from pydantic import ValidationError

    from .specs.yaml_positions import position_of

    here = lambda *keys: Location(str(path), *position_of(data, keys))  # noqa: E731
    try:
        project = _validator().validate_python({**values, "root": str(path.parent)})
    except ValidationError as exc:
        err = exc.errors()[0]
        unknown = err["type"] in ("extra_forbidden", "unexpected_keyword_argument")
        line, col = position_of(data, tuple(err["loc"]))
        if unknown and len(err["loc"]) == 1:
            line, col = getattr(data, "key_positions", {}).get(err["loc"][0], (line, col))
        field = ".".join(str(p) for p in err["loc"])
        if unknown:
            from .errors import did_you_mean

            msg = "unknown key" + did_you_mean(str(err["loc"][-1]), KNOWN_KEYS)
        else:
            msg = err["msg"]
        raise KpiError(f"{field}: {msg}", Location(str(path), line, col)) from None
    _locate(project, data, str(path))
    return _checked(project, here)


@cache
def _validator():
    from pydantic import TypeAdapter

    return TypeAdapter(Project)


def _locate(project: Project, source: Any, file: str) -> None:
    object.__setattr__(project, "_source", source)  # not fields: frozen, set once here
    object.__setattr__(project, "_file", file)


def _checked(project: Project, here) -> Project:
    """Values pydantic cannot judge: weekday, timezone (any case, stored in the IANA
    spelling) and the schema, which must be an identifier (it ends up in SQL)."""
    from .timezones import canonical_timezone
    from .warehouses.identifiers import RULE, schema_problem

    if project.week_start not in WEEKDAYS:
        raise KpiError(f"week_start: {project.week_start!r} is not a weekday name",
                       here("week_start"))
    zone = canonical_timezone(project.timezone)
    if zone is None:
        raise KpiError(f"timezone: unknown timezone {project.timezone[:60]!r} (use an IANA "
                       "name such as 'Asia/Ho_Chi_Minh')", here("timezone"))
    if project.schema_ is not None:
        problem = schema_problem(project.schema_)
        written = project._source.get("schema") if project._source is not None else None
        if problem and isinstance(written, str) and _ENV_REF.search(written):
            # The expanded value is not shown: it came from the environment.
            problem = f"{written[:60]!r} expands to an invalid schema name ({RULE})"
        if problem:
            raise KpiError(f"schema: {problem}", here("schema"))
    if project.currency is not None:
        from .compiler.request import check_currency_code
        from .errors import CompileError

        try:
            check_currency_code(project.currency)
        except CompileError as exc:
            raise KpiError(f"currency: {exc}", here("currency")) from None
    if zone == project.timezone:
        return project
    fixed = replace(project, timezone=zone)
    _locate(fixed, project._source, project._file)
    return fixed
