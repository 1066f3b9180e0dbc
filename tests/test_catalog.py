"""The shipped catalog (metric_specs/): every canonical name of kpi-catalog.md, every metric
compiling in every dialect, complete labels and metadata, seed corrections stated, and the
generated reference docs (docs/metrics/) up to date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot

from kpi_engine.compiler.compiler import compile_request
from kpi_engine.compiler.dialects import DIALECTS
from kpi_engine.compiler.request import Request
from kpi_engine.errors import CompileError
from kpi_engine.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
# The catalog lives in the project's shared folder; a copy in docs/ is preferred.
# The steering folder shared/ sits beside the project's clone (in CI too).
SHARED = ROOT.parent / "shared"
CATALOG_FILES = (ROOT / "docs" / "kpi-catalog.md", SHARED / "kpi-catalog.md")
SEEDS = SHARED / "seeds"

# Catalog rows whose name is not a metric name, and the metric each one is.
SPACED_NAMES = {"aov by channel": "aov", "cac (fully loaded)": "cac_fully_loaded"}
# Metrics the catalog names inside its cells (sub-metrics, variants).
SUB_METRICS = (
    "csat_positive_share", "support_emails", "support_calls", "support_chats",
    "hours_variance", "unsubscribe_rate", "first_response_time_median",
    "resolution_time_median", "average_review_rating", "clv_historical", "affiliate_roas",
    "product_affinity_support", "product_affinity_confidence", "product_affinity_lift",
    "new_newsletter_subscribers", "checkout_completion_rate", "cac_fully_loaded",
    "production_yield_variance", "oee_availability", "oee_performance", "oee_quality",
    "ole_availability", "ole_performance", "ole_quality", "nps_promoters", "nps_detractors",
    "earned_value", "actual_cost", "customer_lifespan_years",
)
SECTION_DOMAINS = {"Sales": "sales", "Marketing": "marketing",
                   "Customer service": "customer_service", "Production": "production",
                   "Project management": "project_management", "B2B": "b2b"}
# The names as of this writing, used when kpi-catalog.md is not on this machine.
PINNED_CATALOG = {
    "sales": ["gross_sales", "net_sales", "total_sales", "units_sold", "orders", "aov",
              "average_order_size", "cogs", "gross_profit", "gross_margin",
              "operating_expenses", "net_profit", "net_profit_margin", "conversion_rate",
              "add_to_cart_rate", "cart_abandonment_rate", "new_customers",
              "new_customer_orders", "returning_customer_orders", "returning_order_share",
              "purchase_frequency", "repeat_purchase_rate", "customer_retention_rate",
              "churn_rate", "clv", "revenue_per_visitor", "cac", "roas", "market_share",
              "product_affinity", "inventory_on_hand", "sell_through_rate",
              "days_of_inventory", "price_index"],
    "marketing": ["sessions", "users", "new_users", "returning_users",
                  "returning_visitor_rate", "avg_session_duration", "bounce_rate",
                  "pageviews_per_session", "traffic_share", "mobile_traffic_share",
                  "peak_traffic_hour", "newsletter_subscribers", "email_open_rate",
                  "email_click_through_rate", "email_unsubscribes", "chat_sessions_started",
                  "social_followers", "social_engagement_rate", "clicks",
                  "click_through_rate", "average_search_position", "ppc_sessions",
                  "blog_traffic_share", "product_reviews", "display_ad_ctr",
                  "affiliate_revenue", "ad_spend"],
    "customer_service": ["csat", "nps", "hit_rate", "support_tickets",
                         "first_response_time", "resolution_time", "active_issues",
                         "ticket_backlog", "tickets_by_category", "escalation_rate"],
    "production": ["cycle_time", "oee", "ole", "production_yield",
                   "non_compliance_incidents"],
    "project_management": ["hours_worked", "budget", "roi", "cost_variance", "cpi"],
    "b2b": ["online_order_share", "online_retention_rate", "aov by channel",
            "cac (fully loaded)"],
}
LANGUAGES = ("en", "vi", "fa", "ms")
UNITS = {"currency", "percent", "ratio", "count", "seconds", "minutes", "hours", "days",
         "years", "number", "hour_of_day"}
DOMAINS = set(SECTION_DOMAINS.values())


def parse_catalog(text: str) -> dict[str, list[str]]:
    """Domain -> the first column of every row of that section's markdown table."""
    result: dict[str, list[str]] = {}
    domain = None
    for line in text.splitlines():
        heading = re.match(r"^##\s+(.+?)\s*$", line)
        if heading:
            domain = SECTION_DOMAINS.get(heading.group(1))
            continue
        if domain is None or not line.startswith("|"):
            continue
        first = line.strip().strip("|").split("|")[0].strip()
        if first == "name" or set(first) <= set("-: "):
            continue
        result.setdefault(domain, []).append(first)
    return result


