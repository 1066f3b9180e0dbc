"""``kpi sync`` progress: a live per-stream table on a terminal (rich), plain lines
otherwise (logs, CI), and a per-table summary at the end."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO

import click

from ..sync.progress import PageDone


@dataclass
class _StreamStats:
    table: str
    rows: int = 0
    pages: int = 0


class PlainProgress:
    """One line per page: ``orders: 1,204 rows (page 3, 812 rows/s)``."""

    def __init__(self, out: TextIO | None = None):
        self.out = out
        self.started = time.perf_counter()
        self.total = 0

    def __call__(self, done: PageDone) -> None:
        self.total += done.rows
        rate = self.total / max(time.perf_counter() - self.started, 1e-6)
        checked = "" if done.written else "checked "
        click.echo(f"{done.table}: {done.table_rows:,} rows {checked}(page {done.page}, "
                   f"{rate:,.0f} rows/s)", err=True, file=self.out)

    def log(self, message: str) -> None:
        click.echo(message, err=True, file=self.out)

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class LiveProgress:
    """A table redrawn in place: stream, table, rows, pages, rows per second."""

    def __init__(self, connector: str, console=None):
        from rich.console import Console
        from rich.live import Live

        self.connector = connector
        self.console = console or Console(stderr=True)
        self.streams: dict[str, _StreamStats] = {}
        self.started = time.perf_counter()
        self.live = Live(self._render(), console=self.console, refresh_per_second=8,
                         transient=False)

    def __call__(self, done: PageDone) -> None:
        stats = self.streams.setdefault(done.stream, _StreamStats(done.table))
        stats.rows += done.rows
        stats.pages += 1
        self.live.update(self._render())

    def log(self, message: str) -> None:
        self.live.console.print(message, markup=False, highlight=False)

    def _render(self):
        from rich.table import Table

        elapsed = max(time.perf_counter() - getattr(self, "started", time.perf_counter()),
                      1e-6)
        table = Table(title=f"kpi sync {self.connector}", title_justify="left")
        for name, justify in (("stream", "left"), ("table", "left"), ("rows", "right"),
                              ("pages", "right"), ("rows/s", "right")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for stream, stats in self.streams.items():
            table.add_row(stream, stats.table, f"{stats.rows:,}", f"{stats.pages:,}",
                          f"{stats.rows / elapsed:,.0f}")
        return table

    def __enter__(self) -> LiveProgress:
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.update(self._render())
        self.live.stop()


def progress_for(connector: str, quiet: bool, stream: TextIO | None = None):
    """None when quiet; a live table when stderr is a terminal; plain lines otherwise."""
    if quiet:
        return None
    target = stream or sys.stderr
    if target.isatty():
        return LiveProgress(connector)
    return PlainProgress()


def summary_lines(report) -> list[str]:
    """Per table: rows, inserted, updated, unchanged (where the warehouse can tell)."""
    lines = []
    for table, rows in sorted(report.rows.items()):
        counts = report.merged.get(table)
        if counts is None or None in (counts.inserted, counts.updated, counts.unchanged):
            lines.append(f"  {table}: {rows:,} rows")
        else:
            lines.append(f"  {table}: {counts.inserted:,} inserted, {counts.updated:,} "
                         f"updated, {counts.unchanged:,} unchanged")
    for table, count in sorted(getattr(report, "deleted", {}).items()):
        lines.append(f"  {table}: {count:,} deleted (gone at the source)")
    return lines
