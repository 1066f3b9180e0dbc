"""The hook contract: documented, exercised, loaded defensively."""

from __future__ import annotations

import inspect
import re
import sys
import types
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kpi_engine import hookimpl, hookspecs
from kpi_engine.extensions import extensions, reset_extensions
from kpi_engine.plugins import get_plugin_manager

DOCS = Path(__file__).parent.parent / "docs" / "plugins.md"
HOOKS = [name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
         if name.startswith("kpi_")]


@pytest.fixture
def plugin():
    """Register a plugin module for one test, then unregister it."""
    registered = []

    def register(module: types.ModuleType) -> None:
        get_plugin_manager().register(module, name=module.__name__)
        registered.append(module)
        reset_extensions()

    yield register
    for module in registered:
        get_plugin_manager().unregister(module)
    reset_extensions()


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented_with_signature(hook):
    params = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"### {hook}({params})" in DOCS.read_text(encoding="utf-8"), (
        f"docs/plugins.md must document {hook}({params})")


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_exercised_by_a_test(hook):
    here = Path(__file__).parent
    uses = [p for p in here.glob("test_*.py") if p.name != "test_plugins.py"
            and hook in p.read_text(encoding="utf-8")]
    assert uses or hook in TESTED_HERE, f"no test implements {hook}"


def test_hookspecs_are_typed_and_documented():
    for hook in HOOKS:
        fn = getattr(hookspecs, hook)
        assert fn.__doc__ and ":param" in fn.__doc__, hook
        assert all(p.annotation is not inspect.Parameter.empty
                   for p in inspect.signature(fn).parameters.values()), hook


TESTED_HERE = {"kpi_register_commands", "kpi_register_spec_packs", "kpi_register_tables",
               "kpi_register_validation_rules", "kpi_register_warehouses"}


def test_builtin_plugins_load_through_entry_points():
    pm = get_plugin_manager()
    names = {name for name, _ in pm.list_name_plugin()}
    assert {"files", "builtin_warehouses", "catalog"} <= names
    ext = extensions()
    assert "files" in ext.connectors and "duckdb" in ext.warehouses and "catalog" in ext.spec_packs


def test_plugin_command_spec_pack_table_rule_and_warehouse(plugin, tmp_path):
    from kpi_engine.errors import SpecError
    from kpi_engine.registry import load_registry
    from kpi_engine.schema import TABLES, Column, Table
    from kpi_engine.warehouses.connect import connect
    from kpi_engine.warehouses.duckdb_warehouse import DuckDBWarehouse

    (tmp_path / "pack.yaml").write_text(
        "sources:\n  - {name: visits_in, table: store_visits, time: visited_at}\n"
        "metrics:\n  - {name: store_visits, type: count, source: visits_in}\n"
        "  - {name: store_visits_bad_name, type: count, source: visits_in}\n",
        encoding="utf-8")
    mod = types.ModuleType("kpi_test_plugin")

    class NoBadNames:
        name = "no-bad-names"

        def check(self, registry):
            for m in registry.metrics.values():
                if m.name.endswith("_bad_name"):
                    yield SpecError(f"metric {m.name!r}: bad name", m.location)

    @hookimpl
    def kpi_register_commands(cli: click.Group) -> None:
        @cli.command()
        def hello() -> None:
            click.echo("hello from a plugin")

    @hookimpl
    def kpi_register_spec_packs(register):
        register("test-pack", tmp_path)

    @hookimpl
    def kpi_register_tables(register):
        register(Table("store_visits", "one visit", ("visit_id",),
                       (Column("visit_id", "string"), Column("visited_at", "timestamp"))))

    @hookimpl
    def kpi_register_validation_rules(register):
        register(NoBadNames())

    @hookimpl
    def kpi_register_warehouses(register):
        register("memduck", lambda url, schema: DuckDBWarehouse("duckdb:///:memory:", schema))

    for fn in (kpi_register_commands, kpi_register_spec_packs, kpi_register_tables,
               kpi_register_validation_rules, kpi_register_warehouses):
        setattr(mod, fn.__name__, fn)
    plugin(mod)
    from kpi_engine.cli import build_cli

    result = CliRunner().invoke(build_cli(), ["hello"])
    assert result.output.strip() == "hello from a plugin"
    # the plugin's rule finds the pack's bad metric: the pack is reported and skipped
    reg = load_registry([])
    assert "store_visits" not in reg.metrics and "aov" in reg.metrics
    assert "store_visits_bad_name': bad name" in str(reg.skipped_packs["test-pack"][0])
    assert "store_visits" in TABLES  # the pack's source validated against the new table
    assert connect("memduck://x").dialect == "duckdb"
    del TABLES["store_visits"]


