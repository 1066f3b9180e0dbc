"""The source articles the catalog cites, and how a benchmark is shown.

Specs name an article by its seed id (``source: 001_71cb18f7db0c770c.txt`` in a
benchmark; "seed 001" in prose). The seed files are not part of the repository, so docs
and ``kpi show`` cite the article by its title and language instead. This table is the
one place that knows them; titles are as the articles print them (the files carry no
URLs). Articles without a title line are cited by their first heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    title: str
    language: str
    about: str  # what it covers, in English
    author: str = ""
    titled: bool = True  # False: ``title`` is the article's first heading


SEED_ARTICLES: dict[str, Article] = {
    "000": Article("Hiệu suất thể hiện cho các quyết định kinh doanh và KPI cho thương mại "
                   "điện tử sẽ thúc đẩy hành động", "Vietnamese",
                   "KPIs for e-commerce by department"),
    "001": Article("۱۵ شاخص کلیدی عملکرد (KPI) که هر فروشگاه اینترنتی باید رصد کند!",
                   "Persian", "15 KPIs every online store should track",
                   author="ابوالفضل منتظری (Abolfazl Montazeri)"),
    "002": Article("5 CHỈ SỐ KPI THƯƠNG MẠI ĐIỆN TỬ B2B QUAN TRỌNG MÀ BẠN KHÔNG NÊN BỎ LỠ",
                   "Vietnamese", "5 B2B e-commerce KPIs not to miss"),
    "003": Article("Tại sao Bạn cần đo lường KPI thương mại điện tử", "Vietnamese",
                   "what makes a good e-commerce KPI; 5 core KPIs", titled=False),
    "004": Article("Metrik E-dagang lwn KPI E-dagang", "Malay",
                   "e-commerce metrics vs KPIs: sales, marketing and customer service",
                   titled=False),
}

_SEED_ID = re.compile(r"^(?:seed\s*)?(\d{3})(?:_[0-9a-f]+\.txt)?$")


def seed_id(source: str) -> str | None:
    """``001_71cb18f7db0c770c.txt``, ``001`` or ``seed 001`` -> ``001``; else None."""
    match = _SEED_ID.match(source.strip())
    return match.group(1) if match and match.group(1) in SEED_ARTICLES else None


def cite(source: str) -> str:
    """An article as a reader can find it: title, language and author; other sources
    (a URL, a book) are shown as written."""
    ident = seed_id(source)
    if ident is None:
        return source
    article = SEED_ARTICLES[ident]
    title = f"“{article.title}”" if article.titled else (
        f"the untitled article headed “{article.title}”")
    by = f" by {article.author}" if article.author else ""
    return f"seed {ident}: {title}{by} ({article.language}; {article.about})"


# -- benchmarks --------------------------------------------------------------------------
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _shown(value: float, unit: str) -> float:
    return value * 100 if unit in ("percent", "rate") else value


def _text(value: float, unit: str) -> str:
    v = _shown(value, unit)
    text = f"{v:g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return text + {"percent": "%", "rate": "%", "seconds": " s", "hours": " h"}.get(unit, "")


def benchmark_range(b, unit: str) -> str:
    """The benchmark's value or range in the metric's unit (0.04–0.05 -> 4%–5%)."""
    if b.min is not None and b.max is not None:
        return f"{_text(b.min, unit)} – {_text(b.max, unit)}"
    if b.value is not None:
        return f"≈ {_text(b.value, unit)}"
    if b.max is not None:
        return f"below {_text(b.max, unit)}"
    if b.min is not None:
        return f"above {_text(b.min, unit)}"
    return ""


def note_states_range(b, unit: str) -> bool:
    """Whether the note already gives every number of the range (then showing the range
    too would print each number twice: "0.33 — About 33% of traffic")."""
    quoted = {float(n.replace(",", "")) for n in _NUMBER.findall(b.note or "")}
    numbers = [abs(_shown(v, unit)) for v in (b.min, b.max, b.value) if v is not None]
    return bool(numbers) and all(any(abs(n - q) < 1e-9 * max(1.0, n) for q in quoted)
                                 for n in numbers)


def benchmark_text(b, unit: str, markdown: bool = False) -> str:
    """One line: label, the range (unless the note states it), the note, the source."""
    label = (f"**{b.label}**" if markdown else b.label) if b.label else ""
    rng = "" if note_states_range(b, unit) else benchmark_range(b, unit)
    text = ": ".join(p for p in (label, rng) if p)
    if b.note:
        text = f"{text} — {b.note}" if text else b.note
    if b.source:
        text += f" (source: {cite(b.source)})"
    return text
