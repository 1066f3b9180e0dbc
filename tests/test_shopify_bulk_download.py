"""A bulk operation's JSONL download broken off mid-way is resumed with an HTTP Range
request, against the loopback server: the body cut after its full Content-Length was
promised (``cut``) or a short body that claims to be whole (``truncated``, found short of
the operation's ``fileSize``). A server that ignores Range sends the whole file again,
which is then written from zero: the file is byte for byte the served one, no line twice."""

from __future__ import annotations

import pytest

from kpi_engine.errors import KpiError
from kpi_engine.testing import ReplayServer
from kpi_engine.testing.conformance import tables_of

from .shopify_fake import BULK_FILE, FakeShopify
from .test_shopify_sync import CASE, TOKEN, sync


def _connector(server: ReplayServer, **settings):
    from kpi_engine.extensions import connector_class
    from kpi_engine.sync.engine import build_settings

    cls = connector_class("shopify")
    return cls(build_settings(cls, {"base_url": server.url, "access_token": TOKEN,
                                    "retry_initial_delay": 0.01, **settings}))


@pytest.mark.parametrize("fault", ["cut", "truncated"])
def test_a_broken_download_resumes_where_it_stopped(tmp_path, fault):
    from kpi_engine_plugins.shopify.bulk_download import download

    with ReplayServer() as server:
        fake = FakeShopify(server)
        served = fake.bulk_bytes()
        server.fail(fault, path=BULK_FILE, times=2)  # the first part and the resumed one
        path = tmp_path / "orders.jsonl"
        said: list[str] = []
        size = download(_connector(server), f"{server.url}{BULK_FILE}?sig=abc", path,
                        expected_size=len(served), log=said.append)
        asked = [r.headers.get("range") for r in server.requests_to(BULK_FILE)]
    assert path.read_bytes() == served and size == len(served)
    half = len(served) // 2
    quarter = (len(served) - half) // 2  # the resumed part was cut in half again
    assert asked == [None, f"bytes={half}-", f"bytes={half + quarter}-"]
    assert len(said) == 2 and f"resuming the bulk download at byte {half:,}" in said[0]


def test_a_server_that_ignores_range_sends_the_file_again_from_zero(tmp_path):
    from kpi_engine_plugins.shopify.bulk_download import download

    with ReplayServer() as server:
        fake = FakeShopify(server)
        fake.ranges = False
        served = fake.bulk_bytes()
        server.fail("cut", path=BULK_FILE)
        path = tmp_path / "orders.jsonl"
        download(_connector(server), f"{server.url}{BULK_FILE}", path,
                 expected_size=len(served))
        asked = [r.headers.get("range") for r in server.requests_to(BULK_FILE)]
    assert asked == [None, f"bytes={len(served) // 2}-"]
    data = path.read_bytes()
    assert data == served  # written over from zero, not appended
    lines = data.splitlines()
    assert len(lines) == len(set(lines))


def test_a_download_that_keeps_breaking_is_one_clear_error(tmp_path):
    from kpi_engine_plugins.shopify.bulk_download import download

    with ReplayServer() as server:
        fake = FakeShopify(server)
        served = fake.bulk_bytes()
        server.fail("cut", path=BULK_FILE, times=10)
        with pytest.raises(KpiError) as caught:
            download(_connector(server, retries_per_request=2),
                     f"{server.url}{BULK_FILE}", tmp_path / "orders.jsonl",
                     expected_size=len(served))
    message = str(caught.value)
    assert message.startswith("shopify: the bulk download broke off 3 times")
    assert "the download broke off" in message and "\n" not in message


def test_a_file_longer_than_reported_is_refused(tmp_path):
    from kpi_engine_plugins.shopify.bulk_download import download

    with ReplayServer() as server:
        fake = FakeShopify(server)
        served = fake.bulk_bytes()
        with pytest.raises(KpiError, match=f"{len(served):,} bytes, more than the "
                                           f"{len(served) - 1:,}"):
            download(_connector(server), f"{server.url}{BULK_FILE}",
                     tmp_path / "orders.jsonl", expected_size=len(served) - 1)


def test_a_bulk_sync_with_a_broken_download_gives_the_tables_of_a_calm_one(tmp_path):
    calm, broken = (f"duckdb:///{tmp_path / n}.duckdb" for n in ("calm", "broken"))
    with ReplayServer() as server:
        FakeShopify(server)
        sync(server, calm, bulk="always")
        server.requests.clear()
        server.fail("cut", path=BULK_FILE)
        report = sync(server, broken, bulk="always")
        asked = [r.headers.get("range") for r in server.requests_to(BULK_FILE)]
    assert len(asked) == 2 and asked[0] is None and asked[1].startswith("bytes=")
    assert report.rows["orders"] == 6
    assert tables_of(CASE, broken) == tables_of(CASE, calm)