def catalog_names() -> dict[str, list[str]]:
    for path in CATALOG_FILES:
        if path.is_file():
            return parse_catalog(path.read_text(encoding="utf-8"))
    return PINNED_CATALOG


def metric_name(catalog_name: str) -> str:
    return SPACED_NAMES.get(catalog_name, catalog_name)


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def catalog_metrics(registry):
    return {n: m for n, m in registry.metrics.items() if registry.packs.get(n) == "catalog"}


# -- (a) every canonical name ---------------------------------------------------------------
def test_catalog_parses_to_the_pinned_names():
    names = catalog_names()
    assert names == PINNED_CATALOG, "kpi-catalog.md changed: update PINNED_CATALOG"


def test_every_canonical_name_is_defined(catalog_metrics):
    names = catalog_names()
    assert sum(len(v) for v in names.values()) >= 80
    missing = [n for rows in names.values() for n in rows
               if metric_name(n) not in catalog_metrics]
    assert missing == []
    spaced = [n for rows in names.values() for n in rows if " " in n]
    assert sorted(spaced) == sorted(SPACED_NAMES), "map every spaced catalog row to a metric"


def test_canonical_metrics_sit_in_their_catalog_domain(catalog_metrics):
    wrong = {n: (catalog_metrics[metric_name(n)].domain, domain)
             for domain, rows in catalog_names().items() for n in rows
             if " " not in n and catalog_metrics[metric_name(n)].domain != domain}
    assert wrong == {}


def test_sub_metrics_named_in_the_catalog_are_defined(registry, catalog_metrics):
    # A sub-metric may live on as an alias of the metric that now carries its meaning
    # (csat_positive_share is csat: the share of satisfied answers).
    catalog_aliases = {a for m in catalog_metrics.values() for a in m.aliases}
    assert [n for n in SUB_METRICS
            if n not in catalog_metrics and n not in catalog_aliases] == []
    assert registry.metric("csat_positive_share").name == "csat"


def test_spaced_rows_work_as_described(registry):
    # "aov by channel": aov broken down by channel (and channel_type, customer_id)
    for dims in (("channel",), ("channel_type",), ("channel", "customer_id")):
        compile_request(registry, Request(metrics=("aov",), grain="month", dimensions=dims))
    assert registry.metrics["cac_fully_loaded"].domain == "b2b"


# -- (b) every metric compiles in every dialect ---------------------------------------------
def _needs_percentile(registry, name: str) -> bool:
    from kpi_engine.graph import build_graph, upstream

    names = {name} | upstream(build_graph(registry), name)
    return any(registry.metrics[n].type in ("median", "percentile")
               for n in names if n in registry.metrics)


def _failures_one_by_one(registry, names, dialect: str) -> dict[str, str]:
    failures = {}
    for name in names:
        try:
            sql = compile_request(registry, Request(metrics=(name,), grain="month",
                                                    dialect=dialect)).sql
            sqlglot.parse_one(sql, read=dialect)
        except CompileError as exc:
            # Engines without an exact percentile aggregate refuse medians, clearly.
            if not (_needs_percentile(registry, name)
                    and "median and percentile metrics cannot run" in str(exc)):
                failures[name] = f"CompileError: {exc}"
        except Exception as exc:  # noqa: BLE001 - collect every failure with its cause
            failures[name] = f"{type(exc).__name__}: {exc}"
    return failures


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_metric_compiles_in_one_statement_and_parses_back(registry, catalog_metrics,
                                                                 dialect):
    """The fast check: the whole catalog in one statement per dialect (every metric's
    expressions rendered in the dialect), parsed back; on failure, each metric alone names
    the culprits."""
    names = sorted(catalog_metrics)
    try:
        sql = compile_request(registry, Request(metrics=tuple(names), grain="month",
                                                dialect=dialect)).sql
        sqlglot.parse_one(sql, read=dialect)
    except Exception as exc:  # noqa: BLE001 - reported with each failing metric below
        failures = _failures_one_by_one(registry, names, dialect)
        assert failures == {}, failures
        if not (isinstance(exc, CompileError)  # medians refused, as alone (tolerated)
                and "median and percentile metrics cannot run" in str(exc)):
            raise AssertionError("every metric compiles alone but not all together") \
                from exc


@pytest.mark.slow  # 11 dialects x ~200 statements: CI runs it, the fast part batches
@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_metric_compiles_alone_and_parses_back(registry, catalog_metrics, dialect):
    assert _failures_one_by_one(registry, sorted(catalog_metrics), dialect) == {}


