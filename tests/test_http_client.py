"""kpi_engine.http against the real loopback ReplayServer: retries, Retry-After, budgets,
timeouts, checked responses, redaction, paginators and streamed downloads."""

from __future__ import annotations

import time

import pytest

from kpi_engine.errors import SyncError
from kpi_engine.http import (
    GraphQLPaginator,
    HttpClient,
    HttpError,
    JsonCursorPaginator,
    LinkHeaderPaginator,
    PageNumberPaginator,
    Redactor,
    ResponseError,
    RetryPolicy,
    parse_retry_after,
)
from kpi_engine.testing import ReplayServer, Reply

FAST = RetryPolicy(retries_per_request=3, retry_budget=10, initial_delay=0.01,
                   max_delay=0.02)
TOKEN = "tok-very-secret-1234"


@pytest.fixture
def server():
    with ReplayServer() as s:
        yield s


def client(server, **kw) -> HttpClient:
    kw.setdefault("policy", FAST)
    kw.setdefault("timeout", 2.0)
    return HttpClient("shop", server.url, **kw)


def test_retries_429_and_5xx_then_succeeds(server):
    server.add("GET", "/orders", {"orders": [1, 2]})
    server.fail("rate_limit", retry_after="0")
    server.fail("server_error", status=502)
    said: list[str] = []
    with client(server, log=said.append) as http:
        response = http.get("/orders", stream="orders", page=4)
    assert response.get("orders", list) == [1, 2]
    assert len(server.requests_to("/orders")) == 3 and http.retries == 2
    assert [line.split(" in ")[0] for line in said] == [
        "orders page 4: HTTP 429; retry 1", "orders page 4: HTTP 502; retry 2"]


def test_retry_after_is_waited_for(server):
    server.add("GET", "/orders", {"orders": []})
    server.fail("rate_limit", retry_after="1")
    slept: list[float] = []
    with client(server, sleep=slept.append) as http:
        http.get("/orders")
    assert slept and slept[0] >= 1.0


def test_retry_after_http_date():
    now = 1_700_000_000.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:40 GMT", now=now) == pytest.approx(20)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-3") == 0.0


def test_backoff_is_capped_and_jittered():
    policy = RetryPolicy(initial_delay=1, max_delay=4)
    waits = [policy.backoff(10) for _ in range(200)]
    assert max(waits) <= 4 and min(waits) >= 0 and len(set(waits)) > 100


def test_endless_5xx_gives_one_error_naming_stream_and_redacted_url(server):
    server.add("GET", "/orders", {"orders": []})
    server.fail("server_error", times=100)
    with client(server, redactor=Redactor([TOKEN])) as http, \
            pytest.raises(HttpError) as info:
        http.get("/orders", params={"access_token": TOKEN, "page": 2}, stream="orders")
    message = str(info.value)
    assert "\n" not in message and "connector 'shop', stream 'orders'" in message
    assert "gave up after 4 attempts" in message and "HTTP 503" in message
    assert TOKEN not in message and "access_token=***" in message and "page=2" in message
    assert len(server.requests) == 4


def test_retry_budget_is_shared_by_the_sync(server):
    server.add("GET", "/a", {})
    server.fail("server_error", times=100)
    policy = RetryPolicy(retries_per_request=5, retry_budget=3, initial_delay=0.0,
                         max_delay=0.0)
    with client(server, policy=policy) as http, pytest.raises(HttpError, match="budget"):
        http.get("/a")
    assert len(server.requests) == 4


def test_timeouts_are_retried(server):
    server.add("GET", "/slow", {"ok": True})
    server.fail("timeout", seconds=1.0)
    with client(server, timeout=0.2) as http:
        assert http.get("/slow").get("ok", bool) is True
    assert len(server.requests) == 2


def test_dropped_connection_is_retried(server):
    server.add("GET", "/x", {"ok": True})
    server.fail("disconnect")
    with client(server) as http:
        assert http.get("/x").json() == {"ok": True}


def test_4xx_is_not_retried_and_body_is_redacted(server):
    server.add("GET", "/x", Reply.json({"error": f"invalid token {TOKEN}"}, 401))
    with client(server, redactor=Redactor([TOKEN])) as http, \
            pytest.raises(HttpError) as info:
        http.get("/x", stream="s")
    assert "HTTP 401" in str(info.value) and "check the credentials" in str(info.value)
    assert TOKEN not in str(info.value) and len(server.requests) == 1


