"""A loopback HTTP server that replays recorded API pages and misbehaves on demand.

Tests of an HTTP connector run it on 127.0.0.1 (an ephemeral port) and point the
connector's ``base_url`` at ``server.url``. Routes answer by method, path and query (a
route's ``query`` must be contained in the request's) or by a function of the request;
``fail`` queues faults on the next matching requests: 429 with ``Retry-After``, 5xx, a
stall beyond the client's timeout, a truncated body, an HTML error page with status 200,
a dropped connection, a body cut off mid-way after its full ``Content-Length`` was
promised (``cut``), or a ``hold`` that blocks the request until released (a test then
kills the syncing process there). A ``Reply(ranges=True)`` answers ``Range: bytes=N-``
with 206 and the rest of its body, as a file server does (a resumed download); others
ignore ``Range``. Every request is recorded for assertions.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

FAULTS = ("rate_limit", "server_error", "timeout", "truncated", "html", "disconnect",
          "hold", "cut")


@dataclass
class Reply:
    """What the server answers: status, headers and body (bytes, text, or JSON data)."""

    status: int = 200
    body: Any = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    ranges: bool = False  # answer "Range: bytes=N-" with 206 and the rest of the body

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
             ) -> Reply:
        return cls(status, json.dumps(data).encode(),
                   {"Content-Type": "application/json", **(headers or {})})

    def content(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]  # the last value of each parameter
    headers: dict[str, str]  # names in lower case
    body: bytes
    query_list: list[tuple[str, str]] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Handler = Callable[[RecordedRequest], Reply]


@dataclass
class _Route:
    method: str
    path: str
    query: dict[str, str]
    reply: Reply | Handler


@dataclass
class _Fault:
    kind: str
    method: str | None
    path: str | None
    query: dict[str, str]
    skip: int  # matching requests to let through first
    times: int
    retry_after: str | None = "1"
    status: int = 503
    seconds: float = 5.0

    def matches(self, request: RecordedRequest) -> bool:
        return (self.method in (None, request.method) and self.path in (None, request.path)
                and _contains(request.query, self.query))


class ReplayServer:
    """``with ReplayServer() as server: server.add("GET", "/orders", Reply.json([...]))``"""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, record: bool = True):
        self.record = record  # False: keep no requests (memory checks of long syncs)
        self._routes: list[_Route] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self.request_count = 0  # also counted when not recorded
        self.held = threading.Event()  # set when a ``hold`` fault caught a request
        self._release = threading.Event()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplayServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            kwargs={"poll_interval": 0.05}, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what it serves ---------------------------------------------------------------------
    def add(self, method: str, path: str, reply: Reply | Handler | Any, *,
            query: Mapping[str, Any] | None = None) -> None:
        """Serve ``reply`` (a Reply, a function of the request, or JSON data) for requests
        with this method and path whose query contains ``query``; of several routes the
        one naming most query parameters wins, then the one added last. ``"*"`` as method
        or path matches any (a fallback: exact routes win)."""
        if not isinstance(reply, Reply) and not callable(reply):
            reply = Reply.json(reply)
        with self._lock:
            self._routes.append(_Route(method.upper(), path,
                                       {k: str(v) for k, v in (query or {}).items()}, reply))

    def clear(self) -> None:
        """Forget routes, faults and recorded requests."""
        with self._lock:
            self._routes.clear()
            self._faults.clear()
            self.requests.clear()
            self.request_count = 0
        self.held.clear()
        self._release.clear()

    def fail(self, kind: str, *, times: int = 1, path: str | None = None,
             method: str | None = None, query: Mapping[str, Any] | None = None,
             skip: int = 0, retry_after: str | None = "1", status: int = 503,
             seconds: float = 5.0) -> None:
        """Misbehave on the next ``times`` matching requests, after letting ``skip``
        through: ``rate_limit`` (429 with ``Retry-After``), ``server_error`` (``status``),
        ``timeout`` (answer only after ``seconds``), ``truncated`` (the real body cut in
        half, Content-Length matching), ``html`` (an HTML error page with 200),
        ``disconnect`` (close without answering), ``hold`` (block until ``release()``),
        ``cut`` (the status and the full Content-Length, then half the body, then the
        connection closes: a download broken off mid-way)."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULTS)}")
        with self._lock:
            self._faults.append(_Fault(kind, method.upper() if method else None, path,
                                       {k: str(v) for k, v in (query or {}).items()}, skip,
                                       times, retry_after, status, seconds))

    def faults_left(self) -> int:
        """Injected failures not yet served."""
        with self._lock:
            return sum(f.times for f in self._faults)

    def release(self) -> None:
        """Let requests caught by ``hold`` go on."""
        self._release.set()

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path
                and method in (None, r.method)]

    # -- called by the handler thread --------------------------------------------------------
    def _answer(self, request: RecordedRequest) -> tuple[Reply, _Fault | None]:
        with self._lock:
            self.request_count += 1
            if self.record:
                self.requests.append(request)
            fault = self._take_fault(request)
            route = self._route(request)
        if route is None:
            return Reply.json({"error": f"no route for {request.method} {request.path}"},
                              404), fault
        reply = route.reply if isinstance(route.reply, Reply) else route.reply(request)
        return reply, fault

    def _take_fault(self, request: RecordedRequest) -> _Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.matches(request):
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.times -= 1
                return fault
        return None

    def _route(self, request: RecordedRequest) -> _Route | None:
        best, best_score = None, -1
        for index, route in enumerate(self._routes):
            if route.method in ("*", request.method) and route.path in ("*", request.path) \
                    and _contains(request.query, route.query):
                exact = (route.method != "*") + (route.path != "*")
                score = exact * 10**9 + len(route.query) * 100_000 + index
                if score > best_score:
                    best, best_score = route, score
        return best


