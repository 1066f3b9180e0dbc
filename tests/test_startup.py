"""Start-up: a ``kpi`` process served from the registry cache imports neither pydantic nor
another command's module, and still notices an edited spec or a newly installed package.

Each case runs real ``kpi`` processes (the cache key and what is imported are a
process's own), with the cache in a folder of the test's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import import_module

import pytest

from kpi_engine.cli.plugin_group import BUILTIN_COMMANDS

SPEC = """
sources:
  - {name: startup_orders, table: orders, time: created_at}
metrics:
  - {name: startup_revenue, type: sum, source: startup_orders, expr: subtotal}
"""

# Runs `kpi ARGS...` in this process, then prints (to stderr, as JSON) the modules of
# interest that it imported.
CHILD = """
import json, sys
from kpi_engine.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
watched = ("pydantic", "kpi_engine.cli.", "yaml", "pluggy", "sqlglot", "httpx",
           "kpi_engine_plugins.", "kpi_engine.project_cache", "kpi_engine.compile_cache")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(watched))), file=sys.stderr)
"""


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "KPI_ENGINE_CACHE_DIR": str(tmp_path / "cache"),
            "KPI_ENGINE_NO_CACHE": ""}


def kpi(args: list[str], env: dict[str, str], cwd) -> tuple[str, list[str]]:
    """(stdout, modules imported) of one ``kpi`` process."""
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True,
                          text=True, env=env, cwd=cwd, check=True)
    return proc.stdout, json.loads(proc.stderr.strip().splitlines()[-1])


def test_builtin_command_table_names_every_command():
    """``plugin_group.BUILTIN_COMMANDS`` says where each command lives: it must list every
    command of those modules, and each in its own module."""
    for name, module in BUILTIN_COMMANDS.items():
        commands = import_module(f"kpi_engine.cli.{module}").COMMANDS
        assert name in {c.name for c in commands}, (name, module)
    for module in set(BUILTIN_COMMANDS.values()):
        for command in import_module(f"kpi_engine.cli.{module}").COMMANDS:
            assert BUILTIN_COMMANDS.get(command.name) == module, command.name


@pytest.mark.slow  # fresh interpreters: what a `kpi` process imports
def test_a_warm_compile_and_list_import_no_pydantic_nor_other_commands(tmp_path, env):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "startup.yaml").write_text(SPEC)
    cold_sql, cold_modules = kpi(["--specs", str(specs), "compile", "aov"], env, tmp_path)
    assert any(m.startswith("pydantic") for m in cold_modules)  # built: validated
    warm_sql, warm_modules = kpi(["--specs", str(specs), "compile", "aov"], env, tmp_path)
    assert warm_sql == cold_sql and "SELECT" in warm_sql  # the same SQL, from the cache
    assert [m for m in warm_modules if m.startswith(("pydantic", "yaml", "pluggy"))] == []
    assert [m for m in warm_modules if m.startswith("sqlglot")] == []  # compile cache
    assert "sqlglot" in cold_modules
    assert [m for m in warm_modules if m.startswith("kpi_engine.cli.")
            and m.rsplit(".", 1)[1] in BUILTIN_COMMANDS.values()] == [
        "kpi_engine.cli.run_commands"]
    # Another request against the same registry is compiled (sqlglot imported).
    other_sql, other_modules = kpi(["--specs", str(specs), "compile", "startup_revenue"],
                                   env, tmp_path)
    assert "subtotal" in other_sql and other_sql != warm_sql and "sqlglot" in other_modules
    out, modules = kpi(["--specs", str(specs), "list", "--format", "json"], env, tmp_path)
    assert {"startup_revenue", "aov"} <= {row["name"] for row in json.loads(out)}
    assert [m for m in modules if m.startswith(("pydantic", "yaml", "pluggy"))] == []


@pytest.mark.slow  # fresh interpreters: what a `kpi` process imports
def test_a_cold_start_registers_no_connector(tmp_path, env):
    """Building the registry loads plugins for their spec packs, tables and rules; their
    connectors (HTTP client and all) are registered only when a command uses them."""
    _, modules = kpi(["list", "--format", "json"], env, tmp_path)
    assert "kpi_engine_plugins.catalog" in modules  # plugins were loaded: a cold start
    assert [m for m in modules if m.endswith(".connector") or m == "httpx"] == []
    from kpi_engine.extensions import extensions

    assert {"files", "shopify"} <= set(extensions().connectors)  # asked for: registered


PACK_PLUGIN = """
from pathlib import Path

