"""`kpi demo` end to end: two years of the sample store through the files connector into
DuckDB, and a value for every shipped metric, in a table a manager can read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_engine.cli import build_cli
from kpi_engine.cli.demo_command import SCORECARD_TITLE
from kpi_engine.registry import load_registry


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    report = tmp_path_factory.mktemp("demo-report") / "report.html"
    result = CliRunner().invoke(build_cli(), ["demo", "--report", str(report)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _rows(stdout: str) -> list[list[str]]:
    """Table rows (after a rule line) of the KPI tables, split into cells at runs of 2+
    spaces; the closing scorecard is read by test_demo_ends_with_the_scorecard."""
    rows: list[list[str]] = []
    in_table = False
    for line in stdout.split(SCORECARD_TITLE)[0].splitlines():
        if line.startswith("-" * 10):
            in_table = True
        elif in_table and line.strip():
            rows.append(re.split(r"\s{2,}", line.strip()))
        else:
            in_table = False
    return rows


def test_demo_prints_a_value_for_every_shipped_metric(demo_run):
    registry = load_registry()
    shipped = [n for n in registry.metrics if registry.packs.get(n) == "catalog"]
    rows = [r for r in _rows(demo_run.stdout) if not r[0].startswith("↳")]
    assert sorted(r[1] for r in rows) == sorted(shipped)  # the metric name beside its label
    for row in rows:
        label, name, cells = row[0], row[1], row[2:]
        assert label.removeprefix("· ").startswith(registry.metrics[name].label_in("en"))
        if cells:  # a broken-down metric's values are on its ↳ rows
            assert len(cells) == 12, row
            assert any(cell != "—" for cell in cells), f"no value at all for {name}"
    domains = {m.domain for n, m in registry.metrics.items() if n in shipped}
    headers = re.findall(r"^== (.+) \((\d+) KPIs\) ==$", demo_run.stdout, flags=re.M)
    assert len(headers) == len(domains)
    assert sum(int(n) for _, n in headers) == len(shipped)
    assert "rows loaded" in demo_run.stderr


def test_labels_are_never_cut(demo_run):
    assert "…" not in "".join(r[0] for r in _rows(demo_run.stdout) if "more" not in r[0])


def test_shares_of_a_total_are_broken_down_not_100_percent(demo_run):
    lines = demo_run.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if re.search(r"\btraffic_share\b", line))
    assert "by marketing_channel" in lines[at]
    assert "100.0%" not in lines[at]
    slices = []
    for line in lines[at + 1:]:
        cells = re.split(r"\s{2,}", line.strip())
        if not cells[0].startswith("↳") or "more" in cells[0]:
            break
        slices.append([float(c.rstrip("%")) for c in cells[1:]])
    assert len(slices) >= 3
    # each channel's share is below the whole, and the largest ones add up to most of it
    assert all(0 < v < 100 for row in slices for v in row)
    january = sum(row[0] for row in slices)
    assert 80 < january <= 100.05
    for name in ("tickets_by_category", "product_orders_a", "product_affinity_support"):
        line = next(line for line in lines if re.search(rf"\b{name}\b", line))
        assert "— by " in line, line


def test_one_number_of_decimals_per_row_and_no_negative_zero(demo_run):
    assert "-0.0%" not in demo_run.stdout and "-0%" not in demo_run.stdout
    for row in _rows(demo_run.stdout):
        cells = [c for c in row[2:] if c != "—"] if not row[0].startswith("↳") else [
            c for c in row[1:] if c != "—"]
        numeric = [c for c in cells if re.fullmatch(r"-?[\d,]+(\.\d+)?[%KM]?", c)]
        decimals = {len(c.rstrip("%KM").partition(".")[2]) for c in numeric}
        suffixes = {c[-1] for c in numeric if c[-1] in "KM"}
        assert len(decimals) <= 1, row
        assert len(suffixes) <= 1, row


def test_each_step_reports_its_own_duration(demo_run):
    timings = re.findall(r"^    .+ \((\d+\.\d)s\)$", demo_run.stderr, flags=re.M)
    assert len(timings) == 4
    total = float(re.search(r"done in (\d+\.\d)s", demo_run.stderr).group(1))
    # per step, not the time since the start: the steps add up to about the total
    assert sum(map(float, timings)) <= total + 0.3
    assert "KPIs evaluated" in demo_run.stderr


def test_demo_ends_with_the_scorecard(demo_run):
    """The store's targets (its targets table and the demo's goals) checked as of
    mid-December: every row has a value, a target and a status, the goals' owners show."""
    from kpi_engine.demo.goals import DEMO_TARGETS

    head, scorecard = demo_run.stdout.split(SCORECARD_TITLE)
    assert "== " not in scorecard.replace(SCORECARD_TITLE, "")  # the last section
    lines = scorecard.strip().splitlines()
    assert lines[0] == "Scorecard (all targets) as of 2025-12-16"
    rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
    rows = []
    for line in lines[rule + 1:]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    assert len(rows) >= 6
    statuses = [next(c for c in r if c[:2] in ("✓ ", "! ", "✗ ")) for r in rows]
    assert {s[2:] for s in statuses} <= {"on track", "at risk", "off track"}
    for row in rows:
        assert "—" not in row[2:4], row  # a value and a target
    owners = {t["owner"] for t in DEMO_TARGETS}
    assert owners <= {r[-1] for r in rows}
    assert "[channel = 'website']" in scorecard  # a slice
    assert re.search(r"^\d+ on track, \d+ at risk, \d+ off track$", lines[-1])


def test_misspelt_domain_says_did_you_mean_before_any_work(tmp_path):
    result = CliRunner().invoke(build_cli(), ["demo", "--domain", "sale",
                                              "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert "did you mean 'sales'?" in str(result.exception)
    assert "1/4" not in result.output  # nothing generated, nothing loaded
    assert not (tmp_path / "d").exists()


def test_every_breakdown_marker_names_dimensions_the_metric_has():
    from kpi_engine.cli.demo_command import breakdown_of
    from kpi_engine.compiler.compiler import compile_request
    from kpi_engine.compiler.request import Request

    registry = load_registry()
    marked = {n: breakdown_of(m) for n, m in registry.metrics.items() if breakdown_of(m)}
    assert {"traffic_share", "tickets_by_category", "product_orders_a"} <= set(marked)
    for name, dims in marked.items():
        compile_request(registry, Request(metrics=(name,), grain="month", dimensions=dims))


def test_demo_writes_its_report_and_prints_the_path(demo_run):
    path = Path(re.search(r"^Report: (.+)$", demo_run.stdout, flags=re.M).group(1))
    page = path.read_text(encoding="utf-8")
    registry = load_registry()
    visible = {n for n, m in registry.metrics.items()
               if not m.hidden and registry.packs.get(n) == "catalog"}
    assert set(re.findall(r'<article class="tile[^"]*"\s+id="tile-(\w+)"', page)) == visible
    assert re.search(r'data-status="(on_track|at_risk|off_track)"', page)  # demo targets
    assert 'data-chart="bars-traffic_share"' in page  # a share of a total, by channel
    assert "Plotly.newPlot" in page and "December 2025" in page
