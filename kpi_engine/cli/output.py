"""Render results as a table (formatted by unit), JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from decimal import Decimal
from typing import Any

from .formatting import duration, is_rtl, value_text

LRM = "\u200e"  # left-to-right mark


def format_value(value: Any, unit: str = "number", lang: str = "en",
                 currency: str | None = None) -> str:
    """A value for people: percentages as %, money rounded half up with separators,
    durations readable — in the language's number symbols (see ``formatting``)."""
    return value_text(value, unit, lang, currency)


def format_duration(seconds: float) -> str:
    return duration(seconds)


def display_width(text: str) -> int:
    """Terminal columns: combining marks and format characters (ZWNJ in Persian, LRM)
    take none, East Asian wide characters two."""
    width = 0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def render_table(headers: list[str], rows: list[list[str]], align_right: set[int] | None = None,
                 rtl: bool = False) -> str:
    """A plain-text table. ``rtl`` mirrors it for right-to-left languages: the first
    column on the right, text aligned right; each line starts with a left-to-right mark
    so terminals that apply the bidi algorithm keep the mirrored column order (they still
    shape and order the Persian words inside each cell)."""
    align_right = align_right if align_right is not None else set(range(1, len(headers)))
    widths = [display_width(h) for h in headers]
    for row in rows:
        widths = [max(w, display_width(c)) for w, c in zip(widths, row, strict=True)]

    def line(cells: list[str]) -> str:
        padded = [_pad(c, w, rtl or i in align_right)
                  for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        if rtl:
            return LRM + "  ".join(reversed(padded))
        return "  ".join(padded).rstrip()

    rule = ["-" * w for w in widths]
    out = [line(headers), ("  ".join(reversed(rule)) if rtl else "  ".join(rule))]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def records_table(records: list[dict[str, Any]], metrics: list[str], units: dict[str, str],
                  labels: dict[str, str] | None = None, lang: str = "en",
                  currency: str | None = None) -> str:
    if not records:
        return "(no rows)"
    keys = [k for k in records[0] if k not in metrics]
    headers = keys + [labels.get(m, m) if labels else m for m in metrics]
    rows = [[str(r[k]) if r[k] is not None else "—" for k in keys]
            + [format_value(r[m], units.get(m, "number"), lang, currency) for m in metrics]
            for r in records]
    return render_table(headers, rows, align_right=set(range(len(keys), len(headers))),
                        rtl=is_rtl(lang))


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