# -- (c) labels and metadata -----------------------------------------------------------------
def test_every_metric_has_labels_description_unit_direction(catalog_metrics):
    problems = {}
    for name, m in catalog_metrics.items():
        issues = [f"label {lang} missing" for lang in LANGUAGES
                  if not m.label.get(lang, "").strip()]
        if not m.description.strip():
            issues.append("no description")
        for field in ("unit", "direction", "domain"):
            if field not in m.fields_set:
                issues.append(f"{field} not set")
        if m.unit not in UNITS:
            issues.append(f"unknown unit {m.unit!r}")
        if m.domain not in DOMAINS:
            issues.append(f"unknown domain {m.domain!r}")
        if not m.tags:
            issues.append("no tags")
        if issues:
            problems[name] = issues
    assert problems == {}


def test_labels_are_translated(catalog_metrics):
    untranslated = {}
    for name, m in catalog_metrics.items():
        if not re.search(r"[\u0600-\u06ff]", m.label["fa"]):
            untranslated[name] = "fa label is not in Persian script"
        elif m.label["vi"] == m.label["en"] or m.label["ms"] == m.label["en"]:
            untranslated[name] = "vi or ms label equals the English one"
    assert untranslated == {}


def test_metrics_live_in_the_file_of_their_domain(catalog_metrics):
    misplaced = {n: str(m.location) for n, m in catalog_metrics.items()
                 if m.location is None or not str(m.location.file).endswith(f"{m.domain}.yaml")}
    assert misplaced == {}


def test_benchmarks_name_a_seed_file(catalog_metrics):
    seeds = {p.name for p in SEEDS.glob("*.txt")} if SEEDS.is_dir() else None
    bad = {}
    for name, m in catalog_metrics.items():
        for b in m.benchmarks:
            if not re.fullmatch(r"00[0-4]_[0-9a-f]{16}\.txt", b.source) or (
                    seeds is not None and b.source not in seeds):
                bad[name] = b.source
            if b.min is None and b.max is None and b.value is None:
                bad[name] = "benchmark without a value"
    assert bad == {}
    benchmarked = {n for n, m in catalog_metrics.items() if m.benchmarks}
    assert {"conversion_rate", "cart_abandonment_rate", "add_to_cart_rate",
            "roas"} <= benchmarked


def test_seed_benchmarks_have_the_quoted_values(catalog_metrics):
    conv = {(b.min, b.max, b.value) for b in catalog_metrics["conversion_rate"].benchmarks}
    assert (0.02, 0.03, None) in conv and (None, 0.02, None) in conv
    assert (None, None, 0.05) in conv
    abandon = {(b.min, b.max, b.value)
               for b in catalog_metrics["cart_abandonment_rate"].benchmarks}
    assert (0.70, 0.75, None) in abandon
    assert [(b.min, b.max) for b in catalog_metrics["add_to_cart_rate"].benchmarks] == [
        (0.04, 0.05)]
    assert [b.value for b in catalog_metrics["roas"].benchmarks] == [2]


# -- (d) seed corrections and definitions ---------------------------------------------------
@pytest.mark.parametrize("name, seed", [("conversion_rate", "seed 000"),
                                        ("cart_abandonment_rate", "seeds 001 and 004"),
                                        ("roi", "seed 000")])
def test_descriptions_state_the_seed_correction(catalog_metrics, name, seed):
    metric = catalog_metrics[name]
    text = " ".join(metric.description.split())
    assert "Seed correction:" in text
    assert seed in text
    assert metric.meta.get("seed_correction")


def test_choices_are_explicit(catalog_metrics):
    m = catalog_metrics
    assert m["customer_retention_rate"].meta["active_window_days"] == 365
    assert m["churn_rate"].meta["active_window_days"] == 365
    assert "365" in m["customer_retention_rate"].description
    assert "1 / yearly churn" in m["clv"].meta["definition"]
    assert "not engaged" in m["bounce_rate"].description
    assert "refund's period" in m["net_sales"].meta["definition"]
    assert "lift" in m["product_affinity"].meta["definition"]