from kpi_engine import hookimpl


@hookimpl
def kpi_register_spec_packs(register):
    register("startup_pack", Path(__file__).parent / "specs")
"""

PACK_SPEC = """
metrics:
  - {name: startup_pack_orders, type: count, source: startup_orders}
"""


@pytest.mark.slow  # fresh interpreters: what a `kpi` process imports
def test_a_stale_cache_is_rebuilt_for_an_edited_spec_and_an_installed_plugin(tmp_path,
                                                                            env):
    """The same command after a spec is edited, then after a plugin with a spec pack is
    installed (its package and dist-info folder on the path, as pip leaves them): each
    rebuilds the registry (pydantic imported again, a new entry) and shows the change."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "startup.yaml").write_text(SPEC)
    site = tmp_path / "site"
    site.mkdir()
    env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(site),
                                                             env.get("PYTHONPATH")])),
           # without the catalog pack, so that each rebuild is quick
           "KPI_ENGINE_LOAD_PLUGINS": "files,builtin_warehouses,startup_pack"}
    args = ["--specs", str(specs), "list", "--format", "json"]
    cache = tmp_path / "cache"
    kpi(args, env, tmp_path)
    _, warm = kpi(args, env, tmp_path)
    assert not any(m.startswith("pydantic") for m in warm)  # served from the cache

    spec = specs / "startup.yaml"
    spec.write_text(SPEC.replace("startup_revenue", "startup_sales"))
    st = spec.stat()  # a coarse clock must not hide the edit
    os.utime(spec, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    out, modules = kpi(args, env, tmp_path)
    assert {row["name"] for row in json.loads(out)} == {"startup_sales"}
    assert any(m.startswith("pydantic") for m in modules)  # rebuilt and validated
    _, warm = kpi(args, env, tmp_path)
    assert not any(m.startswith("pydantic") for m in warm)

    entries = set(cache.glob("registry-*.pickle"))
    package = site / "startup_pack"
    (package / "specs").mkdir(parents=True)
    (package / "__init__.py").write_text(PACK_PLUGIN)
    (package / "specs" / "orders.yaml").write_text(PACK_SPEC)
    dist = site / "startup_pack-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: startup-pack\n"
                                   "Version: 1.0\n")
    (dist / "entry_points.txt").write_text("[kpi_engine]\nstartup_pack = startup_pack\n")
    out, modules = kpi(args, env, tmp_path)
    assert {row["name"] for row in json.loads(out)} == {"startup_sales",
                                                         "startup_pack_orders"}
    assert any(m.startswith("pydantic") for m in modules)
    assert len(set(cache.glob("registry-*.pickle")) - entries) == 1  # a new key


@pytest.mark.slow  # fresh interpreters: what a `kpi` process imports
def test_registering_the_connectors_imports_no_sql_compiler(tmp_path, env):
    """A sync registers every installed connector to find the one it runs; their modules
    must not pull in what only their own syncs use (sqlglot for GA4's sessions SQL: about
    0.1 s of every `kpi sync`)."""
    out, modules = kpi(["sync", "shopify", "--help"], env, tmp_path)
    assert "access_token" in out  # the connector's settings: it was registered
    assert "kpi_engine_plugins.ga4.connector" in modules
    assert [m for m in modules if m.startswith("sqlglot")] == []