def test_broken_plugin_is_reported_and_others_load(tmp_path, monkeypatch):
    """A real entry point whose module raises on import."""
    dist = tmp_path / "kpi_engine_broken-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: kpi-engine-broken\n"
                                   "Version: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[kpi_engine]\nbroken = kpi_broken_mod\n",
                                           encoding="utf-8")
    (tmp_path / "kpi_broken_mod.py").write_text("raise RuntimeError('boom at import')\n",
                                                encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import kpi_engine.plugins as plugins_mod

    plugins_mod.reset()
    reset_extensions()
    try:
        pm = plugins_mod.get_plugin_manager()
        assert any(b.name == "broken" and "boom at import" in b.error
                   for b in plugins_mod.broken_plugins)
        assert pm.has_plugin("files")  # the others still load
        from kpi_engine.cli import build_cli

        result = CliRunner().invoke(build_cli(), ["plugins"])
        assert "BROKEN plugin broken: RuntimeError: boom at import" in result.output
    finally:
        sys.modules.pop("kpi_broken_mod", None)
        plugins_mod.reset()
        reset_extensions()


def test_allow_list_and_trace(monkeypatch, capsys):
    import kpi_engine.plugins as plugins_mod

    monkeypatch.setenv("KPI_ENGINE_LOAD_PLUGINS", "builtin_warehouses")
    monkeypatch.setenv("KPI_ENGINE_TRACE_PLUGINS", "1")
    plugins_mod.reset()
    reset_extensions()
    try:
        pm = plugins_mod.get_plugin_manager()
        assert [n for n, _ in pm.list_name_plugin()] == ["builtin_warehouses"]
        extensions().warehouses
        assert "kpi_register_warehouses" in capsys.readouterr().err
    finally:
        monkeypatch.delenv("KPI_ENGINE_LOAD_PLUGINS")
        monkeypatch.delenv("KPI_ENGINE_TRACE_PLUGINS")
        plugins_mod.reset()
        reset_extensions()


def test_misspelled_hook_is_caught():
    import pluggy

    pm = pluggy.PluginManager("kpi_engine")
    pm.add_hookspecs(hookspecs)
    mod = types.ModuleType("typo_plugin")

    @hookimpl
    def kpi_register_conectors(register):
        pass

    mod.kpi_register_conectors = kpi_register_conectors
    pm.register(mod)
    with pytest.raises(pluggy.PluginValidationError, match="unknown hook"):
        pm.check_pending()
    assert re.match("kpi_", "kpi_register_conectors")


def test_plugin_commands_load_on_demand_and_never_replace_a_builtin(plugin):
    mod = types.ModuleType("kpi_test_commands")

    @hookimpl
    def kpi_register_commands(cli: click.Group) -> None:
        @cli.command("list")
        def fake_list() -> None:
            click.echo("a plugin's list")

        @cli.command()
        def greet() -> None:
            click.echo("greetings from a plugin")

    mod.kpi_register_commands = kpi_register_commands
    plugin(mod)
    from kpi_engine.cli import build_cli

    cli = build_cli()
    assert "greet" not in cli.commands  # not asked for yet
    assert CliRunner().invoke(cli, ["greet"]).output.strip() == "greetings from a plugin"
    assert "greet" in CliRunner().invoke(build_cli(), ["--help"]).output
    out = CliRunner().invoke(cli, ["list", "--format", "json"]).output
    assert "a plugin's list" not in out and '"name": "aov"' in out
