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
# plugin name -> (distribution, version) of the package whose entry point loaded it
_distributions: dict[str, tuple[str, str]] = {}


_pm_allow: str | None = None  # KPI_ENGINE_LOAD_PLUGINS when _pm was built


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loading entry points on first use, and again
    when ``KPI_ENGINE_LOAD_PLUGINS`` has changed since (the allow list in force wins)."""
    global _pm, _pm_allow
    allow = os.environ.get("KPI_ENGINE_LOAD_PLUGINS")
    if _pm is not None and allow != _pm_allow:
        reset()
    if _pm is None:
        _pm, _pm_allow = _build(), allow
    return _pm


def reset() -> None:
    """Forget loaded plugins (tests use it after changing the environment)."""
    global _pm
    _pm = None
    broken_plugins.clear()
    _distributions.clear()


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
            continue
        if ep.dist is not None:
            _distributions[ep.name] = (ep.dist.metadata["Name"] or ep.dist.name,
                                       ep.dist.version)
    broken_plugins.extend(check_pending(pm))
    if os.environ.get("KPI_ENGINE_TRACE_PLUGINS"):
        pm.trace.root.setwriter(lambda msg: sys.stderr.write(msg))
        pm.enable_tracing()
    return pm


def check_pending(pm: pluggy.PluginManager) -> list[BrokenPlugin]:
    """Every hook implementation that matches no hook of the contract (a misspelt
    ``kpi_register_conectors``), named by its plugin — pluggy's own check stops at the
    first and does not say whose it is. The plugin's other hooks keep working."""
    from .errors import did_you_mean

    known = {n for n in dir(hookspecs) if n.startswith("kpi_")}
    found = []
    for hook_name in sorted(vars(pm.hook)):
        hook = getattr(pm.hook, hook_name)
        if hook_name.startswith("_") or not hasattr(hook, "get_hookimpls") or hook.has_spec():
            continue
        for impl in hook.get_hookimpls():
            if impl.optionalhook:
                continue
            found.append(BrokenPlugin(
                impl.plugin_name, f"unknown hook {hook_name!r}{did_you_mean(hook_name, known)}"
                f" (in {getattr(impl.plugin, '__name__', impl.plugin_name)}): it is never "
                "called"))
    return found


def plugin_distributions() -> list[dict[str, str]]:
    """Loaded plugins with the distribution and version that provide them (plugins
    registered in code, not through an entry point, have none)."""
    pm = get_plugin_manager()
    out = []
    for name, plugin in pm.list_name_plugin():
        dist, version = _distributions.get(name, ("", ""))
        out.append({"name": name, "module": getattr(plugin, "__name__", repr(plugin)),
                    "distribution": dist, "version": version})
    return out
