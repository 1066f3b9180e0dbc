"""Commands that move data or describe the installation: sync, plugins."""

from __future__ import annotations

import json

import click

from ..errors import KpiError
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


class _SyncCommand(click.Command):
    """``kpi sync CONNECTOR --help`` also lists that connector's settings."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        named = [a for a in args if not a.startswith("-")]
        if named and ("--help" in args or "-h" in args):
            ctx.meta["kpi_help_connector"] = named[0]
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help(ctx, formatter)
        name = ctx.meta.get("kpi_help_connector")
        if name:
            from ..errors import KpiError
            from ..extensions import connector_class
            from .connector_help import settings_help

            try:
                formatter.write("\n" + settings_help(connector_class(name)))
            except KpiError as exc:
                formatter.write(f"\n{exc}\n")


@click.command(cls=_SyncCommand)
@click.argument("connector")
@warehouse_option
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Override a connector setting for this run (repeatable).")
@click.option("--full-refresh", is_flag=True,
              help="Forget the saved cursors of the source read and reload it all.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@click.pass_obj
def sync(app: AppContext, connector: str, warehouse: str | None, settings: tuple[str, ...],
         full_refresh: bool, quiet: bool) -> None:
    """Load data from CONNECTOR into the warehouse's canonical tables."""
    from ..extensions import connector_class
    from ..sync.engine import run_sync
    from ..warehouses.base import redact_url

    connector_class(connector)  # unknown connector: fail before connecting
    merged = {**app.project.connector_settings(connector), **parse_settings(settings)}
    from .sync_progress import progress_for, summary_lines

    wh = app.connect(warehouse, create=True)
    progress = progress_for(connector, quiet)
    try:
        if progress is None:
            report = run_sync(connector, wh, merged, full_refresh=full_refresh)
        else:
            with progress:
                report = run_sync(connector, wh, merged, full_refresh=full_refresh,
                                  log=progress.log, on_page=progress)
    finally:
        wh.close()
    total = sum(report.rows.values()) if hasattr(report, "rows") else 0
    click.echo(f"Synced {connector} into {redact_url(app.warehouse_url(warehouse))}: "
               f"{total:,} rows" + "".join(f", {t} {n:,}{report.changes(t)}" for t, n in
                                          sorted(getattr(report, "rows", {}).items())))
    if progress is not None and report.rows:
        click.echo("\n".join(summary_lines(report)), err=True)


@click.command()
@format_option("table", "json")
def plugins(fmt: str) -> None:
    """Installed plugins, connectors, warehouses and spec packs."""
    from ..extensions import extensions
    from ..plugins import broken_plugins, plugin_distributions
    from ..registry import load_registry
    from .connector_help import settings_of

    ext = extensions()
    load_registry()  # a pack with problems is skipped and listed in broken_plugins
    data = {
        "plugins": plugin_distributions(),
        "connectors": [{"name": n, "description": getattr(c, "description", ""),
                        "tables": list(getattr(c, "tables", ())),
                        "settings": settings_of(c)}
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
        click.echo(f"  {c['name']} settings: "
                   + (", ".join(s["name"] for s in c["settings"]) or "none"))
    click.echo("warehouses: " + ", ".join(data["warehouses"]))
    click.echo("spec packs: " + ", ".join(data["spec_packs"]))
    for b in data["broken"]:
        click.echo(f"BROKEN plugin {b['name']}: {b['error']}", err=True)
    if data["broken"]:
        raise KpiError(f"{len(data['broken'])} plugin(s) failed to load")


COMMANDS = [sync, plugins]
