"""The example connector of docs/writing-a-connector.md, installed with pip from
plugins/example_shop as a user would, run through its entry point and the conformance
suite."""

from __future__ import annotations

import hashlib
import importlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kpi_engine.testing.conformance import ConnectorConformance

from .example_shop_api import CASE

ROOT = Path(__file__).parent.parent
# One worker installs the package once for the whole module.
pytestmark = pytest.mark.xdist_group("example_shop")


def example_wheel(config, tmp_path_factory) -> Path:
    """The wheel pip builds from plugins/example_shop (in an isolated build environment:
    about 7 CPU s), kept in pytest's cache folder under a hash of the package's files, so
    a later run installs the same wheel instead of building it again."""
    folder = ROOT / "plugins" / "example_shop"
    digest = hashlib.sha256(sys.version.encode())
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and parts[0] != "build" and not parts[0].endswith(".egg-info") \
                and "__pycache__" not in parts:
            digest.update("/".join(parts).encode() + b"\0" + path.read_bytes() + b"\0")
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    store = (cache.mkdir("example-shop-wheel") if cache else
             tmp_path_factory.mktemp("example-wheel")) / digest.hexdigest()[:16]
    if not list(store.glob("*.whl")):
        # Built beside its place (one file system), then renamed: whole or not at all.
        built = Path(tempfile.mkdtemp(prefix="build-", dir=store.parent))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                        str(built), str(folder)], check=True, capture_output=True)
        try:
            built.rename(store)
        except OSError:  # another run put it there first
            shutil.rmtree(built)
    [wheel] = store.glob("*.whl")
    return wheel


@pytest.fixture(scope="module", autouse=True)
def installed_example(request, tmp_path_factory):
    """``pip install`` of the example package (built from plugins/example_shop) into a
    folder of its own, put on the path of this process and of the kpi processes the suite
    starts (the test venv stays as is)."""
    site = tmp_path_factory.mktemp("example-site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), str(example_wheel(request.config, tmp_path_factory))],
                   check=True, capture_output=True)
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


