"""A plain (non-editable) install must carry the catalog and the built-in plugins."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

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


@pytest.mark.slow  # a real wheel build (pip, setuptools in an isolated environment)
def test_wheel_contains_catalog_plugins_and_entry_points(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "-q", "-w", str(tmp_path)], check=True,
                   capture_output=True)
    wheel = next(tmp_path.glob("commerce_kpi_engine-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    specs = [n for n in names if n.startswith("kpi_engine_specs/") and n.endswith(".yaml")]
    assert len(specs) == len(list((ROOT / "metric_specs").glob("*.yaml")))
    assert "kpi_engine_plugins/files/__init__.py" in names
    assert "kpi_engine/py.typed" in names
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "[kpi_engine]" in entry_points and "files = kpi_engine_plugins.files" in entry_points
    assert "kpi = kpi_engine.cli:main" in entry_points
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert f"\nName: {DISTRIBUTION}\n" in metadata
    assert not [n for n in names if n.split("/")[0].endswith((".py", ".pth"))
                or n.split("/")[0] not in (*MAPPING, *_dist_info(names))], \
        "the wheel installs only the three packages and its .dist-info"


def test_cli_reference_is_current():
    from kpi_engine.docs_cli import render_cli_reference

    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render_cli_reference(), (
        "docs/cli.md is stale: run python -m kpi_engine.docs_cli > docs/cli.md")


# "kpi-engine" on PyPI is an unrelated project that also installs kpi_engine: this
# distribution must not take its name, and every install hint must name this one.
DISTRIBUTION = "commerce-kpi-engine"
_HINT = re.compile(r"pip install '?([A-Za-z0-9_.-]+)\[")


def _dist_info(names: list[str]) -> list[str]:
    return sorted({n.split("/")[0] for n in names if ".dist-info/" in n})


def test_distribution_name_is_ours():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["name"] == DISTRIBUTION
    assert meta["scripts"] == {"kpi": "kpi_engine.cli:main"}


def test_every_install_hint_names_this_distribution():
    files = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"),
             *(ROOT / "kpi_engine").rglob("*.py"), *(ROOT / "plugins").rglob("*.py")]
    hints = {(f.relative_to(ROOT).as_posix(), name) for f in files
             for name in _HINT.findall(f.read_text(encoding="utf-8"))}
    assert {f for f, _ in hints} >= {"README.md", "docs/warehouses.md",
                                     "plugins/warehouses/__init__.py"}
    wrong = {(f, n) for f, n in hints if n not in (DISTRIBUTION, ".")}
    assert not wrong, f"install hints naming another distribution: {sorted(wrong)}"


def test_installed_kpi_engine_comes_from_this_distribution_only():
    from importlib.metadata import distributions

    owners = sorted({d.metadata["Name"] for d in distributions() if _installs_kpi_engine(d)})
    assert owners == [DISTRIBUTION], (
        f"kpi_engine is installed by {owners}: pip uninstall every other one (e.g. "
        "kpi-engine), then pip install -e '.[test]'")


def _installs_kpi_engine(dist) -> bool:
    # A *.egg-info that an old build left in the checkout is not an installation.
    if Path(dist.locate_file("")).resolve() == ROOT:
        return False
    top = (dist.read_text("top_level.txt") or "").split()
    return "kpi_engine" in top or any(f.parts[:1] == ("kpi_engine",) for f in dist.files or [])


def test_the_other_kpi_engine_would_be_detected(tmp_path):
    from importlib.metadata import PathDistribution

    info = tmp_path / "kpi_engine-1.0.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kpi-engine\nVersion: 1.0.2\n")
    (info / "RECORD").write_text("kpi_engine/__init__.py,,\nkpi_engine-1.0.2.dist-info/RECORD,,\n")
    assert _installs_kpi_engine(PathDistribution(info))
    (info / "RECORD").write_text("other_pkg/__init__.py,,\n")
    assert not _installs_kpi_engine(PathDistribution(info))
