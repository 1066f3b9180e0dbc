"""What plugins contribute, collected once from the hooks: connectors, warehouses,
spec packs, tables and validation rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import KpiError, did_you_mean
from .plugins import get_plugin_manager


@dataclass
class Extensions:
    connectors: dict[str, type] = field(default_factory=dict)
    warehouses: dict[str, Callable[..., Any]] = field(default_factory=dict)
    spec_packs: dict[str, Any] = field(default_factory=dict)
    rules: list[Any] = field(default_factory=list)
    owners: dict[str, str] = field(default_factory=dict)  # "connector:files" -> plugin


_cached: tuple[Any, Extensions] | None = None  # (the plugin manager, what it registered)


def extensions() -> Extensions:
    """Call every registration hook once per plugin manager and keep what plugins
    registered (a new manager, e.g. another KPI_ENGINE_LOAD_PLUGINS, asks again)."""
    global _cached
    pm = get_plugin_manager()
    if _cached is None or _cached[0] is not pm:
        _cached = (pm, _collect(pm))
    return _cached[1]


def _collect(pm) -> Extensions:
    from . import schema

    ext = Extensions()

    def _register_connector(cls: type) -> None:
        name = getattr(cls, "name", None)
        if not name:
            raise KpiError(f"connector class {cls.__name__} has no 'name'")
        ext.connectors[name] = cls

    pm.hook.kpi_register_connectors(register=_register_connector)
    pm.hook.kpi_register_warehouses(
        register=lambda scheme, factory: ext.warehouses.__setitem__(scheme, factory))
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