@pytest.mark.slow
def test_kpi_plugins_lists_the_installed_example(installed_example, tmp_path):
    result = subprocess.run([sys.executable, "-m", "kpi_engine", "plugins", "--format",
                             "json"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    import json

    connectors = {c["name"]: c for c in json.loads(result.stdout)["connectors"]}
    assert connectors["example_shop"]["tables"] == ["orders", "order_lines", "customers"]
    settings = {s["name"]: s for s in connectors["example_shop"]["settings"]}
    assert settings["api_token"] == {
        "name": "api_token", "type": "SecretStr", "required": True, "default": None,
        "secret": True, "env": "KPI_EXAMPLE_SHOP_API_TOKEN", "description": ""}
    assert settings["base_url"]["default"] == "https://api.example-shop.test"
    assert settings["lookback_minutes"]["default"] == 60


def test_kpi_sync_help_lists_the_connectors_settings():
    from click.testing import CliRunner

    from kpi_engine.cli import build_cli

    result = CliRunner().invoke(build_cli(), ["sync", "example_shop", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Settings of example_shop" in text
    assert "api_token SecretStr, required; secret: set KPI_EXAMPLE_SHOP_API_TOKEN or " \
           "${VAR} in kpi.yaml" in text
    assert "base_url str, default https://api.example-shop.test. The API's address" in text
    assert "Settings of" not in CliRunner().invoke(build_cli(), ["sync", "--help"]).output


def test_kpi_sync_shows_progress_lines_and_a_summary_per_table(tmp_path, monkeypatch):
    """Not on a terminal: one plain line per page with the rate, then per table what the
    merge did; a second sync of the same pages inserts and updates nothing."""
    from click.testing import CliRunner

    from kpi_engine.cli import build_cli
    from kpi_engine.testing import ReplayServer

    from .example_shop_api import PER_PAGE, TOKEN, serve

    monkeypatch.setenv("KPI_EXAMPLE_SHOP_API_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    with ReplayServer() as server:
        serve(server, 2)
        args = ["sync", "example_shop", "-w", f"duckdb:///{tmp_path}/p.duckdb", "--set",
                f"base_url={server.url}", "--set", f"page_size={PER_PAGE}"]
        first = CliRunner().invoke(build_cli(), args, catch_exceptions=False)
        second = CliRunner().invoke(build_cli(), args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    lines = first.stderr.splitlines()
    assert [line.split(" (")[0] for line in lines[:4]] == [
        "order_lines: 20 rows", "orders: 20 rows", "order_lines: 40 rows", "orders: 40 rows"]
    assert lines[1].startswith("orders: 20 rows (page 2, ") and lines[1].endswith(" rows/s)")
    assert "  orders: 40 inserted, 0 updated, 0 unchanged" in lines
    assert "  customers: 40 inserted, 0 updated, 0 unchanged" in lines
    assert "  orders: 0 inserted, 0 updated, 40 unchanged" in second.stderr.splitlines()
    assert TOKEN not in first.output + first.stderr + second.output + second.stderr


def test_incremental_sync_asks_from_the_cursor_minus_lookback_and_full_refresh_from_start(
        tmp_path):
    from kpi_engine.testing import ReplayServer
    from kpi_engine.testing.conformance import cursors_of, sync_in_process

    from .example_shop_api import order

    url = f"duckdb:///{tmp_path}/inc.duckdb"
    with ReplayServer() as server:
        CASE.serve(server, 2)
        sync_in_process(CASE, server, url)
        newest = order(2 * 20 - 1)["updated_at"]  # the last order of the last page
        assert cursors_of(CASE, url)["orders"] == newest
        first = [r.query for r in server.requests_to("/v1/orders")]
        server.requests.clear()
        sync_in_process(CASE, server, url)
        second = server.requests_to("/v1/orders")[0].query
        server.requests.clear()
        sync_in_process(CASE, server, url, full_refresh=True)
        refreshed = server.requests_to("/v1/orders")[0].query
    assert "updated_since" not in first[0] and first[1]["cursor"] == "p2"
    # lookback_minutes defaults to 60: the newest order's update time minus one hour
    assert newest == "2025-03-03T00:30:00Z"
    assert second["updated_since"] == "2025-03-02T23:30:00Z"
    assert "updated_since" not in refreshed


def test_secret_from_kpi_yaml_variable_is_sent_and_never_shown(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from kpi_engine.cli import build_cli
    from kpi_engine.testing import ReplayServer

    from .example_shop_api import TOKEN, serve

    monkeypatch.setenv("SHOP_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    with ReplayServer() as server:
        serve(server, 1)
        (tmp_path / "kpi.yaml").write_text(
            f"warehouse: duckdb:///{tmp_path}/y.duckdb\n"
            f"connectors:\n  example_shop:\n    base_url: {server.url}\n"
            "    api_token: ${SHOP_TOKEN}\n    lookback_minutes: 5\n", encoding="utf-8")
        ok = CliRunner().invoke(build_cli(), ["sync", "example_shop"],
                                catch_exceptions=False)
        server.fail("server_error", status=403, times=10)
        denied = CliRunner().invoke(build_cli(), ["sync", "example_shop"])
    assert ok.exit_code == 0, ok.output
    assert {r.headers["authorization"] for r in server.requests} == {f"Bearer {TOKEN}"}
    # `kpi` prints a KpiError's text as it is (kpi_engine.cli.main)
    message = str(denied.exception)
    assert type(denied.exception).__name__ == "HttpError" and "\n" not in message
    assert "connector 'example_shop', stream 'orders', page 1" in message
    assert "HTTP 403 Forbidden (check the token's permissions)" in message
    assert "updated_since=2025-03-02T04%3A25%3A00Z" in message  # 5 minutes' lookback
    for text in (ok.output, ok.stderr, message):
        assert TOKEN not in text
