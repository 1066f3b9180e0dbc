"""Docs and `kpi show` cite the source articles by title and language (the seed files are
not in the repository), from one table in code; a benchmark prints its number once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_engine.citations import SEED_ARTICLES, benchmark_text, cite, seed_id
from kpi_engine.cli import build_cli
from kpi_engine.specs.models import Benchmark

ROOT = Path(__file__).parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
SEED_FILE = re.compile(r"00[0-4]_[0-9a-f]{16}\.txt")


def test_seed_ids_and_citations():
    assert seed_id("001_71cb18f7db0c770c.txt") == seed_id("seed 001") == "001"
    assert seed_id("https://example.org/kpis") is None and seed_id("009") is None
    text = cite("002_11e11dc37674483c.txt")
    assert text.startswith("seed 002: “5 CHỈ SỐ KPI THƯƠNG MẠI ĐIỆN TỬ B2B")
    assert "Vietnamese" in text
    assert "untitled article headed" in cite("004_55155b42873433c1.txt")
    assert cite("Baymard Institute, 2024") == "Baymard Institute, 2024"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed articles are not on this machine")
def test_titles_are_the_articles_own_words():
    for path in sorted(SEEDS.glob("*.txt")):
        article = SEED_ARTICLES[path.name[:3]]
        assert article.title in path.read_text(encoding="utf-8"), path.name


@pytest.mark.parametrize(("bench", "unit", "shown"), [
    (Benchmark(label="Organic", value=0.33, note="About 33% of traffic.", source="001"),
     "percent", "Organic — About 33% of traffic."),
    (Benchmark(label="E-commerce", min=0.04, max=0.05, note="About 4–5% (Databox).",
               source=""), "percent", "E-commerce — About 4–5% (Databox)."),
    (Benchmark(label="Amazon", value=600, note="about 10 minutes per visit"), "seconds",
     "Amazon: ≈ 600 s — about 10 minutes per visit"),
    (Benchmark(label="Typical", min=0.02, max=0.03), "percent", "Typical: 2% – 3%"),
    (Benchmark(label="Toys", value=350000, note="350,000 toman per order"), "currency",
     "Toys — 350,000 toman per order")])
def test_benchmark_prints_its_number_once(bench, unit, shown):
    assert benchmark_text(bench, unit).split(" (source:")[0] == shown


def test_kpi_show_cites_articles_not_files():
    out = CliRunner().invoke(build_cli(), ["show", "traffic_share"],
                             catch_exceptions=False).output
    line = next(x for x in out.splitlines() if "benchmark:" in x)
    assert not SEED_FILE.search(line)
    assert "seed 001: “۱۵ شاخص کلیدی عملکرد (KPI)" in line and "Persian" in line
    assert "0.33" not in line and line.count("33%") == 1


def test_generated_docs_cite_no_seed_file():
    from kpi_engine.docs_metrics import catalog_pages

    pages = catalog_pages()
    for name, text in pages.items():
        assert not SEED_FILE.search(text), name
    assert "## Sources" in pages["index.md"]
    for ident, article in SEED_ARTICLES.items():
        assert f"| {ident} | {article.title}" in pages["index.md"]
    assert not SEED_FILE.search((ROOT / "docs" / "kpi-catalog.md").read_text(encoding="utf-8"))


def test_the_titles_live_in_one_place():
    title = SEED_ARTICLES["001"].title
    holders = [p.name for p in (ROOT / "kpi_engine").rglob("*.py")
               if title in p.read_text(encoding="utf-8")]
    assert holders == ["citations.py"]
