"""The ``kpi`` group: it imports a built-in command's module, and asks plugins for their
commands, only when it must.

A command imports only the module that defines it: ``kpi compile`` needs neither the
demo's nor sync's code (each costs start-up time). Loading plugins imports every plugin
package (entry points, their dependencies); a built-in command such as ``kpi list``
served from the registry cache needs none of them. So plugins' ``kpi_register_commands``
run the first time the group is asked for a name that is not built in, or for the whole
list (``kpi --help``). A plugin cannot replace a built-in command: the built-in wins.
"""

from __future__ import annotations

from importlib import import_module

import click

# command name -> the module of kpi_engine.cli that defines it (in its COMMANDS)
BUILTIN_COMMANDS = {
    "list": "catalog_commands", "show": "catalog_commands", "validate": "catalog_commands",
    "graph": "catalog_commands", "compile": "run_commands", "eval": "run_commands",
    "explain": "explain_command", "sync": "sync_commands", "plugins": "sync_commands",
    "demo": "demo_command", "check": "check_command", "report": "report_commands",
    "serve": "report_commands",
}


class PluginCommandsGroup(click.Group):
    _plugins_asked = False

    def _add_builtin(self, name: str) -> None:
        module = import_module(f"{__package__}.{BUILTIN_COMMANDS[name]}")
        for command in module.COMMANDS:
            self.commands[command.name] = command

    def _add_plugin_commands(self) -> None:
        if self._plugins_asked:
            return
        self._plugins_asked = True
        from ..plugins import get_plugin_manager

        before = dict(self.commands)
        get_plugin_manager().hook.kpi_register_commands(cli=self)
        for name in BUILTIN_COMMANDS.keys() & self.commands.keys() - before.keys():
            del self.commands[name]  # a built-in's name stays the built-in's
        self.commands.update(before)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in BUILTIN_COMMANDS:
                self._add_builtin(cmd_name)
            else:
                self._add_plugin_commands()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for name in BUILTIN_COMMANDS:
            if name not in self.commands:
                self._add_builtin(name)
        self._add_plugin_commands()
        return super().list_commands(ctx)
