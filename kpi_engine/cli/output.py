"""Render results as a table (formatted by unit), JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any


def format_value(value: Any, unit: str = "number") -> str:
    """A value for people: percentages as %, money with separators, durations readable."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = float(value)
    if unit in ("percent", "rate"):
        return f"{number * 100:.1f}%"
    if unit == "currency":
        return f"{number:,.2f}"
    if unit == "count":
        return f"{number:,.0f}" if number == int(number) else f"{number:,.1f}"
    if unit == "seconds":
        return format_duration(number)
    if unit == "ratio":
        return f"{number:.2f}"
    if abs(number) >= 1000:
        return f"{number:,.0f}"
    return f"{number:.2f}".rstrip("0").rstrip(".") if number != int(number) else f"{number:.0f}"


def format_duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def render_table(headers: list[str], rows: list[list[str]], align_right: set[int] | None = None
                 ) -> str:
    align_right = align_right if align_right is not None else set(range(1, len(headers)))
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in align_right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def records_table(records: list[dict[str, Any]], metrics: list[str], units: dict[str, str],
                  labels: dict[str, str] | None = None) -> str:
    if not records:
        return "(no rows)"
    keys = [k for k in records[0] if k not in metrics]
    headers = keys + [labels.get(m, m) if labels else m for m in metrics]
    rows = [[str(r[k]) if r[k] is not None else "—" for k in keys]
            + [format_value(r[m], units.get(m, "number")) for m in metrics] for r in records]
    return render_table(headers, rows, align_right=set(range(len(keys), len(headers))))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def records_json(records: list[dict[str, Any]]) -> str:
    return json.dumps([{k: _jsonable(v) for k, v in r.items()} for r in records], indent=2,
                      ensure_ascii=False)


def records_csv(records: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    if not records:
        return ""
    writer = csv.DictWriter(buf, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: "" if v is None else _jsonable(v) for k, v in r.items()})
    return buf.getvalue()
