"""``kpi sync CONNECTOR --help``: the sync options, then the connector's own settings.

Settings come from the connector's pydantic model: name, type, default, description;
secrets are marked and name the environment variable that should hold them (their
values are never shown).
"""

from __future__ import annotations

import re
from typing import Any

import click
from pydantic import SecretStr

_HELP = ("-h", "--help")


def settings_rows(cls: Any) -> list[tuple[str, str, str]]:
    """(setting, type and default, description) for each field of the settings model."""
    prefix = "KPI_" + re.sub(r"\W", "_", cls.name).upper() + "_"
    rows = []
    for name, info in cls.settings_model.model_fields.items():
        annotation = info.annotation
        secret = "SecretStr" in str(annotation) or annotation is SecretStr
        kind = _type_name(annotation)
        if secret:
            detail = f"secret; env {prefix}{name.upper()}"
        elif info.is_required():
            detail = f"{kind}, required"
        else:
            default = info.get_default(call_default_factory=True)
            detail = f"{kind}, default {default!r}" if default not in (None, [], {}) \
                else kind
        rows.append((name, detail, info.description or ""))
    return rows


def _type_name(annotation: Any) -> str:
    text = str(annotation).replace("typing.", "").replace("pathlib.", "")
    text = re.sub(r"<class '([\w.]+)'>", lambda m: m.group(1).rsplit(".", 1)[-1], text)
    text = text.replace("pydantic.types.", "").replace(" | None", "")
    return text if len(text) <= 60 else text[:57] + "..."


def connector_help(cls: Any) -> str:
    lines = [f"Connector {cls.name!r}: {cls.description}".rstrip(": "),
             f"Tables: {', '.join(cls.tables) or 'as its files name them'}", "",
             "Settings (kpi.yaml 'connectors:', --set KEY=VALUE, or KPI_"
             + re.sub(r"\W", "_", cls.name).upper() + "_<SETTING>):"]
    for name, detail, description in settings_rows(cls):
        lines.append(f"  {name}  ({detail})")
        if description:
            lines.append(f"      {description}")
    return "\n".join(lines)


class SyncCommand(click.Command):
    """Shows the named connector's settings below the usual help."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        named = [a for a in args if not a.startswith("-")]
        if named and any(a in _HELP for a in args):
            from ..errors import KpiError
            from ..extensions import connector_class

            try:
                cls = connector_class(named[0])
            except KpiError:
                cls = None
            if cls is not None:
                click.echo(self.get_help(ctx))
                click.echo("\n" + connector_help(cls))
                ctx.exit()
        return super().parse_args(ctx, args)