def _contains(query: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    return all(query.get(k) == v for k, v in wanted.items())


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def _ranged(request: RecordedRequest, content: bytes, headers: dict[str, str]
            ) -> tuple[int, bytes, dict[str, str]]:
    """A 200 answer as a file server gives it to a ``Range: bytes=A-[B]`` request: 206
    with that part and ``Content-Range``; 416 past the end; the whole body without Range."""
    headers = {**headers, "Accept-Ranges": "bytes"}
    match = _RANGE.match(request.headers.get("range", "").strip())
    if not match:
        return 200, content, headers
    start = int(match.group(1))
    end = min(int(match.group(2)), len(content) - 1) if match.group(2) else len(content) - 1
    if start >= len(content) or end < start:
        return 416, b"", {"Content-Range": f"bytes */{len(content)}"}
    headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
    return 206, content[start:end + 1], headers


HTML_PAGE = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
             b"<body><h1>Bad Gateway</h1><p>The upstream server is unavailable.</p>"
             b"</body></html>")


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: with Nagle's algorithm on, the body waited
        # for the client's delayed ACK of the headers, about 40 ms per answer.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: tests read server.requests instead

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._handle()

        do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET  # noqa: N815

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            request = RecordedRequest(self.command, parts.path, dict(pairs),
                                      {k.lower(): v for k, v in self.headers.items()}, body,
                                      pairs)
            reply, fault = server._answer(request)
            content = reply.content()
            status, headers = reply.status, dict(reply.headers)
            if reply.ranges and status == 200:
                status, content, headers = _ranged(request, content, headers)
            promised: int | None = None  # a Content-Length other than the body's (cut)
            if fault is not None:
                kind = fault.kind
                if kind == "hold":
                    server.held.set()
                    server._release.wait(600)
                elif kind == "disconnect":
                    self.close_connection = True
                    return
                elif kind == "timeout":
                    time.sleep(fault.seconds)
                elif kind == "rate_limit":
                    status, content = 429, b'{"errors": "Too Many Requests"}'
                    headers = {"Content-Type": "application/json"}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = fault.retry_after
                elif kind == "server_error":
                    status = fault.status
                    content = json.dumps({"errors": _phrase(status)}).encode()
                    headers = {"Content-Type": "application/json"}
                elif kind == "truncated":
                    content = content[: max(1, len(content) // 2)]
                elif kind == "cut":
                    promised = len(content)
                    content = content[: len(content) // 2]
                    self.close_connection = True
                elif kind == "html":
                    status, content = 200, HTML_PAGE
                    headers = {"Content-Type": "text/html; charset=utf-8"}
            try:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content) if promised is None
                                                       else promised))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout test)

    return Handler