def test_html_page_with_200_is_one_clear_error(server):
    server.add("GET", "/x", {"ok": True})
    server.fail("html")
    with client(server) as http, pytest.raises(ResponseError) as info:
        http.get("/x", stream="orders", page=3).json()
    message = str(info.value)
    assert "stream 'orders', page 3" in message and "HTML page" in message
    assert "502 Bad Gateway" in message


def test_truncated_json_is_one_clear_error(server):
    server.add("GET", "/x", {"orders": [{"id": i} for i in range(20)]})
    server.fail("truncated")
    with client(server) as http, pytest.raises(ResponseError, match="truncated JSON"):
        http.get("/x", stream="orders").json()


def test_wrong_shape_names_the_field(server):
    server.add("GET", "/x", {"meta": {"next": 3}, "orders": {"id": 1}})
    with client(server) as http:
        response = http.get("/x", stream="orders")
        with pytest.raises(ResponseError, match="'orders' should be a list, got an object"):
            response.get("orders", list)
        with pytest.raises(ResponseError, match="'data.items' is missing"):
            response.get("data.items")
        assert response.get("meta.cursor", str, required=False) is None
        with pytest.raises(ResponseError, match="'meta.next' should be a boolean, got int 3"):
            response.get(("meta", "next"), bool)
        assert response.get("meta.next", int) == 3


def test_retry_hook_retries_a_throttled_200(server):
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
    server.add("POST", "/graphql", {"data": {"shop": {"name": "x"}}})
    server.add("POST", "/graphql", lambda req: Reply.json(
        throttled if len(server.requests) == 1 else {"data": {"shop": {"name": "x"}}}))

    def retry_after(response):
        body = response.try_json() or {}
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        return 0.01 if "THROTTLED" in codes else None

    paused = []
    with client(server, retry_hook=retry_after, pause_hook=lambda r: 0.5,
                sleep=paused.append) as http:
        response = http.post("/graphql", json={"query": "{shop{name}}"})
    assert response.get("data.shop.name") == "x" and len(server.requests) == 2
    assert paused[-1] == 0.5  # the pause hook's wait before the next request
    assert server.requests[0].json() == {"query": "{shop{name}}"}


def test_page_number_paginator_follows_total_pages_header(server):
    for page in (1, 2, 3):
        server.add("GET", "/wp-json/wc/v3/orders", Reply.json(
            [{"id": page}], headers={"X-WP-Total": "3", "X-WP-TotalPages": "3"}),
            query={"page": page})
    pages = PageNumberPaginator("/wp-json/wc/v3/orders", {"status": "any"}, per_page=1)
    with client(server) as http:
        bodies = [r.json() for r in http.paginate(pages, stream="orders")]
    assert bodies == [[{"id": 1}], [{"id": 2}], [{"id": 3}]]
    assert [r.query for r in server.requests] == [
        {"status": "any", "page": str(p), "per_page": "1"} for p in (1, 2, 3)]


def test_page_number_paginator_without_header_stops_on_a_short_page(server):
    server.add("GET", "/items", [1, 2], query={"page": 1})
    server.add("GET", "/items", [3], query={"page": 2})
    with client(server) as http:
        got = [r.json() for r in http.paginate(PageNumberPaginator(
            "/items", per_page=2, total_pages_header=None), stream="items")]
    assert got == [[1, 2], [3]]


def test_link_header_paginator(server):
    nxt = f'<{server.url}/orders?page_info=abc&limit=2>; rel="next"'
    server.add("GET", "/orders", Reply.json({"orders": [1, 2]}, headers={"Link": nxt}))
    server.add("GET", "/orders", {"orders": [3]}, query={"page_info": "abc"})
    with client(server) as http:
        got = [r.get("orders") for r in http.paginate(
            LinkHeaderPaginator("/orders", {"limit": 2}), stream="orders")]
    assert got == [[1, 2], [3]]


def test_json_cursor_paginators_gorgias_and_zendesk(server):
    server.add("GET", "/api/tickets", {"data": [1], "meta": {"next_cursor": "c2"}})
    server.add("GET", "/api/tickets", {"data": [2], "meta": {"next_cursor": None}},
               query={"cursor": "c2"})
    server.add("GET", "/api/v2/incremental/tickets/cursor.json",
               {"tickets": [1], "after_cursor": "z1", "end_of_stream": False})
    server.add("GET", "/api/v2/incremental/tickets/cursor.json",
               {"tickets": [2], "after_cursor": "z2", "end_of_stream": True},
               query={"cursor": "z1"})
    with client(server) as http:
        gorgias = [r.get("data") for r in http.paginate(
            JsonCursorPaginator("/api/tickets"), stream="tickets")]
        zendesk = [r.get("tickets") for r in http.paginate(JsonCursorPaginator(
            "/api/v2/incremental/tickets/cursor.json", {"start_time": 0},
            next_cursor_path="after_cursor", end_path="end_of_stream"), stream="tickets")]
    assert gorgias == [[1], [2]] and zendesk == [[1], [2]]


