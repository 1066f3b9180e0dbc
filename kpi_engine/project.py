"""The project file ``kpi.yaml``: warehouse, timezone, week start, spec folders, schema and
connector settings. Relative paths are relative to the file. Environment variables may be
referenced as ``${NAME}`` so secrets stay out of the file."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .compiler.dialects import WEEKDAYS
from .errors import KpiError, Location
from .specs.yaml_positions import load_yaml, position_of

PROJECT_FILE = "kpi.yaml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Project(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    warehouse: str | None = None
    timezone: str = "UTC"
    week_start: str = Field(default="monday")
    specs: tuple[str, ...] = ()
    schema_: str | None = Field(default=None, alias="schema")
    currency: str | None = None  # reporting currency: money is converted into it
    connectors: dict[str, dict[str, Any]] = Field(default_factory=dict)
    root: str = Field(default=".", exclude=True)

    def spec_folders(self) -> list[Path]:
        return [Path(self.root, s) for s in self.specs]

    def connector_settings(self, name: str) -> dict[str, Any]:
        settings = dict(self.connectors.get(name) or {})
        return {k: _expand_env(v) for k, v in settings.items()}


def _expand_env(value: Any) -> Any:
    if isinstance(value, str):
        def sub(m: re.Match) -> str:
            if m.group(1) not in os.environ:
                raise KpiError(f"kpi.yaml refers to ${{{m.group(1)}}}, which is not set")
            return os.environ[m.group(1)]

        return _ENV_REF.sub(sub, value)
    return value


def load_project(path: str | Path | None = None) -> Project:
    """Read ``kpi.yaml`` (or ``path``); an absent default file gives default settings."""
    explicit = path is not None
    path = Path(path) if path else Path(PROJECT_FILE)
    if not path.exists():
        if explicit:
            raise KpiError(f"project file {str(path)!r} not found")
        return Project()
    data = load_yaml(path.read_text(encoding="utf-8"), str(path)) or {}
    if not isinstance(data, dict):
        raise KpiError("the project file must be a mapping", Location(str(path), 1, 1))
    if isinstance(data.get("specs"), str):
        data["specs"] = [data["specs"]]
    try:
        project = Project.model_validate({**data, "root": str(path.parent)})
    except ValidationError as exc:
        err = exc.errors()[0]
        line, col = position_of(data, tuple(err["loc"]))
        if err["type"] == "extra_forbidden" and len(err["loc"]) == 1:
            line, col = getattr(data, "key_positions", {}).get(err["loc"][0], (line, col))
        field = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            from .errors import did_you_mean

            known = {"warehouse", "timezone", "week_start", "specs", "schema", "connectors",
                     "currency"}
            msg = "unknown key" + did_you_mean(str(err["loc"][-1]), known)
        else:
            msg = err["msg"]
        raise KpiError(f"{field}: {msg}", Location(str(path), line, col)) from None
    if project.week_start not in WEEKDAYS:
        line, col = position_of(data, ("week_start",))
        raise KpiError(f"week_start: {project.week_start!r} is not a weekday name",
                       Location(str(path), line, col))
    if project.currency is not None:
        from .compiler.request import check_currency_code
        from .errors import CompileError

        try:
            check_currency_code(project.currency)
        except CompileError as exc:
            line, col = position_of(data, ("currency",))
            raise KpiError(f"currency: {exc}", Location(str(path), line, col)) from None
    return project
