"""The live progress table of `kpi sync` on a terminal, and the summary lines."""

from __future__ import annotations

import io

from rich.console import Console

from kpi_engine.cli.sync_progress import LiveProgress, PlainProgress, progress_for, summary_lines
from kpi_engine.sync.engine import SyncReport
from kpi_engine.sync.progress import PageDone
from kpi_engine.warehouses.base import MergeCounts


def test_live_table_counts_rows_and_pages_per_stream():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    with LiveProgress("shop", console=console) as live:
        live(PageDone("orders", "orders", 250, 250, 1))
        live(PageDone("order_lines", "order_lines", 700, 700, 2))
        live(PageDone("orders", "orders", 120, 370, 3))
        live.log("customers: no rows")
    text = out.getvalue()
    last = text[text.rindex("kpi sync shop"):]
    assert "customers: no rows" in text
    row = next(line for line in last.splitlines() if line.strip("│ ").startswith("orders"))
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert cells[:4] == ["orders", "orders", "370", "2"]
    assert any("order_lines" in line and "700" in line for line in last.splitlines())


class _Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_kind_follows_the_terminal():
    assert progress_for("shop", quiet=True) is None
    assert isinstance(progress_for("shop", False, _Pipe()), PlainProgress)
    assert isinstance(progress_for("shop", False, _Terminal()), LiveProgress)


def test_summary_lines_per_table():
    report = SyncReport("shop", started_at=None)  # type: ignore[arg-type]
    report.rows = {"orders": 5, "refunds": 2}
    report.merged = {"orders": MergeCounts(5, 3, 1, 1),
                     "refunds": MergeCounts(2, None, None, None)}
    assert summary_lines(report) == ["  orders: 3 inserted, 1 updated, 1 unchanged",
                                     "  refunds: 2 rows"]
