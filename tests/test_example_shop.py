"""The example connector of docs/writing-a-connector.md, installed with pip from
plugins/example_shop as a user would, run through its entry point and the conformance
suite."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from kpi_engine.testing.conformance import ConnectorConformance

from .example_shop_api import CASE

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module", autouse=True)
def installed_example(tmp_path_factory):
    """``pip install plugins/example_shop`` into a folder of its own, put on the path of
    this process and of the kpi processes the suite starts (the test venv stays as is)."""
    site = tmp_path_factory.mktemp("example-site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), str(ROOT / "plugins" / "example_shop")], check=True,
                   capture_output=True)
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(site))
    mp.setenv("PYTHONPATH", str(site))
    importlib.invalidate_caches()
    from kpi_engine import plugins
    from kpi_engine.extensions import reset_extensions

    plugins.reset()
    reset_extensions()
    yield site
    mp.undo()
    plugins.reset()
    reset_extensions()


class TestExampleShopConformance(ConnectorConformance):
    case = CASE


def test_the_docs_show_the_example_as_it_is():
    """docs/writing-a-connector.md shows the package's files whole: they cannot drift."""
    from .test_docs_examples import code_blocks

    blocks = code_blocks(ROOT / "docs" / "writing-a-connector.md")
    shown = {b.lang: b.text for b in blocks if b.text.startswith(('"""kpi-engine', "[build"))}
    folder = ROOT / "plugins" / "example_shop"
    assert shown["python"] == (folder / "kpi_example_shop.py").read_text(encoding="utf-8")
    assert shown["toml"] == (folder / "pyproject.toml").read_text(encoding="utf-8")


def test_kpi_plugins_lists_the_installed_example(installed_example, tmp_path):
    result = subprocess.run([sys.executable, "-m", "kpi_engine", "plugins", "--format",
                             "json"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    import json

    connectors = {c["name"]: c for c in json.loads(result.stdout)["connectors"]}
    assert connectors["example_shop"]["tables"] == ["orders", "order_lines", "customers"]
