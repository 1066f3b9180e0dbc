"""`kpi serve`'s JSON API: the numbers `kpi eval --format json` gives, requests the
compiler refuses answered 4xx before anything reaches the warehouse, the token rule for
non-loopback binds, and the per-request cache."""

from __future__ import annotations

import pytest

from .report_project import (  # noqa: F401 - report_project_fixture is a fixture
    SINCE,
    UNTIL,
    eval_json,
    report_project_fixture,
)
from .serve_support import client

pytest.importorskip("fastapi", reason="the serve extra")  # installed by the test extra


@pytest.fixture(scope="module")
def project(report_project):
    return report_project


@pytest.fixture
def log():
    return []


@pytest.fixture
def api(project, log):
    return client(project, log)


def test_eval_gives_the_numbers_of_kpi_eval(project, api):
    metrics = ["net_sales", "orders", "aov", "discount_rate"]
    got = api.get("/eval", params={"metrics": metrics, "since": "2024-01-01",
                                   "until": UNTIL, "by": "channel"})
    assert got.status_code == 200, got.text
    assert got.json()["records"] == eval_json(project, metrics, "--since", "2024-01-01",
                                              "--by", "channel")
    compared = api.get("/eval", params={"metrics": metrics, "since": SINCE, "until": UNTIL,
                                        "compare": "previous"}).json()["records"]
    assert compared == eval_json(project, metrics, "--compare", "previous")


def test_list_show_compare_check_explain(api):
    names = [m["name"] for m in api.get("/metrics").json()]
    assert "discount_rate" in names and "net_sales" in names
    shown = api.get("/metrics/aov").json()
    assert shown["type"] == "ratio" and shown["depends_on"] == ["net_sales", "orders"]
    assert api.get("/metrics/nope").status_code == 404
    compare = api.get("/compare", params={"metrics": ["orders", "discount_rate"]}).json()
    verdicts = {i["metric"]: i["verdict_previous"] for i in compare["items"]}
    assert verdicts == {"orders": "bad", "discount_rate": "good"}  # by direction
    check = api.get("/check", params={"scorecard": "shop"}).json()
    statuses = {i["metric"]: i["status"] for i in check["items"]}
    assert statuses["net_sales"] == "on_track" and statuses["discount_rate"] == "off_track"
    explain = api.get("/explain", params={"metric": "aov"}).json()
    assert explain["sources"] == ["orders", "refunds"]
    assert explain["sql"].upper().startswith(("SELECT", "WITH"))
    assert explain["drivers"] is None
    tree = api.get("/explain", params={"metric": "kept_sales"}).json()["drivers"]
    parts = {d["metric"]: d["contribution"] for d in tree["tree"]["drivers"]}
    assert sum(parts.values()) == pytest.approx(tree["change"]) and tree["vs"] == "2024-02"


@pytest.mark.parametrize("params", [
    {"metrics": "net_sales", "where": "channel = 'web'; DROP TABLE orders"},
    {"metrics": "net_sales", "where": "channel IN (SELECT channel FROM orders)"},
    {"metrics": "net_sales", "where": "1=1) UNION SELECT * FROM information_schema.tables --"},
    {"metrics": "net_sales", "where": "read_csv('/etc/passwd') IS NOT NULL"},
    {"metrics": "net_sales", "where": "subtotal > 0"},  # a column, not a dimension
    {"metrics": "net_sales; DROP TABLE orders"},
    {"metrics": "net_sales FROM orders --"},
    {"metrics": "net_sales", "by": "channel) UNION SELECT 1 --"},
    {"metrics": "net_sales", "by": "customer_id"},  # not a declared dimension
])
def test_injected_requests_are_refused_and_never_reach_the_warehouse(api, log, params):
    got = api.get("/eval", params=params)
    assert got.status_code == 400, got.text
    assert isinstance(got.json()["detail"], str) and got.json()["detail"]
    assert log == []  # not one statement ran
    assert api.get("/eval", params={"metrics": "orders"}).status_code == 200  # still there


@pytest.mark.parametrize("params, field", [
    ({"metrics": "orders", "grain": "month; DROP TABLE orders"}, "grain"),
    ({"metrics": "orders", "since": "2024-13-01"}, "since"),
    ({}, "metrics"),
    ({"metrics": "orders", "where": ["a = 1"] * 11}, "where"),
])
def test_validation_errors_are_clear_json(api, log, params, field):
    got = api.get("/eval", params=params)
    assert got.status_code == 422
    assert any(field in map(str, e["loc"]) for e in got.json()["detail"])
    assert log == []


def test_results_are_cached_per_request_for_the_ttl(project, log):
    api = client(project, log, cache_ttl=60)
    first = api.get("/eval", params={"metrics": "orders"}).json()
    ran = len(log)
    assert ran >= 1
    assert api.get("/eval", params={"metrics": "orders"}).json() == first
    assert len(log) == ran  # the same request: from the cache
    api.get("/eval", params={"metrics": "orders", "grain": "year"})
    assert len(log) > ran  # another request: evaluated
    uncached, fresh_log = client(project, [], cache_ttl=0), []
    uncached = client(project, fresh_log, cache_ttl=0)
    for _ in range(2):
        uncached.get("/eval", params={"metrics": "orders"})
    assert len(fresh_log) == 2 * ran


def test_a_non_loopback_bind_without_a_token_refuses_every_request(project, log):
    api = client(project, log, loopback=False)
    for path in ("/", "/metrics", "/eval?metrics=orders", "/openapi.json", "/docs"):
        got = api.get(path)
        assert got.status_code == 401, path
        assert "bearer token" in got.json()["detail"]
    assert log == []


def test_with_a_token_only_requests_bearing_it_are_answered(project, log):
    api = client(project, log, token="s3cret-token", loopback=False)
    assert api.get("/metrics").status_code == 401
    assert api.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert api.get("/metrics", headers={"Authorization": "Basic s3cret-token"}
                   ).status_code == 401
    ok = api.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and "s3cret" not in ok.text


def test_kpi_serve_refuses_a_non_loopback_bind_without_a_token(project, monkeypatch):
    from click.testing import CliRunner

    from kpi_engine.cli import build_cli
    from kpi_engine.serve.security import ServeError

    monkeypatch.delenv("KPI_SERVE_TOKEN", raising=False)
    for host in ("0.0.0.0", "192.0.2.10", "::", "example.com"):
        result = CliRunner().invoke(build_cli(), ["--project", str(project / "kpi.yaml"),
                                                  "serve", "--host", host, "--port", "1"])
        assert isinstance(result.exception, ServeError), host
        assert "KPI_SERVE_TOKEN" in str(result.exception)


def test_the_live_page_is_the_report(api):
    page = api.get("/", params={"lang": "fa"})
    assert page.status_code == 200
    assert '<html lang="fa" dir="rtl">' in page.text
    assert '<script src="assets/plotly.min.js">' in page.text
    js = api.get("/assets/plotly.min.js")
    assert js.status_code == 200 and "plotly.js v" in js.text[:400]
