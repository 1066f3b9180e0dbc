"""google_ads and meta_ads against a real loopback server replaying their documented
formats (with a 429 and a 500 injected), their UI CSV exports, and `kpi eval` of CAC and
ROAS worked out by hand."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_engine.cli import build_cli
from kpi_engine.errors import SyncError
from kpi_engine.sync.engine import run_sync
from kpi_engine.testing import ReplayServer
from kpi_engine.warehouses.connect import connect

from .ads_api import (
    GOOGLE_PATH,
    GOOGLE_SPEND,
    GOOGLE_VALUE,
    META_ACCOUNT,
    META_PATH,
    META_SPEND,
    META_VALUE,
    google_result,
    serve_google,
    serve_meta,
    time_range,
)

FAST = {"retry_initial_delay": 0.01, "retry_max_delay": 0.05, "timeout_seconds": 5}


def google_settings(server: ReplayServer, **more) -> dict:
    return {**FAST, "base_url": server.url, "customer_id": "123-456-7890",
            "developer_token": "dev-token-XYZ", "access_token": "ya29.secret-token",
            "start_date": "2024-03-01", "end_date": "2024-03-04", "window_days": 2, **more}


def meta_settings(server: ReplayServer, **more) -> dict:
    return {**FAST, "base_url": server.url, "account_id": f"act_{META_ACCOUNT}",
            "access_token": "EAAB-secret-token", "start_date": "2024-03-01",
            "end_date": "2024-03-04", "page_size": 2, **more}


@pytest.fixture
def wh(tmp_path):
    warehouse = connect("duckdb:///" + str(tmp_path / "ads.duckdb"))
    yield warehouse
    warehouse.close()


def ad_rows(wh, platform: str) -> dict[tuple, tuple]:
    rows = wh.query("SELECT date, campaign, campaign_type, spend, impressions, clicks, "
                    "conversions, conversion_value FROM ad_spend WHERE platform = "
                    f"'{platform}' ORDER BY date, campaign").rows
    return {(r[0].isoformat(), r[1]): tuple(r[2:]) for r in rows}


def test_google_ads_search_stream_with_429_and_500(wh):
    with ReplayServer() as server:
        serve_google(server)
        server.fail("rate_limit", retry_after="0")
        server.fail("server_error", status=500, skip=1)
        report = run_sync("google_ads", wh, google_settings(server))
        requests = server.requests_to(GOOGLE_PATH)
    # Two windows of two days; each first try of a window failed once.
    assert len(requests) == 4
    assert {r.headers["developer-token"] for r in requests} == {"dev-token-XYZ"}
    assert requests[0].headers["authorization"] == "Bearer ya29.secret-token"
    queries = [r.json()["query"] for r in requests]
    assert "BETWEEN '2024-03-01' AND '2024-03-02'" in queries[0]
    assert "BETWEEN '2024-03-03' AND '2024-03-04'" in queries[-1]
    assert report.cursors == {"campaign_days": "2024-03-04"}
    got = ad_rows(wh, "google_ads")
    assert got == {
        ("2024-03-01", "Brand PMax"): ("shopping", Decimal("7.5"), 500, 10, 1.0, Decimal("60")),
        ("2024-03-01", "Spring Search"): ("search", Decimal("12.5"), 1000, 25, 2.0,
                                          Decimal("150")),
        # two campaigns of the same name on one day, in two batches: summed
        ("2024-03-02", "Spring Search"): ("search", Decimal("10"), 700, 20, 1.0, Decimal("40")),
        ("2024-03-03", "Spring Search"): ("search", Decimal("20"), 900, 30, 1.0,
                                          Decimal("100")),
        ("2024-03-03", "Video Launch"): ("video", Decimal("10"), 2000, 0, 0.0, Decimal("0")),
    }
    assert sum(v[1] for v in got.values()) == GOOGLE_SPEND


def test_google_ads_next_sync_looks_back_the_attribution_window(wh):
    with ReplayServer() as server:
        serve_google(server)
        run_sync("google_ads", wh, google_settings(server))
        server.requests.clear()
        again = run_sync("google_ads", wh, google_settings(server, end_date="2024-03-05",
                                                           attribution_days=2, window_days=30))
        [request] = server.requests_to(GOOGLE_PATH)
    assert "BETWEEN '2024-03-02' AND '2024-03-05'" in request.json()["query"]
    assert again.merged["ad_spend"].inserted == 0 and again.merged["ad_spend"].updated == 0


def test_meta_insights_pages_with_429_and_500(wh):
    with ReplayServer() as server:
        serve_meta(server)
        server.fail("server_error", status=500)
        server.fail("rate_limit", retry_after="0", skip=1)
        run_sync("meta_ads", wh, meta_settings(server))
        requests = server.requests_to(META_PATH)
    assert len(requests) == 4  # 2 pages, each tried twice
    first = requests[0]
    assert first.query["level"] == "campaign" and first.query["time_increment"] == "1"
    assert time_range(first) == {"since": "2024-03-01", "until": "2024-03-04"}
    assert json.loads(first.query["action_attribution_windows"]) == ["7d_click", "1d_view"]
    assert "access_token" not in first.query
    assert requests[-1].query["after"] == "c1"
    assert ad_rows(wh, "meta_ads") == {
        # omni_purchase in the two windows asked for: 2 + 1 purchases, 150 + 60
        ("2024-03-01", "Spring Social"): ("social", Decimal("30"), 3000, 40, 3.0,
                                          Decimal("210")),
        ("2024-03-02", "Retargeting"): ("social", Decimal("10"), 800, 8, 0.0, Decimal("0")),
        ("2024-03-02", "Spring Social"): ("social", Decimal("20"), 2000, 25, 1.0,
                                          Decimal("50")),
    }


def test_api_errors_are_one_clear_line(wh):
    with ReplayServer() as server:
        serve_meta(server)
        server.fail("server_error", status=500, times=100)
        with pytest.raises(SyncError) as failed:
            run_sync("meta_ads", wh, meta_settings(server, retries_per_request=1))
    assert "meta_ads" in str(failed.value) and "EAAB-secret-token" not in str(failed.value)
    with pytest.raises(SyncError, match="setting 'access_token' is required"):
        run_sync("meta_ads", wh, {"account_id": "act_1"})
    with pytest.raises(SyncError, match="setting 'customer_id'"):
        run_sync("google_ads", wh, {"customer_id": "12345"})
    with pytest.raises(SyncError, match="setting 'attribution_windows"):
        run_sync("meta_ads", wh, {"attribution_windows": ["30d_click"], "account_id": "1"})


GOOGLE_UI_CSV = """\ufeffCampaign report
"March 1, 2024 - March 2, 2024"
Day,Campaign,Campaign type,Currency code,Cost,Impr.,Clicks,Conversions,Conv. value
2024-03-01,Spring Search,Search,EUR,12.50,"1,000",25,2.00,150.00
2024-03-01,Brand PMax,Performance Max,EUR,7.50,500,10,1.00,60.00
2024-03-02,Spring Search,Search,EUR,"1,005.00","1,400",20,0.00,--
Total: Account,--,--,EUR,"1,025.00","2,900",55,3.00,210.00
"""

META_UI_CSV = """Reporting starts,Reporting ends,Day,Campaign name,Amount spent (EUR),Impressions,\
Link clicks,Clicks (all),Purchases,Purchases conversion value,Attribution setting
2024-03-01,2024-03-02,2024-03-01,Spring Social,30.00,3000,40,55,3,210.00,7-day click or 1-day view
2024-03-01,2024-03-02,2024-03-02,Spring Social,20.00,2000,25,40,,,7-day click or 1-day view
"""


def test_ui_csv_exports(wh, tmp_path):
    google = tmp_path / "google.csv"
    google.write_text(GOOGLE_UI_CSV, encoding="utf-8")
    meta = tmp_path / "meta.tsv"
    meta.write_text(META_UI_CSV.replace(",", "\t"), encoding="utf-16")
    run_sync("google_ads", wh, {"report_csv": str(google)})
    run_sync("meta_ads", wh, {"report_csv": str(meta)})
    assert ad_rows(wh, "google_ads") == {
        ("2024-03-01", "Brand PMax"): ("shopping", Decimal("7.5"), 500, 10, 1.0, Decimal("60")),
        ("2024-03-01", "Spring Search"): ("search", Decimal("12.5"), 1000, 25, 2.0,
                                          Decimal("150")),
        ("2024-03-02", "Spring Search"): ("search", Decimal("1005"), 1400, 20, 0.0,
                                          Decimal("0")),
    }
    assert ad_rows(wh, "meta_ads")[("2024-03-01", "Spring Social")] == (
        "social", Decimal("30"), 3000, 40, 3.0, Decimal("210"))
    google.write_text(GOOGLE_UI_CSV.replace("12.50", "12.5x"), encoding="utf-8")
    with pytest.raises(SyncError, match=r"google.csv:4: column 'Cost': cannot read '12.5x'"):
        run_sync("google_ads", wh, {"report_csv": str(google)})


ORDERS = """order_id,customer_id,created_at,subtotal,total,status
1,c1,2024-03-01T10:00:00Z,100,100,paid
2,c2,2024-03-01T11:00:00Z,50,50,paid
3,c1,2024-03-02T10:00:00Z,80,80,paid
4,c3,2024-03-03T10:00:00Z,40,40,fulfilled
5,c4,2024-03-04T10:00:00Z,60,60,paid
6,c5,2024-03-04T12:00:00Z,70,70,cancelled
"""


@pytest.mark.slow
def test_kpi_sync_then_cac_and_roas_by_hand(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KPI_ENGINE_LOAD_PLUGINS", raising=False)
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text(ORDERS)
    (data / "expenses.csv").write_text("date,category,amount\n2024-03-02,marketing,100\n"
                                       "2024-03-02,rent,500\n")
    url = "duckdb:///" + str(tmp_path / "kpi.duckdb")
    cli = build_cli()

    def sync(*args: str) -> None:
        result = CliRunner().invoke(cli, ["sync", *args, "-w", url])
        assert result.exit_code == 0, result.output

    with ReplayServer() as server:
        serve_google(server)
        serve_meta(server)
        server.fail("rate_limit", retry_after="0", path=GOOGLE_PATH)
        server.fail("server_error", status=500, path=META_PATH)
        for name, settings in (("google_ads", google_settings(server)),
                               ("meta_ads", meta_settings(server))):
            secrets = {k: v for k, v in settings.items() if k.endswith("_token")}
            for key, value in secrets.items():
                monkeypatch.setenv(f"KPI_{name.upper()}_{key.upper()}", value)
            sync(name, *[a for k, v in settings.items() if k not in secrets
                         for a in ("--set", f"{k}={v}")])
    sync("files", "--set", f"path={data}")
    out = CliRunner().invoke(cli, ["eval", "cac", "roas", "ad_spend", "-w", url, "--grain",
                                   "all", "--since", "2024-03-01", "--until", "2024-03-05",
                                   "--format", "json"])
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.output)
    spend = GOOGLE_SPEND + META_SPEND  # 120
    assert row["ad_spend"] == spend
    # New customers c1..c4 (c5's only order was cancelled); marketing expenses 100.
    assert row["cac"] == pytest.approx((spend + 100) / 4)
    assert row["roas"] == pytest.approx((GOOGLE_VALUE + META_VALUE) / spend)


ADS_SAMPLES = Path(__file__).parent.parent.parent / "shared" / "samples" / "ads"


@pytest.mark.skipif(not ADS_SAMPLES.is_dir(), reason="../shared/samples not present")
def test_google_ads_figures_of_fivetran_campaign_stats(wh):
    """Real figures: fivetran/dbt_google_ads' campaign_stats seed (Apache-2.0, see
    ../shared/samples/README.txt), one API result per seed row, replayed as searchStream."""
    folder = ADS_SAMPLES / "google_ads"
    with (folder / "campaign_history_data.csv").open(encoding="utf-8-sig") as fh:
        campaigns = {r["id"]: r for r in csv.DictReader(fh)}
    with (folder / "campaign_stats_data.csv").open(encoding="utf-8-sig") as fh:
        stats = list(csv.DictReader(fh))
    days: dict[str, list] = {}
    for r in stats:
        campaign = campaigns[r["id"]]
        result = google_result(r["date"], r["id"], campaign["name"],
                               campaign["advertising_channel_type"],
                               clicks=int(r["clicks"]), impressions=int(r["impressions"]),
                               conversions=float(r["conversions"]),
                               value=float(r["conversions_value"]))
        result["metrics"]["costMicros"] = r["cost_micros"]
        days.setdefault(r["date"], [[]])[0].append(result)
    with ReplayServer() as server:
        serve_google(server, days)
        run_sync("google_ads", wh, google_settings(
            server, start_date=min(days), end_date=max(days), window_days=31))
    got = ad_rows(wh, "google_ads")
    assert len(got) == len(stats) == 16
    for r in stats:
        row = got[(r["date"], campaigns[r["id"]]["name"])]
        assert row[:4] == ("search", Decimal(r["cost_micros"]) / 1_000_000,
                           int(r["impressions"]), int(r["clicks"]))
    assert sum(v[1] for v in got.values()) == sum(
        Decimal(r["cost_micros"]) for r in stats) / 1_000_000
