"""The ``kpi`` group, which asks plugins for their commands only when it must.

Loading plugins imports every plugin package (entry points, their dependencies); a
built-in command such as ``kpi list`` served from the registry cache needs none of them.
So plugins' ``kpi_register_commands`` run the first time the group is asked for a name
it does not have, or for the whole list (``kpi --help``). A plugin cannot replace a
built-in command: the built-in is found first.
"""

from __future__ import annotations

import click


class PluginCommandsGroup(click.Group):
    _plugins_asked = False

    def _add_plugin_commands(self) -> None:
        if self._plugins_asked:
            return
        self._plugins_asked = True
        from ..plugins import get_plugin_manager

        builtins = dict(self.commands)
        get_plugin_manager().hook.kpi_register_commands(cli=self)
        self.commands.update(builtins)  # built-ins keep their names

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            self._add_plugin_commands()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands()
        return super().list_commands(ctx)
