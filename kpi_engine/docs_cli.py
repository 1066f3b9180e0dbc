"""Generate docs/cli.md from the commands' --help (a test keeps it current).

    python -m kpi_engine.docs_cli > docs/cli.md
"""

from __future__ import annotations

import click
from click.testing import CliRunner


def render_cli_reference() -> str:
    from .cli import build_cli

    cli = build_cli()
    runner = CliRunner()
    parts = ["# CLI reference", "",
             "Generated from `--help` by `python -m kpi_engine.docs_cli > docs/cli.md`.", ""]

    def block(args: list[str], title: str) -> None:
        out = runner.invoke(cli, [*args, "--help"], prog_name="kpi",
                            terminal_width=100).output
        parts.extend([f"## {title}", "", "```", out.rstrip(), "```", ""])

    block([], "kpi")
    ctx = click.Context(cli)
    builtin = ["list", "show", "validate", "graph", "compile", "eval", "sync", "plugins", "demo"]
    for name in builtin:
        if cli.get_command(ctx, name) is not None:
            block([name], f"kpi {name}")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render_cli_reference(), end="")