def test_graphql_paginator_follows_page_info(server):
    def answer(request):
        after = request.json()["variables"]["after"]
        nodes, nxt = ([{"id": 1}], "e1") if after is None else ([{"id": 2}], None)
        return Reply.json({"data": {"orders": {
            "edges": [{"node": n} for n in nodes],
            "pageInfo": {"hasNextPage": nxt is not None, "endCursor": nxt or "e2"}}}})

    server.add("POST", "/admin/api/2025-01/graphql.json", answer)
    pages = GraphQLPaginator("/admin/api/2025-01/graphql.json", "query($after: String)"
                             "{orders(first: 1, after: $after){...}}", {"q": "x"},
                             connection_path="data.orders")
    with client(server) as http:
        got = [pages.nodes(r) for r in http.paginate(pages, stream="orders")]
    assert got == [[{"id": 1}], [{"id": 2}]]
    assert [r.json()["variables"] for r in server.requests] == [
        {"q": "x", "after": None}, {"q": "x", "after": "e1"}]


def test_stream_lines_reads_a_large_body_line_by_line(server):
    body = b"".join(b'{"id": %d}\n' % i for i in range(50_000))
    server.add("GET", "/bulk.jsonl", Reply(200, body))
    server.fail("server_error")
    with client(server) as http:
        count = sum(1 for _ in http.stream_lines(f"{server.url}/bulk.jsonl", stream="bulk"))
    assert count == 50_000 and len(server.requests) == 2


def test_deadline_stops_the_sync(server):
    server.add("GET", "/x", {})
    with client(server, deadline=time.monotonic() - 1) as http, \
            pytest.raises(SyncError, match="time limit"):
        http.get("/x")
    assert not server.requests


def test_auth_header_and_basic_auth_are_sent(server):
    server.add("GET", "/x", {})
    with client(server, headers={"Authorization": "Bearer abc"}) as http:
        http.get("/x")
    with client(server, auth=("ck_key", "cs_secret")) as http:
        http.get("/x")
    assert server.requests[0].headers["authorization"] == "Bearer abc"
    assert server.requests[1].headers["authorization"].startswith("Basic ")


def _cost(available: float, requested: int = 100) -> dict:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": None,
                     "throttleStatus": {"maximumAvailable": 1000.0,
                                        "currentlyAvailable": available,
                                        "restoreRate": 50.0}}}


