"""Load plugins from the ``kpi_engine`` entry-point group, once, defensively.

- ``KPI_ENGINE_LOAD_PLUGINS=a,b``: load only these entry points (empty: none).
- ``KPI_ENGINE_TRACE_PLUGINS=1``: print every hook call to stderr.
A plugin that fails to import is reported (``broken_plugins``) and skipped; the others
still load.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "kpi_engine"


@dataclass(frozen=True)
class BrokenPlugin:
    name: str
    error: str


_pm: pluggy.PluginManager | None = None
broken_plugins: list[BrokenPlugin] = []


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loading entry points on first use."""
    global _pm
    if _pm is None:
        _pm = _build()
    return _pm


def reset() -> None:
    """Forget loaded plugins (tests use it after changing the environment)."""
    global _pm
    _pm = None
    broken_plugins.clear()


def _build() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("kpi_engine")
    pm.add_hookspecs(hookspecs)
    allow = os.environ.get("KPI_ENGINE_LOAD_PLUGINS")
    allowed = None if allow is None else {n.strip() for n in allow.split(",") if n.strip()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if allowed is not None and ep.name not in allowed:
            continue
        if pm.has_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the rest
            broken_plugins.append(BrokenPlugin(ep.name, f"{type(exc).__name__}: {exc}"))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        broken_plugins.append(BrokenPlugin(getattr(exc, "plugin_name", "?"), str(exc)))
    if os.environ.get("KPI_ENGINE_TRACE_PLUGINS"):
        pm.trace.root.setwriter(lambda msg: sys.stderr.write(msg))
        pm.enable_tracing()
    return pm


def plugin_distributions() -> list[dict[str, str]]:
    """Loaded plugins with the distribution and version that provide them."""
    pm = get_plugin_manager()
    out = []
    for name, plugin in pm.list_name_plugin():
        dist = next((d for p, d in pm.list_plugin_distinfo() if p is plugin), None)
        out.append({"name": name, "module": getattr(plugin, "__name__", repr(plugin)),
                    "distribution": dist.project_name if dist else "",
                    "version": dist.version if dist else ""})
    return out
