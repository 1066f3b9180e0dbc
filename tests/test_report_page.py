"""`kpi report` without a browser: one tile per KPI, the numbers `kpi eval --format json`
gives, statuses and verdicts by direction and target, escaped labels, nothing fetched
from outside the file, right-to-left Persian. The browser tests open the same pages."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kpi_engine.cli import build_cli

from .report_project import (  # noqa: F401 - report_project_fixture is a fixture
    HOSTILE_LABEL,
    PERIOD,
    eval_json,
    expected_status,
    report_project_fixture,
)

pytest.importorskip("jinja2", reason="the report extra")  # installed by the test extra


@pytest.fixture(scope="module")
def project(report_project):
    return report_project


def run_report(project, lang: str, *extra: str) -> str:
    out = project / f"report-{lang}.html"
    result = CliRunner().invoke(build_cli(), [
        "--project", str(project / "kpi.yaml"), "report", "--output", str(out),
        "--period", PERIOD, "--lang", lang, *extra])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out.resolve())
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page_en(project):
    return run_report(project, "en")


def tiles(page: str) -> dict[str, str]:
    """metric -> the tile's HTML."""
    parts = re.split(r'(?=<article class="tile)', page)
    out = {}
    for part in parts[1:]:
        name = re.search(r'data-metric="([a-z0-9_]+)"', part).group(1)
        out[name] = part[:part.index("</article>")]
    return out


def attr(tile: str, name: str) -> str | None:
    m = re.search(rf'{name}="([^"]*)"', tile)
    return html.unescape(m.group(1)) if m else None


def visible_metrics(project) -> list[str]:
    from kpi_engine.workspace import Workspace

    registry = Workspace(str(project / "kpi.yaml")).registry
    return sorted(n for n, m in registry.metrics.items() if not m.hidden)


def test_a_tile_per_kpi_in_a_section_per_domain(project, page_en):
    assert sorted(tiles(page_en)) == visible_metrics(project)
    assert re.findall(r'<section class="domain" id="domain-(\w+)"', page_en) == ["sales",
                                                                                 "custom"]


def test_numbers_are_those_of_kpi_eval(project, page_en):
    found = tiles(page_en)
    plain = [n for n in found if n != "channel_orders"]
    record = eval_json(project, plain)[0]
    compared = 0
    for name in plain:
        shown = attr(found[name], "data-value")
        if record[name] is None:
            assert shown is None, name
            assert '<div class="value">—</div>' in found[name]
        else:
            assert float(shown) == pytest.approx(record[name], rel=1e-12), name
            compared += 1
    assert compared >= 10


def test_values_are_formatted_by_unit_and_language(project):
    from kpi_engine.cli.formatting import value_text

    page = run_report(project, "vi")
    found = tiles(page)
    record = eval_json(project, ["net_sales", "discount_rate", "orders"])[0]
    for name, unit in (("net_sales", "currency"), ("discount_rate", "percent"),
                       ("orders", "count")):
        text = value_text(record[name], unit, "vi")
        assert f'<div class="value">{html.escape(text)}</div>' in found[name]
    assert "Tỷ lệ chiết khấu" in page and "tháng 3 2024" in page.lower()


def test_status_follows_target_and_direction(project, page_en):
    found = tiles(page_en)
    record = eval_json(project, ["net_sales", "orders", "discount_rate"])[0]
    import yaml

    targets = {t["metric"]: t["value"] for t in
               yaml.safe_load((project / "kpi.yaml").read_text())["targets"]}
    directions = {"net_sales": "higher_is_better", "orders": "higher_is_better",
                  "discount_rate": "lower_is_better"}
    statuses = {}
    for name, target in targets.items():
        status = attr(found[name], "data-status")
        assert status == expected_status(record[name], target, directions[name]), name
        assert f'class="tile status-{status}"' in found[name]
        statuses[name] = status
    assert sorted(statuses.values()) == ["at_risk", "off_track", "on_track"]
    assert "status" not in (attr(found["aov"], "class") or "")  # no target, no status


def test_change_colours_follow_direction(project, page_en):
    found = tiles(page_en)
    march = eval_json(project, ["net_sales", "discount_rate", "orders"])[0]
    feb = eval_json(project, ["net_sales", "discount_rate", "orders"], "--compare",
                    "previous")[0]
    verdicts = []
    for name in ("net_sales", "discount_rate", "orders"):
        prior = feb[f"{name}__prior"]
        change = march[name] - prior
        better_up = name != "discount_rate"
        expected = "unchanged" if change == 0 else (
            "good" if (change > 0) == better_up else "bad")
        tile = found[name]
        kind = re.search(r'class="change verdict-(\w+)" data-kind="previous"', tile)
        assert kind.group(1) == expected, name
        assert feb[f"{name}__verdict"] == expected  # the engine's own verdict agrees
        verdicts.append(expected)
    assert sorted(verdicts) == ["bad", "good", "good"]  # both colours, both directions


