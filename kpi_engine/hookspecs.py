"""The hook contract between kpi-engine and its plugins (built-in ones included).

Every hook hands the plugin a ``register`` callback rather than a registry object, so the
engine stays free to change how it stores what plugins give it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

hookspec = pluggy.HookspecMarker("kpi_engine")


@hookspec
def kpi_register_connectors(register: Callable[[type], None]) -> None:
    """Register connector classes (subclasses of ``kpi_engine.connectors.Connector``).

    :param register: call ``register(ConnectorClass)`` once per connector.
    """


@hookspec
def kpi_register_warehouses(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Register warehouse factories by URL scheme.

    :param register: call ``register(scheme, factory)``; ``factory(url, schema, create=True)``
        returns a ``kpi_engine.warehouses.Warehouse`` for URLs such as ``scheme://...``.
        With ``create=False`` (read commands) it must create nothing (no file, folder or
        schema) and report a missing one as "no data yet". Parse the URL with
        ``kpi_engine.warehouses.url.WarehouseURL``, whose text never shows a credential.
    """


@hookspec
def kpi_register_spec_packs(register: Callable[[str, Any], None]) -> None:
    """Contribute folders of spec files (KPI packs) loaded after the shipped catalog.

    :param register: call ``register(name, path)`` with a pack name and a folder (a
        ``pathlib.Path`` or an ``importlib.resources`` traversable) of ``*.yaml`` files.
    """


@hookspec
def kpi_register_tables(register: Callable[[Any], None]) -> None:
    """Add tables to the canonical schema (input tables a connector or pack needs).

    :param register: call ``register(table)`` with a ``kpi_engine.schema.Table``.
    """


@hookspec
def kpi_register_validation_rules(register: Callable[[Any], None]) -> None:
    """Add validation rules run by ``kpi validate`` after the default rules.

    :param register: call ``register(rule)`` with an object that has a ``name`` and a
        ``check(registry)`` method yielding ``kpi_engine.errors.SpecError``.
    """


@hookspec
def kpi_register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``kpi`` command line.

    :param cli: the root ``click.Group``; decorate new commands with ``@cli.command()``.
    """
