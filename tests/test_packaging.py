"""A plain (non-editable) install must carry the catalog and the built-in plugins."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent
MAPPING = {"kpi_engine": "kpi_engine", "kpi_engine_plugins": "plugins",
           "kpi_engine_specs": "metric_specs"}


def test_every_package_folder_is_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    found = set()
    for package, folder in MAPPING.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *rel.parts]))
    assert found == listed, f"pyproject packages differ: missing {found - listed}, " \
                            f"extra {listed - found}"


def test_wheel_contains_catalog_plugins_and_entry_points(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "-q", "-w", str(tmp_path)], check=True,
                   capture_output=True)
    wheel = next(tmp_path.glob("kpi_engine-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    specs = [n for n in names if n.startswith("kpi_engine_specs/") and n.endswith(".yaml")]
    assert len(specs) == len(list((ROOT / "metric_specs").glob("*.yaml")))
    assert "kpi_engine_plugins/files/__init__.py" in names
    assert "kpi_engine/py.typed" in names
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "[kpi_engine]" in entry_points and "files = kpi_engine_plugins.files" in entry_points
    assert "kpi = kpi_engine.cli:main" in entry_points


def test_cli_reference_is_current():
    from kpi_engine.docs_cli import render_cli_reference

    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render_cli_reference(), (
        "docs/cli.md is stale: run python -m kpi_engine.docs_cli > docs/cli.md")