def test_graphql_throttled_waits_for_the_bucket_then_pauses_when_low(server):
    from kpi_engine.http import bucket_pause, throttled_wait

    throttled = {"errors": [{"message": "Throttled", "extensions": {
        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/limits"}}],
        "extensions": _cost(available=20)}
    ok = {"data": {"shop": {"name": "x"}}, "extensions": _cost(available=150)}
    replies = iter([throttled, ok])
    server.add("POST", "/graphql.json", lambda request: Reply.json(next(replies)))
    waits: list[float] = []
    with client(server, retry_hook=throttled_wait, pause_hook=bucket_pause,
                sleep=waits.append) as http:
        response = http.post("/graphql.json", json={"query": "{shop{name}}"})
    assert response.get("data.shop.name") == "x" and len(server.requests) == 2
    # (100 requested - 20 available) / 50 per second; then (250 reserve - 150) / 50
    assert waits[0] >= 1.6 and waits[-1] == pytest.approx(2.0)


def test_graphql_errors_are_one_clear_error(server):
    from kpi_engine.http import check_graphql

    server.add("POST", "/graphql.json", {"data": None, "errors": [
        {"message": "Field 'ordrs' doesn't exist on type 'QueryRoot'",
         "path": ["query", "ordrs"], "extensions": {"code": "undefinedField"}}]})
    pages = GraphQLPaginator("/graphql.json", "{ordrs{...}}", connection_path="data.ordrs")
    with client(server) as http:
        response = http.post("/graphql.json", json={})
        with pytest.raises(ResponseError, match=r"GraphQL errors: Field 'ordrs' doesn't "
                           r"exist on type 'QueryRoot' at query.ordrs \(undefinedField\)"):
            check_graphql(response)
        with pytest.raises(ResponseError, match="stream 'orders', page 1"):
            list(pages.nodes(r) for r in http.paginate(pages, stream="orders"))


def test_stream_json_lines_names_a_bad_line(server):
    server.add("GET", "/bulk.jsonl", Reply(200, b'{"id": 1}\n{"id": 2}\n{"id": 3, "tr\n'))
    with client(server) as http:
        lines = http.stream_json_lines(f"{server.url}/bulk.jsonl", stream="orders_bulk")
        assert next(lines) == (1, {"id": 1}) and next(lines) == (2, {"id": 2})
        with pytest.raises(ResponseError, match="stream 'orders_bulk', page 1 .*: line 3 "
                                                "is not JSON"):
            next(lines)


def test_a_request_marked_not_to_retry_fails_at_once(server):
    server.add("POST", "/graphql.json", {"data": {}})
    server.fail("server_error", status=502)
    with client(server) as http, pytest.raises(HttpError, match=r"never retried\); last "
                                                                 "problem: HTTP 502"):
        http.post("/graphql.json", json={"query": "mutation { bulkOperationRunQuery }"},
                  retry=False)
    assert len(server.requests) == 1


def test_replay_server_routes_by_query_with_a_wildcard_fallback(server):
    server.add("*", "*", lambda request: Reply.json({"fallback": request.path}, 404))
    server.add("GET", "/orders", {"page": "any"})
    server.add("GET", "/orders", {"page": "two"}, query={"page": 2})
    server.add("GET", "/orders", {"page": "two, open"}, query={"page": 2, "status": "open"})
    with client(server) as http:
        assert http.get("/orders", params={"page": 1}).json() == {"page": "any"}
        assert http.get("/orders", params={"page": 2}).json() == {"page": "two"}
        assert http.get("/orders", params={"status": "open", "page": 2}).json() == {
            "page": "two, open"}
        with pytest.raises(HttpError, match="HTTP 404 .*fallback.*/nowhere"):
            http.get("/nowhere")
    assert [r.query for r in server.requests_to("/orders")] == [
        {"page": "1"}, {"page": "2"}, {"status": "open", "page": "2"}]


def test_credentials_are_not_sent_to_another_host(server):
    """A bulk download on cloud storage gets no API token; next pages on the API do."""
    with ReplayServer() as storage:
        storage.add("GET", "/bulk/123.jsonl", Reply(200, b'{"id": 1}\n'))
        server.add("GET", "/orders", Reply.json([], headers={
            "Link": f'<{server.url}/orders?page_info=2>; rel="next"'}))
        server.add("GET", "/orders", [], query={"page_info": "2"})
        with client(server, headers={"X-Shopify-Access-Token": "shpat_x"},
                    auth=("user", "pw")) as http:
            assert list(http.stream_lines(f"{storage.url}/bulk/123.jsonl")) == ['{"id": 1}']
            assert len(list(http.paginate(LinkHeaderPaginator("/orders"), stream="o"))) == 2
        sent = storage.requests[0].headers
    assert "x-shopify-access-token" not in sent and "authorization" not in sent
    assert all(r.headers["x-shopify-access-token"] == "shpat_x" and
               r.headers["authorization"].startswith("Basic ") for r in server.requests)


def test_a_retry_after_beyond_the_time_limit_gives_up_without_waiting(server):
    server.add("GET", "/x", {})
    server.fail("rate_limit", retry_after="120")
    policy = RetryPolicy(retries_per_request=5, time_limit=30, initial_delay=0.01)
    slept: list[float] = []
    with client(server, policy=policy, sleep=slept.append) as http, \
            pytest.raises(HttpError, match=r"retry time limit 30s\); last problem: HTTP 429"):
        http.get("/x", stream="orders")
    assert slept == [] and len(server.requests) == 1


def test_a_large_body_is_read_in_pieces_larger_than_64_kib(server):
    """httpcore's reads are raised to 1 MiB (kpi_engine/http/read_size.py): a bulk file
    of hundreds of MB then goes through h11's parser a sixteenth as often. A read gets
    what has arrived: a body written at once arrives in pieces larger than 64 KiB."""
    body = b"x" * (15 * (1 << 20)) + b"\n"
    server.add("GET", "/bulk.jsonl", Reply(200, body))
    with client(server) as http, http.download("/bulk.jsonl", stream="bulk") as answer:
        sizes = [len(chunk) for chunk in answer.chunks()]
    assert sum(sizes) == len(body)
    assert max(sizes) > 1 << 16, sizes[:20]
