"""The report in a real browser (Debian's headless Chromium): opened from disk with
networking off it draws every tile and chart, shows the numbers of `kpi eval --format
json`, colours changes and statuses by direction and target, lays Persian out right to
left; a screenshot per language is kept. The live page of `kpi serve` shows the same."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kpi_engine.cli import build_cli
from kpi_engine.cli.formatting import value_text

from .browser import set_offline, start_chromium, wait_ready
from .report_project import (  # noqa: F401 - report_project_fixture is a fixture
    PERIOD,
    eval_json,
    expected_status,
    report_project_fixture,
)

pytestmark = pytest.mark.slow
LANGS = ("en", "vi", "fa", "ms")
GREEN, RED, GREY, AMBER = ("rgb(26, 127, 55)", "rgb(207, 34, 46)", "rgb(87, 96, 106)",
                           "rgb(191, 135, 0)")
VERDICT_COLOURS = {"good": GREEN, "bad": RED, "neutral": GREY, "unchanged": GREY,
                   "none": GREY}
STATUS_COLOURS = {"on_track": GREEN, "at_risk": AMBER, "off_track": RED}


@pytest.fixture(scope="module")
def artefacts() -> Path:
    """Screenshots land here (the path is printed at the end of each browser test):
    $KPI_TEST_ARTEFACTS, else kpi-test-artefacts in the temporary folder (outside pytest's
    own folders, which later runs prune)."""
    import tempfile

    folder = Path(os.environ.get("KPI_TEST_ARTEFACTS") or
                  Path(tempfile.gettempdir(), "kpi-test-artefacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def expected(report_project):
    """What the page must show, from the engine's own JSON output."""
    from kpi_engine.units import unit_of
    from kpi_engine.workspace import Workspace

    registry = Workspace(str(report_project / "kpi.yaml")).registry
    names = sorted(n for n, m in registry.metrics.items() if not m.hidden)
    plain = [n for n in names if not registry.metrics[n].meta.get("breakdown")]
    values = eval_json(report_project, plain)[0]
    from kpi_engine.graph import build_graph, compile_order

    graph = build_graph(registry)  # a KPI built on an offset cannot be compared again
    comparable = [n for n in plain if all(registry.metrics[m].type != "offset"
                                          for m in compile_order(graph, [n]))]
    compared = eval_json(report_project, comparable, "--compare", "previous")[0]
    targets = {t["metric"]: t["value"] for t in
               yaml.safe_load((report_project / "kpi.yaml").read_text())["targets"]}
    return {"names": names, "plain": plain, "values": values, "compared": compared,
            "units": {n: unit_of(registry, n) for n in names}, "targets": targets,
            "directions": {n: registry.metrics[n].direction for n in names}}


def read_page(driver) -> dict:
    """Every tile as the browser shows it."""
    return driver.execute_script("""
      const out = {};
      for (const t of document.querySelectorAll('article.tile')) {
        const r = t.getBoundingClientRect();
        const v = t.querySelector('.value');
        const prev = t.querySelector('.change[data-kind="previous"]');
        const badge = t.querySelector('.status');
        out[t.dataset.metric] = {
          visible: r.width > 0 && r.height > 0 && getComputedStyle(t).visibility !== 'hidden',
          value: v ? v.textContent.trim() : null,
          verdict: prev ? prev.dataset.verdict : null,
          colour: prev ? getComputedStyle(prev.querySelector('.amount')).color : null,
          status: badge ? badge.dataset.status : null,
          badge: badge ? getComputedStyle(badge).backgroundColor : null,
          // a drawn line has a path with points, not only an empty plot area
          spark: [...t.querySelectorAll('.spark .scatterlayer .point')].length,
          bars: !!t.querySelector('.bars .main-svg'),
        };
      }
      return out;""")


def check_page(driver, expected, lang: str) -> None:
    shown = read_page(driver)
    assert sorted(shown) == expected["names"]
    assert all(t["visible"] for t in shown.values())
    for name in expected["plain"]:
        tile, value = shown[name], expected["values"][name]
        # the number of `kpi eval --format json`, formatted for the language
        assert tile["value"] == value_text(value, expected["units"][name], lang), name
        prior = expected["compared"].get(f"{name}__prior")
        if value is not None and prior is not None:
            assert tile["verdict"] == expected["compared"][f"{name}__verdict"], name
            assert tile["colour"] == VERDICT_COLOURS[tile["verdict"]], name
        if value is not None:
            assert tile["spark"] >= 1, f"{name}: sparkline not drawn"
        if name in expected["targets"]:
            status = expected_status(value, expected["targets"][name],
                                     expected["directions"][name])
            assert tile["status"] == status and tile["badge"] == STATUS_COLOURS[status]
        else:
            assert tile["status"] is None
    assert shown["channel_orders"]["bars"]
    colours = {shown[n]["colour"] for n in ("orders", "discount_rate")}
    assert colours == {GREEN, RED}  # orders fell (bad), the lower-is-better rate fell (good)
    direction = driver.execute_script(
        "return [document.documentElement.dir, getComputedStyle(document.body).direction]")
    assert direction == (["rtl", "rtl"] if lang == "fa" else ["ltr", "ltr"])
    if lang == "fa":  # the title sits on the right
        right, width = driver.execute_script(
            "const r = document.querySelector('header h1').getBoundingClientRect();"
            "return [r.right, document.documentElement.clientWidth]")
        assert right > width - 60


def open_lineage(driver, metric: str) -> None:
    driver.execute_script(
        f"document.querySelector('details.lineage[data-metric=\"{metric}\"]').open = true")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if driver.execute_script(
                f"return !!document.querySelector('details.lineage[data-metric=\"{metric}\"]"
                " .main-svg')"):
            return
        time.sleep(0.1)
    raise AssertionError(f"lineage of {metric} not drawn")


def test_report_from_disk_without_network(report_project, browser, expected, artefacts,
                                          capsys):
    set_offline(browser, True)
    for lang in LANGS:
        out = report_project / f"browser-{lang}.html"
        result = CliRunner().invoke(build_cli(), [
            "--project", str(report_project / "kpi.yaml"), "report", "-o", str(out),
            "--period", PERIOD, "--lang", lang])
        assert result.exit_code == 0, result.output
        browser.get(out.resolve().as_uri())
        assert wait_ready(browser) >= len(expected["plain"]) // 2
        check_page(browser, expected, lang)
        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(u.startswith(("file:", "data:", "blob:")) for u in loaded), loaded
        open_lineage(browser, "aov")
        shot = artefacts / f"report-{lang}.png"
        browser.execute_script("document.querySelector('details.lineage').open = false")
        browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 20_000
    with capsys.disabled():
        print(f"\nreport screenshots (en, vi, fa, ms): {artefacts}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(report_project, tmp_path_factory):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "KPI_SERVE_TOKEN"}
    log = tmp_path_factory.mktemp("serve") / "stderr.txt"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kpi_engine", "--project",
             str(report_project / "kpi.yaml"), "serve", "--port", str(port), "--period",
             PERIOD], env=env, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/metrics", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise AssertionError(log.read_text()[-2000:]) from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_live_page_shows_the_same(live_server, browser, expected, artefacts, capsys):
    set_offline(browser, False)  # loopback only: everything else resolves nowhere
    for lang in ("fa",):
        browser.get(f"{live_server}/?lang={lang}")
        wait_ready(browser)
        check_page(browser, expected, lang)
        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(u.startswith(live_server) for u in loaded), loaded
        browser.save_screenshot(str(artefacts / f"live-{lang}.png"))
    with capsys.disabled():
        print(f"\nlive page screenshots: {artefacts}")
