"""`kpi demo` end to end: two years of the sample store through the files connector into
DuckDB, and a value for every shipped metric."""

from __future__ import annotations

import re

from click.testing import CliRunner

from kpi_engine.cli import build_cli
from kpi_engine.registry import load_registry


def test_demo_prints_a_value_for_every_shipped_metric():
    result = CliRunner().invoke(build_cli(), ["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    registry = load_registry()
    shipped = [n for n in registry.metrics if registry.packs.get(n) == "catalog"]
    rows: list[list[str]] = []
    table_started = False
    for line in result.stdout.splitlines():
        if line.startswith("== "):
            table_started = False
        elif line.startswith("-" * 10):
            table_started = True
        elif table_started and line.strip():
            rows.append(re.split(r"\s{2,}", line.strip()))
        else:
            table_started = False
    assert len(rows) == len(shipped)
    for row in rows:
        assert len(row) == 13, row  # the label and twelve months
        assert any(cell != "—" for cell in row[1:]), f"no value at all for {row[0]}"
    domains = {m.domain for n, m in registry.metrics.items() if n in shipped}
    headers = re.findall(r"^== (.+) \((\d+) KPIs\) ==$", result.stdout, flags=re.M)
    assert len(headers) == len(domains)
    assert sum(int(n) for _, n in headers) == len(shipped)
    assert "rows loaded" in result.stderr
