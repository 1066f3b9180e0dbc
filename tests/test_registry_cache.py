"""The validated-registry cache: a hit gives the same registry without loading plugins;
any change to a spec file or folder, or an error, is never served stale."""

from __future__ import annotations

import os
import sys

import pytest

from kpi_engine.errors import SpecErrors
from kpi_engine.registry_cache import cached_load_registry

SPEC = """
sources:
  - {name: team_orders, table: orders, time: created_at}
metrics:
  - {name: team_revenue, type: sum, source: team_orders, expr: subtotal}
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("KPI_ENGINE_CACHE_DIR", str(folder))
    monkeypatch.delenv("KPI_ENGINE_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def specs(tmp_path):
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "team.yaml").write_text(SPEC)
    return folder


def entries(cache):
    return sorted(cache.glob("registry-*.pickle")) if cache.exists() else []


def test_second_load_is_served_from_the_cache(cache, specs):
    first = cached_load_registry([specs])
    assert len(entries(cache)) == 1
    second = cached_load_registry([specs])
    assert second is not first  # a fresh object, unpickled
    assert set(second.metrics) == set(first.metrics)
    assert "team_revenue" in second.metrics and "aov" in second.metrics
    assert second.metric("team_revenue").expr == first.metric("team_revenue").expr


@pytest.mark.slow  # two kpi processes
def test_a_hit_loads_no_plugin(cache, specs, tmp_path):
    """A cached ``kpi list`` imports only what it shows: no plugin, no plugin machinery,
    no YAML, SQL, formatting or graph library (each would cost start-up time)."""
    code = ("import sys\nfrom kpi_engine.cli import main\n"
            "try:\n    main(['--specs', sys.argv[1], 'list', '--format', 'json'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in sys.argv[2:]"
            " or m in sys.argv[2:]), file=sys.stderr)")
    import json
    import subprocess

    unwanted = ["kpi_engine_plugins", "kpi_engine.plugins", "pluggy", "importlib.metadata",
                "yaml", "kpi_engine.specs.yaml_positions", "sqlglot", "babel", "networkx",
                "pydantic"]
    # In a folder of its own: `-c` puts the working folder on sys.path, whose
    # *.egg-info the key includes, and a wheel build elsewhere in the suite (the
    # checkout's own, test_packaging.py) writes one there between the two runs.
    for _ in range(2):  # the first run fills the cache (the key is the process's own)
        proc = subprocess.run([sys.executable, "-c", code, str(specs), *unwanted],
                              capture_output=True, text=True, env={**os.environ}, check=True,
                              cwd=tmp_path)
    names = {row["name"] for row in json.loads(proc.stdout)}
    assert "team_revenue" in names and "aov" in names
    assert proc.stderr.strip() == "[]", f"a cache hit imported {proc.stderr.strip()}"


def test_an_installed_or_changed_distribution_is_a_miss(cache, specs, tmp_path,
                                                       monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    cached_load_registry([specs], include_packs=False)
    dist = site / "kpi_team_pack-1.0.dist-info"
    dist.mkdir()
    cached_load_registry([specs], include_packs=False)
    assert len(entries(cache)) == 2  # a new distribution: a new key
    (dist / "entry_points.txt").write_text("[kpi_engine]\nteam = kpi_team_pack\n")
    cached_load_registry([specs], include_packs=False)
    assert len(entries(cache)) == 3  # its plugin declarations changed: a new key
    cached_load_registry([specs], include_packs=False)
    assert len(entries(cache)) == 3  # nothing changed: a hit


def test_an_edited_spec_is_reloaded(cache, specs):
    cached_load_registry([specs], include_packs=False)
    text = SPEC.replace("team_revenue", "team_sales")
    (specs / "team.yaml").write_text(text)
    st = (specs / "team.yaml").stat()
    os.utime(specs / "team.yaml", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    reg = cached_load_registry([specs], include_packs=False)
    assert "team_sales" in reg.metrics and "team_revenue" not in reg.metrics


def test_an_added_or_removed_file_is_seen(cache, specs):
    cached_load_registry([specs], include_packs=False)
    (specs / "more.yaml").write_text(
        "metrics:\n  - {name: team_count, type: count, source: team_orders}\n")
    assert "team_count" in cached_load_registry([specs], include_packs=False).metrics
    (specs / "more.yaml").unlink()
    assert "team_count" not in cached_load_registry([specs], include_packs=False).metrics


def test_errors_are_never_cached(cache, specs):
    (specs / "bad.yaml").write_text(
        "metrics:\n  - {name: broken, type: sum, source: nowhere, expr: x}\n")
    for _ in range(2):
        with pytest.raises(SpecErrors, match="nowhere"):
            cached_load_registry([specs], include_packs=False)
    assert entries(cache) == []


def test_a_corrupt_entry_is_a_miss(cache, specs):
    cached_load_registry([specs], include_packs=False)
    (entry,) = entries(cache)
    entry.write_bytes(b"not a pickle")
    assert "team_revenue" in cached_load_registry([specs], include_packs=False).metrics


def test_an_unwritable_cache_only_costs_speed(tmp_path, monkeypatch, specs):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    monkeypatch.setenv("KPI_ENGINE_CACHE_DIR", str(blocker / "sub"))
    assert "team_revenue" in cached_load_registry([specs], include_packs=False).metrics


def test_cache_can_be_turned_off(cache, specs, monkeypatch):
    monkeypatch.setenv("KPI_ENGINE_NO_CACHE", "1")
    cached_load_registry([specs], include_packs=False)
    assert entries(cache) == []


def test_the_plugin_allow_list_is_part_of_the_key(cache, specs, monkeypatch):
    assert "aov" in cached_load_registry([specs]).metrics
    monkeypatch.setenv("KPI_ENGINE_LOAD_PLUGINS", "files,builtin_warehouses")
    without = cached_load_registry([specs])
    assert "team_revenue" in without.metrics and "aov" not in without.metrics
    monkeypatch.delenv("KPI_ENGINE_LOAD_PLUGINS")
    assert "aov" in cached_load_registry([specs]).metrics
