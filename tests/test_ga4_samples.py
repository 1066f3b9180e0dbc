"""GA4 sessionisation against other projects' test data with their expected outputs
(../shared/samples/ga4, README.txt there: origin and licence of each file).

- korneev_*: raw export rows from ArtemKorneevGA/dataform-ga4-sessions (MIT) with the
  package's expected results: purchase_result.json (shipped beside them) and, for the
  source/medium rows, its includes/tests/data/source_medium_result.js, whose values are
  written out below.
- velir_ga4_source_categories.csv: Velir/dbt-ga4's copy of Google's source categories
  (MIT), which our channel grouping's site lists must agree with.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from kpi_engine_plugins.ga4.channel_groups import source_category
from kpi_engine_plugins.ga4.connector import Ga4Connector
from kpi_engine_plugins.ga4.settings import Ga4Settings

from kpi_engine.connectors import SyncContext

SAMPLES = Path(__file__).parent.parent.parent / "shared" / "samples" / "ga4"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present")


def export_of(tmp_path: Path, *names: str) -> Path:
    """The sample rows written as the export's daily JSON Lines files."""
    folder = tmp_path / "export"
    folder.mkdir()
    for name in names:
        for row in json.loads((SAMPLES / name).read_text()):
            with (folder / f"events_{row['event_date']}.jsonl").open("a") as out:
                out.write(json.dumps(row) + "\n")
    return folder


def sessions(folder: Path) -> dict[str, dict]:
    connector = Ga4Connector(Ga4Settings(path=folder))
    # The connector hands its sessions over in columns (Arrow pages).
    rows = [r for page in connector.read(SyncContext(datetime.now(UTC)))
            for r in (page.rows if page.arrow is None else page.arrow.to_pylist())]
    return {r["user_id"]: r for r in rows}


def test_korneev_source_medium(tmp_path):
    got = sessions(export_of(tmp_path, "korneev_source_medium_input.json"))
    # source_medium_result.js: last_click_attribution per user_pseudo_id.
    expected = {
        "950658449.1697698986": ("google", "organic", "Organic Search"),
        "950658449.1697698900": ("google", "cpc", "Paid Search"),  # gclid wins over organic
        "950658449.1697698901": ("www.test.com", "referral", "Referral"),  # by its referrer
    }
    assert {u: (r["source"], r["medium"], r["channel_group"]) for u, r in got.items()} \
        == expected
    # Campaigns: "cpc_campaign" as tagged; GA4's stand-ins "(organic)" (expected there)
    # and "not set" are no campaign here (NULL).
    assert [got[u]["campaign"] for u in expected] == [None, "cpc_campaign", None]
    for row in got.values():  # session_start 2023-10-19 07:03:06.127385 UTC, one event
        assert row["started_at"] == datetime(2023, 10, 19, 7, 3, 6, 127385)
        assert row["duration_seconds"] == 0
        assert row["landing_page"] == "/posts/dataform-cloud-functions/"
        assert (row["country"], row["device_category"]) == ("SE", "mobile")
        assert row["engaged"] is False and row["is_new_user"] is True


def test_korneev_purchase(tmp_path):
    [expected] = json.loads((SAMPLES / "korneev_purchase_result.json").read_text())
    got = sessions(export_of(tmp_path, "korneev_purchase_input.json"))
    [row] = got.values()
    assert row["user_id"] == expected["user_pseudo_id"]
    # event_timestamp "2023-12-15 14:45:59.604143 UTC": the session's only event.
    assert row["started_at"].isoformat(" ") + " UTC" == expected["event_timestamp"]
    assert row["purchased"] is True
    assert row["revenue"] == Decimal(str(expected["value"]))  # 31 EUR, the event's currency
    assert row["landing_page"] == expected["page_location"].split("shop.test.com")[1]
    assert (row["country"], row["device_category"]) == ("DE", "desktop")


def test_korneev_duplicate_events_are_one_session(tmp_path):
    """event_id_input: the same event twice (the expected output keeps two events of one
    session_id); as sessions: one, with GA4's session_engaged "1"."""
    got = sessions(export_of(tmp_path, "korneev_event_id_input.json",
                             "korneev_item_params_input.json"))
    assert sorted(got) == ["107079580.1702642286", "427292018.1702650951"]
    contact = got["107079580.1702642286"]
    assert contact["engaged"] is True and contact["pageviews"] == 0
    assert contact["landing_page"] == "/de-de/kontakt/" and contact["country"] == "CH"


def test_source_categories_agree_with_googles_list():
    by_source: dict[str, set[str]] = {}
    with (SAMPLES / "velir_ga4_source_categories.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            category = row["source_category"].removeprefix("SOURCE_CATEGORY_").lower()
            by_source.setdefault(row["source"].lower(), set()).add(category)
    decided = {s: source_category(s) for s in by_source}
    wrong = {s: c for s, c in decided.items() if c is not None and c not in by_source[s]}
    assert wrong == {}
    # Our lists are shorter than Google's: they must still cover the big names.
    assert sum(c is not None for c in decided.values()) >= 340
    for name in ("google", "bing", "facebook", "instagram", "youtube", "amazon", "ebay",
                 "m.facebook.com", "l.instagram.com", "tiktok"):
        assert source_category(name) is not None, name