def test_definitions_follow_common_practice(catalog_metrics):
    """Issue 7, semantics 5 and 7: the industry's definitions, each stated in the
    description beside the seed's where it differs (values: test_catalog_semantics.py)."""
    m = catalog_metrics
    assert (m["csat"].numerator, m["csat"].denominator) == (
        "csat_positive_responses", "csat_responses")
    assert m["csat"].unit == "percent" and "Zendesk" in m["csat"].description
    assert m["csat_average_score"].type == "avg"
    assert m["email_click_through_rate"].denominator == "emails_delivered"
    assert "Mailchimp" in m["email_click_through_rate"].description
    assert m["click_to_open_rate"].denominator == "email_opens"
    assert "click_to_open_rate" not in m["email_click_through_rate"].aliases
    assert m["aov"].numerator == "sales_after_discounts"
    assert "Shopify" in m["aov"].description
    assert m["revenue_per_visitor"].numerator == "sales_after_discounts"
    assert m["first_response_time"].source == "ticket_replies"
    assert m["resolution_time"].source == "ticket_solves"
    assert m["first_response_time_created_cohort"].source == "tickets"
    assert m["resolution_time_created_cohort"].source == "tickets"
    assert all("average_handle_time" not in x.aliases for x in m.values())
    assert "consecutive periods" in " ".join(m["online_retention_rate"].description.split())
    assert "guest" in m["returning_order_share"].description
    for name, unit, direction in (("stock_turnover", "ratio", "higher_is_better"),
                                  ("cpc", "currency", "lower_is_better"),
                                  ("cpm", "currency", "lower_is_better"),
                                  ("contact_rate", "percent", "lower_is_better")):
        assert (m[name].unit, m[name].direction, m[name].hidden) == (unit, direction, False)


def test_entities_are_keyed_by_source(catalog_metrics, registry):
    """Two stores may share customer, order and product ids: every per-entity, snapshot
    and distinct count over a source-keyed table carries the source in its key."""
    m = catalog_metrics
    assert m["inventory_on_hand"].snapshot_by[0] == "source"
    keyed = [n for n, x in m.items() if x.per is not None and x.source == "customer_orders"]
    assert keyed and all(m[n].per.key == "customer_key" for n in keyed)
    for name, x in m.items():
        if x.type == "count_distinct":
            assert x.expr not in ("customer_id", "order_id", "requester_id"), name
    assert "PARTITION BY o.source, o.customer_id" in " ".join(
        registry.sources["customer_orders"].sql.split())


# -- docs/metrics is generated --------------------------------------------------------------
def test_metric_docs_are_current():
    from kpi_engine.docs_metrics import catalog_pages

    folder = ROOT / "docs" / "metrics"
    pages = catalog_pages()
    stale = [name for name, text in pages.items()
             if not (folder / name).is_file()
             or (folder / name).read_text(encoding="utf-8") != text]
    extra = sorted(p.name for p in folder.glob("*.md") if p.name not in pages)
    assert not stale and not extra, (
        f"docs/metrics is stale ({', '.join(stale + extra)}): run "
        "`python -m kpi_engine.docs_metrics` to regenerate it")


def test_domain_page_lists_labels_lineage_and_data(registry):
    from kpi_engine.docs_metrics import render_domain_page

    page = render_domain_page(registry, "sales", pack="catalog")
    section = page.split('<a id="aov"></a>')[1].split("<a id=")[0]
    for text in ("Giá trị trung bình đơn hàng (AOV)", "میانگین ارزش سفارش (AOV)",
                 "Nilai pesanan purata (AOV)", "| Type | ratio |", "| Unit | currency |",
                 "depends on [`orders`](#orders), [`sales_after_discounts`]"
                 "(#sales_after_discounts)",
                 "**Data needed:**", "`orders` (created_at, discounts", "**Benchmarks:**"):
        assert text in section
    # refunds move net sales, never aov (it reads no refund)
    assert "`refunds` (amount, created_at" not in section
    assert "`refunds` (amount, created_at" in page.split('<a id="net_sales"></a>')[1].split(
        "<a id=")[0]
    assert "**Seed correction:**" in page.split('<a id="conversion_rate"></a>')[1]


def test_write_metric_docs(tmp_path, registry):
    from kpi_engine.docs_metrics import write_metric_docs

    written = write_metric_docs(registry, tmp_path, pack="catalog")
    assert sorted(p.name for p in written) == sorted(
        [f"{d}.md" for d in DOMAINS] + ["index.md"])
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert "## Seed corrections" in index and "[`roi`](project_management.md#roi)" in index


def test_kpi_list_json_contains_every_canonical_name():
    import json

    from click.testing import CliRunner

    from kpi_engine.cli import build_cli

    for lang in ("en", "vi", "fa", "ms"):
        result = CliRunner().invoke(build_cli(), ["list", "--format", "json", "--lang", lang])
        assert result.exit_code == 0, result.output
        listed = {row["name"]: row for row in json.loads(result.output)}
        for names in catalog_names().values():
            for name in names:
                assert metric_name(name) in listed, f"kpi list lacks {name}"
        assert listed["conversion_rate"]["label"]  # labels present in every language
    shown = CliRunner().invoke(build_cli(), ["show", "conversion_rate", "--lang", "fa"])
    assert shown.exit_code == 0 and "نرخ" in shown.output.splitlines()[0]
