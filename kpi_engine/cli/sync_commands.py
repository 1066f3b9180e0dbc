"""Commands that move data or describe the installation: sync, plugins."""

from __future__ import annotations

import json

import click

from ..errors import KpiError
from .connector_help import SyncCommand
from .context import AppContext
from .options import format_option, warehouse_option
from .output import render_table


def parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--set")
        out[key.strip()] = value
    return out


@click.command(cls=SyncCommand)
@click.argument("connector")
@warehouse_option
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Override a connector setting for this run (repeatable).")
@click.option("--full-refresh", is_flag=True, help="Forget saved cursors and reload all.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@click.pass_obj
def sync(app: AppContext, connector: str, warehouse: str | None, settings: tuple[str, ...],
         full_refresh: bool, quiet: bool) -> None:
    """Load data from CONNECTOR into the warehouse's canonical tables.

    `kpi sync CONNECTOR --help` lists the connector's settings."""
    from ..extensions import connector_class
    from ..sync.engine import run_sync
    from ..warehouses.base import redact_url

    connector_class(connector)  # unknown connector: fail before connecting
    merged = {**app.project.connector_settings(connector), **parse_settings(settings)}
    wh = app.connect(warehouse, create=True)
    log = None if quiet else (lambda msg: click.echo(msg, err=True))
    try:
        report = run_sync(connector, wh, merged, full_refresh=full_refresh, log=log)
    finally:
        wh.close()
    total = sum(report.rows.values()) if hasattr(report, "rows") else 0
    click.echo(f"Synced {connector} into {redact_url(app.warehouse_url(warehouse))}: "
               f"{total:,} rows" + "".join(f", {t} {n:,}{report.changes(t)}" for t, n in
                                          sorted(getattr(report, "rows", {}).items())))


@click.command()
@format_option("table", "json")
def plugins(fmt: str) -> None:
    """Installed plugins, connectors, warehouses and spec packs."""
    from ..extensions import extensions
    from ..plugins import broken_plugins, plugin_distributions
    from ..registry import load_registry

    ext = extensions()
    load_registry()  # a pack with problems is skipped and listed in broken_plugins
    data = {
        "plugins": plugin_distributions(),
        "connectors": [{"name": n, "description": getattr(c, "description", ""),
                        "tables": list(getattr(c, "tables", ())),
                        "settings": [r[0] for r in _settings_of(c)]}
                       for n, c in sorted(ext.connectors.items())],
        "warehouses": sorted(ext.warehouses),
        "spec_packs": sorted(ext.spec_packs),
        "broken": [{"name": b.name, "error": b.error} for b in broken_plugins],
    }
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(render_table(["plugin", "module", "distribution", "version"],
                            [[p["name"], p["module"], p["distribution"], p["version"]]
                             for p in data["plugins"]], align_right=set()))
    click.echo("\nconnectors: " + (", ".join(c["name"] for c in data["connectors"]) or "none"))
    for c in data["connectors"]:  # `kpi sync NAME --help` explains each setting
        click.echo(f"  {c['name']} settings: " + (", ".join(c["settings"]) or "none"))
    click.echo("warehouses: " + ", ".join(data["warehouses"]))
    click.echo("spec packs: " + ", ".join(data["spec_packs"]))
    for b in data["broken"]:
        click.echo(f"BROKEN plugin {b['name']}: {b['error']}", err=True)
    if data["broken"]:
        raise KpiError(f"{len(data['broken'])} plugin(s) failed to load")


def _settings_of(cls) -> list[tuple[str, str, str]]:
    from .connector_help import settings_rows

    try:
        return settings_rows(cls)
    except Exception:  # noqa: BLE001 - a plugin's odd settings model must not break the list
        return []


COMMANDS = [sync, plugins]
