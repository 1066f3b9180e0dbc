"""What plugins contribute, collected once from the hooks: spec packs, tables and
validation rules when plugins load; connectors and warehouses when first used."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import KpiError, did_you_mean
from .plugins import get_plugin_manager


@dataclass
class Extensions:
    """What plugins registered. ``connectors`` and ``warehouses`` are asked for the first
    time they are used: registering connectors imports every connector's modules (HTTP
    client, sqlglot, pydantic settings: a third of a cold ``kpi compile``), which loading
    and validating specs never needs."""

    spec_packs: dict[str, Any] = field(default_factory=dict)
    rules: list[Any] = field(default_factory=list)
    owners: dict[str, str] = field(default_factory=dict)  # "connector:files" -> plugin
    _pm: Any = field(default=None, repr=False)
    _connectors: dict[str, type] | None = field(default=None, repr=False)
    _warehouses: dict[str, Callable[..., Any]] | None = field(default=None, repr=False)

    @property
    def connectors(self) -> dict[str, type]:
        if self._connectors is None:
            found: dict[str, type] = {}

            def _register_connector(cls: type) -> None:
                name = getattr(cls, "name", None)
                if not name:
                    raise KpiError(f"connector class {cls.__name__} has no 'name'")
                found[name] = cls

            if self._pm is not None:
                self._pm.hook.kpi_register_connectors(register=_register_connector)
            self._connectors = found  # only once every plugin registered without error
        return self._connectors

    @property
    def warehouses(self) -> dict[str, Callable[..., Any]]:
        if self._warehouses is None:
            found: dict[str, Callable[..., Any]] = {}
            if self._pm is not None:
                self._pm.hook.kpi_register_warehouses(
                    register=lambda scheme, factory: found.__setitem__(scheme, factory))
            self._warehouses = found
        return self._warehouses


_cached: tuple[Any, Extensions] | None = None  # (the plugin manager, what it registered)


def extensions() -> Extensions:
    """Call the registration hooks once per plugin manager and keep what plugins
    registered (a new manager, e.g. another KPI_ENGINE_LOAD_PLUGINS, asks again)."""
    global _cached
    pm = get_plugin_manager()
    if _cached is None or _cached[0] is not pm:
        _cached = (pm, _collect(pm))
    return _cached[1]


def _collect(pm) -> Extensions:
    from . import schema

    ext = Extensions(_pm=pm)
    pm.hook.kpi_register_spec_packs(
        register=lambda name, path: ext.spec_packs.__setitem__(name, path))
    pm.hook.kpi_register_tables(register=schema.register_table)
    pm.hook.kpi_register_validation_rules(register=ext.rules.append)
    return ext


def reset_extensions() -> None:
    global _cached
    _cached = None


def connector_class(name: str) -> type:
    ext = extensions()
    if name not in ext.connectors:
        known = ", ".join(sorted(ext.connectors)) or "none"
        raise KpiError(f"unknown connector {name!r}{did_you_mean(name, set(ext.connectors))}"
                       f" (installed: {known})")
    return ext.connectors[name]
