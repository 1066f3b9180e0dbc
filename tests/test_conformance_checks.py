"""The conformance suite fails connectors that break its rules: each broken connector here
(registered in process, reading the Example Shop API from the replay server) fails the
check about its fault, so a connector passing the suite has really been checked."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from kpi_engine import hookimpl
from kpi_engine.connectors import Page, SyncContext
from kpi_engine.extensions import reset_extensions
from kpi_engine.http import HttpClient, HttpConnector, HttpSettings, JsonCursorPaginator
from kpi_engine.plugins import get_plugin_manager
from kpi_engine.testing import conformance
from kpi_engine.testing.conformance import ConformanceError, ConnectorCase

from .example_shop_api import PER_PAGE, TOKEN, serve


class ShopSettings(HttpSettings):
    base_url: str = "https://api.example-shop.test"
    api_token: SecretStr
    page_size: int = PER_PAGE


class PlainTokenSettings(HttpSettings):
    base_url: str = "https://api.example-shop.test"
    api_token: str  # should be a SecretStr
    page_size: int = PER_PAGE


class CustomerReader(HttpConnector):
    """Reads customers properly; the subclasses below each break one rule."""

    name = "conf_good"
    settings_model = ShopSettings
    tables = ("customers",)

    def headers(self):
        token = self.settings.api_token
        return {"Authorization": "Bearer " + getattr(token, "get_secret_value",
                                                      lambda: token)()}

    def responses(self, http: HttpClient):
        pages = JsonCursorPaginator("/v1/customers", {"limit": self.settings.page_size},
                                    next_cursor_path="next_cursor")
        return http.paginate(pages, stream="customers")

    def rows(self, response) -> list[dict]:
        return [{"customer_id": c["id"], "created_at": c["created_at"],
                 "country": c["country"]} for c in response.get("customers", list)]

    def read_http(self, http: HttpClient, context: SyncContext) -> Iterator[Page]:
        for response in self.responses(http):
            yield Page("customers", self.rows(response), stream="customers")


class Hoarder(CustomerReader):
    """Reads every page before yielding any: memory grows with the shop."""

    name = "conf_hoarder"

    def read_http(self, http, context):
        everything = [self.rows(r) for r in self.responses(http)]
        for rows in everything:
            yield Page("customers", rows, stream="customers")


class Careless(CustomerReader):
    """Pages and parses by hand: a truncated page is a JSON error without stream or page."""

    name = "conf_careless"

    def read_http(self, http, context):
        params = {"limit": self.settings.page_size}
        while True:
            body = json.loads(http.get("/v1/customers", params=params).content)
            yield Page("customers", [{"customer_id": c["id"]} for c in body["customers"]])
            if not body["next_cursor"]:
                return
            params["cursor"] = body["next_cursor"]


class Chatty(CustomerReader):
    name = "conf_chatty"

    def read_http(self, http, context):
        context.progress(f"using token {self.settings.api_token.get_secret_value()}")
        yield from super().read_http(http, context)


class Restamper(CustomerReader):
    """Writes a value that changes on every sync: a second sync updates every row."""

    name = "conf_restamper"
    counter = 0

    def rows(self, response):
        type(self).counter += 1
        return [dict(r, segment=f"run{type(self).counter}") for r in super().rows(response)]


class PlainToken(CustomerReader):
    name = "conf_plain_token"
    settings_model = PlainTokenSettings


class _Plugin:
    @hookimpl
    def kpi_register_connectors(self, register):
        for cls in (CustomerReader, Hoarder, Careless, Chatty, Restamper, PlainToken):
            register(cls)


@pytest.fixture(autouse=True)
def registered():
    pm = get_plugin_manager()
    plugin = _Plugin()
    pm.register(plugin, name="test-conformance-checks")
    reset_extensions()
    yield
    pm.unregister(plugin)
    reset_extensions()


class Case(ConnectorCase):
    def serve(self, server, pages):
        serve(server, pages)


def case(name: str) -> Case:
    return Case(name, secrets={"api_token": TOKEN})


def test_a_good_connector_passes_the_in_process_checks(tmp_path):
    conformance.run(case("conf_good"), tmp_path, only=(
        "settings_model", "second_sync_writes_nothing", "retries", "malformed_page"))


@pytest.mark.slow
def test_bounded_memory_catches_a_connector_holding_every_page(tmp_path):
    conformance.check_bounded_memory(case("conf_good"), tmp_path)
    with pytest.raises(ConformanceError, match="reads ahead of the pages it yields: 1[45] "):
        conformance.check_bounded_memory(case("conf_hoarder"), tmp_path)


def test_malformed_page_catches_an_error_without_stream_and_page(tmp_path):
    with pytest.raises(ConformanceError, match="does not name the connector, stream and "
                                               "page"):
        conformance.check_malformed_page(case("conf_careless"), tmp_path)


def test_secrets_check_catches_a_token_in_the_logs(tmp_path):
    with pytest.raises(ConformanceError, match="a secret appears in the logs") as info:
        conformance.check_secrets_never_printed(case("conf_chatty"), tmp_path)
    assert TOKEN not in str(info.value) and "<SECRET>" in str(info.value)


def test_second_sync_check_catches_rows_rewritten_every_time(tmp_path):
    with pytest.raises(ConformanceError, match="a second sync with nothing new wrote to "
                                               "customers"):
        conformance.check_second_sync_writes_nothing(case("conf_restamper"), tmp_path)


def test_settings_check_catches_a_secret_that_is_not_a_secretstr(tmp_path):
    with pytest.raises(ConformanceError, match="holds a secret but is"):
        conformance.check_settings_model(case("conf_plain_token"), tmp_path)
