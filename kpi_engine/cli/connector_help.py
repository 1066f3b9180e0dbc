"""A connector's settings described for people: ``kpi sync CONNECTOR --help`` and
``kpi plugins --format json``. Secrets are named with their environment variable, never
given a value."""

from __future__ import annotations

import re
from typing import Any

import click
from pydantic import SecretStr


def settings_of(cls: type) -> list[dict[str, Any]]:
    """name, type, required, default (None for secrets), secret, env, description."""
    model = getattr(cls, "settings_model", None)
    fields = getattr(model, "model_fields", {})
    prefix = "KPI_" + re.sub(r"\W", "_", getattr(cls, "name", "")).upper() + "_"
    out = []
    for name, info in fields.items():
        secret = "SecretStr" in str(info.annotation) or info.annotation is SecretStr
        required = info.is_required()
        default = None if secret or required else info.get_default(call_default_factory=True)
        out.append({"name": name, "type": _type_name(info.annotation), "required": required,
                    "default": _shown(default), "secret": secret,
                    "env": prefix + name.upper(),
                    "description": info.description or _inherited(model, name)})
    return out


def settings_help(cls: type) -> str:
    rows = []
    for s in settings_of(cls):
        note = "required" if s["required"] else f"default {s['default']}"
        if s["secret"]:
            note += f"; secret: set {s['env']} or ${{VAR}} in kpi.yaml"
        text = f"{s['type']}, {note}" + (f". {s['description']}" if s["description"] else "")
        rows.append((s["name"], text))
    formatter = click.HelpFormatter()
    with formatter.section(f"Settings of {getattr(cls, 'name', '?')} (--set NAME=VALUE, "
                           "kpi.yaml connectors:, or KPI_<CONNECTOR>_<NAME>)"):
        formatter.write_dl(rows)
    return formatter.getvalue()


def _inherited(model: type, name: str) -> str:
    """A field a subclass redeclares (``base_url`` with its default) keeps its base's text."""
    for base in model.__mro__[1:]:
        info = getattr(base, "model_fields", {}).get(name)
        if info is not None and info.description:
            return info.description
    return ""


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("typing.", "").replace("pydantic.types.", "") \
        .replace("datetime.", "").replace("pathlib.", "")


def _shown(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
