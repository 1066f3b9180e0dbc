"""What `kpi plugins` and the loader tell about plugins: distribution and version, a
misspelt hook named with its plugin, a broken spec pack skipped without blocking the
user's own specs."""

from __future__ import annotations

import sys
import types

import pytest
from click.testing import CliRunner

from kpi_engine import hookimpl
from kpi_engine.cli import build_cli
from kpi_engine.extensions import reset_extensions


@pytest.fixture
def fresh_plugins():
    import kpi_engine.plugins as plugins_mod

    plugins_mod.reset()
    reset_extensions()
    yield plugins_mod
    plugins_mod.reset()
    reset_extensions()


def _entry_point_plugin(tmp_path, monkeypatch, module: str, source: str) -> None:
    """A real installed distribution (dist-info on sys.path) with one entry point."""
    dist = tmp_path / "kpi_engine_extra-2.3.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: kpi-engine-extra\n"
                                   "Version: 2.3.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(f"[kpi_engine]\nextra = {module}\n",
                                           encoding="utf-8")
    (tmp_path / f"{module}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_plugins_shows_distribution_and_version(tmp_path, monkeypatch, fresh_plugins):
    _entry_point_plugin(tmp_path, monkeypatch, "kpi_extra_ok", "x = 1\n")
    try:
        rows = {p["name"]: p for p in fresh_plugins.plugin_distributions()}
        assert (rows["extra"]["distribution"], rows["extra"]["version"]) == (
            "kpi-engine-extra", "2.3.1")
        assert rows["files"]["distribution"] and rows["files"]["version"]
        out = CliRunner().invoke(build_cli(), ["plugins"]).output
        line = next(x for x in out.splitlines() if x.startswith("extra "))
        assert line.split()[-2:] == ["kpi-engine-extra", "2.3.1"]
    finally:
        sys.modules.pop("kpi_extra_ok", None)


def test_misspelt_hook_names_its_plugin(tmp_path, monkeypatch, fresh_plugins):
    _entry_point_plugin(tmp_path, monkeypatch, "kpi_extra_typo", (
        "from kpi_engine import hookimpl\n\n"
        "@hookimpl\n"
        "def kpi_register_conectors(register):\n"
        "    pass\n\n"
        "@hookimpl\n"
        "def kpi_register_tables(register):\n"
        "    pass\n"))
    try:
        pm = fresh_plugins.get_plugin_manager()
        broken = [b for b in fresh_plugins.broken_plugins if b.name == "extra"]
        assert len(broken) == 1, fresh_plugins.broken_plugins
        assert "unknown hook 'kpi_register_conectors'" in broken[0].error
        assert "did you mean 'kpi_register_connectors'?" in broken[0].error
        assert pm.has_plugin("extra") and pm.has_plugin("files")  # the rest still loads
        result = CliRunner().invoke(build_cli(), ["plugins"])
        assert "BROKEN plugin extra: unknown hook 'kpi_register_conectors'" in result.output
    finally:
        sys.modules.pop("kpi_extra_typo", None)


def test_broken_spec_pack_is_reported_and_skipped(tmp_path, fresh_plugins):
    from kpi_engine.plugins import get_plugin_manager
    from kpi_engine.registry import load_registry

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "a.yaml").write_text(
        "metrics:\n  - {name: pack_orders, type: count, source: no_such_source}\n",
        encoding="utf-8")
    (pack / "b.yaml").write_text("metrics: [ {name: broken\n", encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "m.yaml").write_text(
        "metrics:\n  - {name: my_orders, type: count, source: orders}\n", encoding="utf-8")
    mod = types.ModuleType("kpi_bad_pack")

    @hookimpl
    def kpi_register_spec_packs(register):
        register("bad-pack", pack)

    mod.kpi_register_spec_packs = kpi_register_spec_packs
    get_plugin_manager().register(mod, name="bad_pack")
    reset_extensions()
    reg = load_registry([mine])
    assert "my_orders" in reg.metrics and "aov" in reg.metrics  # the user's and the catalog
    assert "pack_orders" not in reg.metrics
    problems = " ".join(str(e) for e in reg.skipped_packs["bad-pack"])
    assert "a.yaml" in problems and "b.yaml" in problems
    result = CliRunner().invoke(build_cli(), ["validate", "--specs", str(mine)])
    assert result.exit_code == 0
    assert "Warning: spec pack 'bad-pack' skipped (2 problem(s) above)" in result.output
    result = CliRunner().invoke(build_cli(), ["plugins"])
    assert "BROKEN plugin spec pack bad-pack: skipped: " in result.output
    assert result.exit_code == 1
    # the user's own mistakes still fail, as before
    (mine / "m.yaml").write_text("metrics:\n  - {name: my_orders, type: count, source: nope}\n",
                                 encoding="utf-8")
    result = CliRunner().invoke(build_cli(), ["validate", "--specs", str(mine)])
    assert result.exit_code == 1 and "m.yaml" in result.output