def test_breakdown_bars_are_the_slices_kpi_eval_gives(project, page_en):
    tile = tiles(page_en)["channel_orders"]
    rows = eval_json(project, ["channel_orders"], "--by", "channel")
    expected = {("—" if r["channel"] is None else r["channel"]): r["channel_orders"]
                for r in rows}
    shown = {html.unescape(k): float(v) for k, v in
             re.findall(r'<li data-slice="([^"]*)" data-value="([^"]*)"', tile)}
    assert shown == expected
    assert 'data-chart="bars-channel_orders"' in tile


def test_driver_contributions_add_up_to_the_change(project, page_en):
    tile = tiles(page_en)["kept_sales"]
    shown = {k: float(v) for k, v in
             re.findall(r'<li data-driver="(\w+)" data-contribution="([^"]*)"', tile)}
    now = eval_json(project, ["kept_sales", "gross_sales", "discounts"], "--compare",
                    "previous")[0]
    # a sum: each driver's own change, subtracted drivers with their sign
    assert shown == pytest.approx({"gross_sales": now["gross_sales__change"],
                                   "discounts": -now["discounts__change"]})
    assert sum(shown.values()) == pytest.approx(now["kept_sales__change"])
    assert 'data-chart="drivers-kept_sales"' in tile


def test_every_chart_is_a_valid_plotly_figure(page_en):
    import json

    import plotly.graph_objects as go

    found = 0
    for block in ("figures", "lineages"):
        figures = json.loads(html.unescape(re.search(
            rf'<script type="application/json" id="{block}">(.*?)</script>', page_en,
            re.S).group(1)))
        for figure in figures.values():
            go.Figure(figure)  # strict: an unknown property or a bad value raises
            found += 1
    assert found > 30


def test_user_labels_are_escaped(page_en):
    assert HOSTILE_LABEL not in page_en
    assert "<img src=x" not in page_en
    shown = '<h3 class="label">&lt;img src=x onerror=alert(1)&gt; Discounts &amp; &#34;rate&#34;'
    assert shown in page_en


def test_the_page_needs_no_network(page_en):
    # plotly.js is in the file; the page's own markup loads nothing from another address
    # (the browser tests open it with networking disabled)
    assert re.search(r"<script[^>]+src=", page_en) is None
    markup = re.sub(r"<script>.*?</script>", "", page_en, flags=re.S)
    assert re.search(r"""(src|href)=["']?(https?:)?//""", markup) is None
    assert "<link" not in markup and "@import" not in markup
    assert "Plotly.newPlot" in page_en and "plotly.js v" in page_en
    assert len(page_en) > 3_000_000  # the library itself, not a loader


def test_benchmarks_and_lineage_are_on_the_page(project, page_en):
    import json

    lineages = json.loads(html.unescape(re.search(
        r'<script type="application/json" id="lineages">(.*?)</script>', page_en,
        re.S).group(1)))
    aov_nodes = lineages["aov"]["data"][1]["hovertext"]
    assert {"aov", "net_sales", "orders", "source:orders", "source:refunds"} <= set(aov_nodes)


def test_persian_is_right_to_left_and_english_is_not(project, page_en):
    page = run_report(project, "fa")
    assert '<html lang="fa" dir="rtl">' in page
    assert '<html lang="en" dir="ltr">' in page_en
    assert "نرخ تخفیف" in page
    assert "۲۰۲۴" in page  # Persian digits in dates


def test_a_scorecard_shows_its_kpis_only(project):
    page = run_report(project, "ms", "--scorecard", "shop")
    assert sorted(tiles(page)) == sorted(["net_sales", "orders", "discount_rate", "aov",
                                          "channel_orders", "conversion_rate"])


@pytest.mark.parametrize("args, message", [
    (["--scorecard", "shpo"], "unknown scorecard 'shpo'"),
    (["--period", "2024-13"], "--period '2024-13' is not a period"),
    (["--period", "March"], "is not a period"),
])
def test_bad_requests_are_one_line(project, tmp_path, args, message):
    result = CliRunner().invoke(build_cli(), [
        "--project", str(project / "kpi.yaml"), "report", "-o", str(tmp_path / "r.html"),
        *args])
    from kpi_engine.errors import KpiError

    assert isinstance(result.exception, KpiError)  # main() prints it as one line
    assert message in str(result.exception) and "\n" not in str(result.exception)
    assert not (tmp_path / "r.html").exists()


@pytest.mark.slow
def test_kpi_help_imports_no_report_or_server_library():
    code = ("import sys; from kpi_engine.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('jinja2', 'plotly', 'fastapi', 'uvicorn', 'starlette')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
