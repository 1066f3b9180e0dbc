"""The ``kpi`` command line: a thin click layer over the engine.

``build_cli()`` makes a fresh group (tests need no module reloads). Each built-in
command's module is imported when that command is asked for; plugins add commands through
``kpi_register_commands``, asked only when a command is not built in (``plugin_group.py``).
User errors print one line to stderr and exit 1; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys

import click

from .. import __version__
from ..errors import KpiError
from .context import AppContext
from .plugin_group import PluginCommandsGroup


def build_cli() -> click.Group:
    @click.group(cls=PluginCommandsGroup,
                 context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="kpi")
    @click.option("--project", "project_path", metavar="PATH", envvar="KPI_PROJECT",
                  help="Project file (default: ./kpi.yaml when present).")
    @click.option("--specs", "extra_specs", multiple=True, metavar="PATH",
                  help="Extra spec folder or file (repeatable).")
    @click.option("--debug", is_flag=True, help="Show tracebacks.")
    @click.pass_context
    def cli(ctx: click.Context, project_path: str | None, extra_specs: tuple[str, ...],
            debug: bool) -> None:
        """KPIs for e-commerce, declared in YAML and evaluated where your data lives."""
        ctx.obj = AppContext(project_path, list(extra_specs), debug)

    # Built-in commands' modules are imported, and plugins' commands added, when asked
    # for (plugin_group.py).
    return cli


def main(argv: list[str] | None = None) -> None:
    cli = build_cli()
    debug = "--debug" in (argv if argv is not None else sys.argv)
    try:
        cli.main(args=argv, prog_name="kpi", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KpiError as exc:
        if debug:
            raise
        for line in str(exc).splitlines() or [type(exc).__name__]:
            click.echo(f"Error: {line}" if not _located(line) else line, err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(0)


def _located(line: str) -> bool:
    """FILE:LINE:COL lines are printed as they are (editors can jump to them)."""
    head = line.split(": ", 1)[0]
    parts = head.rsplit(":", 2)
    return len(parts) == 3 and parts[1].isdigit()
