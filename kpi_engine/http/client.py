"""The HTTP client every HTTP connector uses: one connection pool per sync, timeouts,
retries with backoff, throttling hooks, checked responses and streamed downloads.

Built on httpx. A request that keeps failing (429, 5xx, connection errors, timeouts) is
retried up to ``RetryPolicy.retries_per_request`` times within the policy's time limit
and the sync's retry budget, then ends the sync with one ``SyncError`` naming the
connector, stream and redacted URL. Other 4xx answers (a wrong token, a missing shop) are
not retried: trying again cannot help.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..errors import SyncError
from .read_size import use_larger_reads
from .redact import MAX_SHOWN, Redactor
from .response import HttpResponse, RequestInfo, ResponseError
from .retry import (
    MAX_RETRY_AFTER,
    RETRY_STATUSES,
    RetryBudget,
    RetryPolicy,
    monotonic,
    parse_retry_after,
)
from .tls import verified_context

use_larger_reads()

# A hook given each successful (2xx) response: seconds to wait before sending the same
# request again (a GraphQL THROTTLED error inside a 200), or None to accept it.
RetryHook = Callable[[HttpResponse], "float | None"]
# A hook given each accepted response: seconds to pause before the next request (a
# cost-based API whose bucket runs low), 0 for none.
PauseHook = Callable[[HttpResponse], float]


class HttpError(SyncError):
    """A request that failed for good: a 4xx answer, or retries exhausted."""

    status: int | None = None  # the HTTP status of a 4xx answer (None: retries exhausted)


@dataclass
class Request:
    """One request to send: a path relative to the base URL, or an absolute URL (a Link
    header's next page)."""

    method: str
    url: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # False for a request that must not be sent twice (a mutation that starts a job):
    # any failure is then reported at once.
    retry: bool = True
    # A form-encoded body (application/x-www-form-urlencoded), e.g. an OAuth token request.
    data: Mapping[str, str] | None = None


class HttpClient:
    """Send requests for one connector in one sync. Use as a context manager."""

    def __init__(self, connector: str, base_url: str, *, headers: Mapping[str, str] | None
                 = None, auth: httpx.Auth | tuple[str, str] | None = None,
                 timeout: float = 30.0, policy: RetryPolicy | None = None,
                 redactor: Redactor | None = None, retry_hook: RetryHook | None = None,
                 pause_hook: PauseHook | None = None, deadline: float | None = None,
                 sleep: Callable[[float], None] = time.sleep, user_agent: str | None = None,
                 log: Callable[[str], None] | None = None):
        self.connector = connector
        self.policy = policy or RetryPolicy()
        self.budget = RetryBudget(self.policy.retry_budget)
        self.redactor = redactor or Redactor()
        self.retry_hook = retry_hook
        self.pause_hook = pause_hook
        self.deadline = deadline  # time.monotonic() after which the sync gives up
        self.sleep = sleep
        self.log = log  # told about each retry and its wait (the sync's progress lines)
        self.requests_sent = 0
        self.retries = 0
        all_headers = {"User-Agent": user_agent or "kpi-engine", "Accept": "application/json"}
        all_headers.update(headers or {})
        self._http = httpx.Client(base_url=base_url.rstrip("/") + "/", headers=all_headers,
                                  auth=auth, timeout=httpx.Timeout(timeout),
                                  follow_redirects=True, verify=verified_context())
        self._origin = _origin(httpx.URL(base_url))
        # For URLs on other hosts (a bulk download on cloud storage): no credentials.
        self._foreign = httpx.Client(headers={"User-Agent": all_headers["User-Agent"]},
                                     timeout=httpx.Timeout(timeout), follow_redirects=True,
                                     verify=verified_context())

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        self._foreign.close()

    # -- simple requests ---------------------------------------------------------------------
    def get(self, url: str, *, params: Mapping[str, Any] | None = None, stream: str = "",
            page: int = 1, headers: Mapping[str, str] | None = None) -> HttpResponse:
        return self.send(Request("GET", url, params, headers=headers or {}), stream=stream,
                         page=page)

    def post(self, url: str, *, json: Any = None, params: Mapping[str, Any] | None = None,
             stream: str = "", page: int = 1, retry: bool = True) -> HttpResponse:
        return self.send(Request("POST", url, params, json, retry=retry), stream=stream,
                         page=page)

    def send(self, request: Request, *, stream: str = "", page: int = 1) -> HttpResponse:
        """Send with retries; the 2xx response, read whole (one page), or an HttpError."""
        raw, info, checked = self._send(request, stream, page, streamed=False)
        return self._accept(checked or self._wrap(raw, info))

    # -- pages ------------------------------------------------------------------------------
    def paginate(self, paginator: Any, *, stream: str) -> Iterator[HttpResponse]:
        """Each page's response in order, following ``paginator`` (see paginators.py).
        Only one response is alive at a time: the caller turns it into a ``Page``."""
        request: Request | None = paginator.first()
        page = 0
        while request is not None:
            page += 1
            response = self.send(request, stream=stream, page=page)
            next_request = paginator.next(request, response)
            yield response
            del response
            request = next_request

    # -- streamed downloads -----------------------------------------------------------------
    def stream_lines(self, url: str, *, stream: str = "", params: Mapping[str, Any] | None
                     = None, method: str = "GET") -> Iterator[str]:
        """The body of a (large) download line by line, never held whole in memory (a
        Shopify bulk operation's JSONL). Failures before the body starts are retried; a
        connection lost mid-body is one HttpError (the caller's pages so far stand)."""
        raw, info, _ = self._send(Request(method, url, params), stream, 1, streamed=True)
        try:
            if raw.status_code >= 300:
                raw.read()
                raise self._status_error(raw, info)
            for line in raw.iter_lines():
                if line:
                    yield line
        except httpx.HTTPError as exc:
            raise HttpError(self.redactor.text(
                f"{info.where()}: the download broke off: {_describe(exc)}")) from None
        finally:
            raw.close()

    @contextmanager
    def download(self, url: str, *, stream: str = "",
                 headers: Mapping[str, str] | None = None) -> Iterator[Download]:
        """A streamed GET whose body is read in chunks (``Download.chunks``), for a file
        saved to disk and resumed with ``Range`` (``headers``). Failures before the body
        starts are retried; a 3xx left over or a 4xx is an HttpError; the body breaking
        off is an HttpError from ``chunks`` (the bytes before it were handed on)."""
        raw, info, _ = self._send(Request("GET", url, headers=dict(headers or {})), stream,
                                  1, streamed=True)
        try:
            if raw.status_code >= 300:
                raw.read()
                raise self._status_error(raw, info)
            yield Download(raw, info, self.redactor)
        finally:
            raw.close()

    def stream_json_lines(self, url: str, *, stream: str = "",
                          params: Mapping[str, Any] | None = None
                          ) -> Iterator[tuple[int, Any]]:
        """``(line number, parsed JSON)`` for each line of a JSON Lines download; a line
        that is not JSON is one ResponseError naming the stream and the line."""
        info = RequestInfo(self.connector, stream or "-", 1, self.redactor.url(url))
        for number, line in enumerate(self.stream_lines(url, stream=stream, params=params),
                                      start=1):
            try:
                yield number, json.loads(line)
            except ValueError as exc:
                raise ResponseError(self.redactor.text(
                    f"{info.where()}: line {number} is not JSON ({exc})")) from None

    def _client_for(self, url: str) -> httpx.Client:
        """The API's client (its headers and auth) for its own host; a bare one for an
        absolute URL elsewhere, so a token is never sent to a third party."""
        if "://" not in url:
            return self._http
        try:
            target = httpx.URL(url)
        except (httpx.InvalidURL, ValueError):
            return self._foreign
        return self._http if _origin(target) == self._origin else self._foreign

    # -- the retry loop ---------------------------------------------------------------------
    def _send(self, request: Request, stream: str, page: int, *, streamed: bool
              ) -> tuple[httpx.Response, RequestInfo, HttpResponse | None]:
        http = self._client_for(request.url)
        built = http.build_request(request.method, request.url, params=request.params,
                                   json=request.json, data=request.data,
                                   headers=dict(request.headers))
        info = RequestInfo(self.connector, stream or "-", page,
                           self.redactor.url(str(built.url)))
        started = monotonic()
        attempt = 0
        while True:
            self._check_deadline(info)
            problem: str
            wait_at_least: float | None = None
            try:
                self.requests_sent += 1
                raw = http.send(built, stream=streamed)
            except httpx.TimeoutException as exc:
                problem = f"timed out ({_describe(exc)})"
            except httpx.TransportError as exc:
                problem = f"connection failed ({_describe(exc)})"
            else:
                if raw.status_code in RETRY_STATUSES:
                    wait_at_least = parse_retry_after(raw.headers.get("retry-after"))
                    problem = f"HTTP {raw.status_code}"
                    raw.close()
                elif raw.status_code >= 400:
                    raw.read()
                    raw.close()
                    raise self._status_error(raw, info)
                elif streamed or self.retry_hook is None:
                    return raw, info, None
                else:
                    raw.read()
                    checked = self._wrap(raw, info)
                    wait_at_least = self.retry_hook(checked)
                    if wait_at_least is None:
                        return raw, info, checked
                    problem = "throttled by the API"
            attempt += 1
            if not request.retry:
                self._give_up(info, problem, "1 attempt (this request is never retried)")
            wait = self.policy.backoff(attempt, wait_at_least)
            spent = monotonic() - started
            if attempt > self.policy.retries_per_request:
                self._give_up(info, problem, f"{attempt} attempts")
            if spent + wait > self.policy.time_limit:
                self._give_up(info, problem, f"{attempt} attempt(s) in {spent:.0f}s "
                                             f"(retry time limit {self.policy.time_limit:g}s)")
            if not self.budget.take():
                self._give_up(info, problem, f"the sync's retry budget of "
                                             f"{self.budget.total} retries is spent")
            self.retries += 1
            if self.log is not None:
                self.log(self.redactor.text(
                    f"{info.stream} page {info.page}: {problem}; retry {attempt} in "
                    f"{wait:.1f}s"))
            self.sleep(wait)
            # Rebuilt: an httpx request's streamed body cannot be sent twice.
            built = http.build_request(request.method, request.url, params=request.params,
                                       json=request.json, data=request.data,
                                       headers=dict(request.headers))

    def _accept(self, response: HttpResponse) -> HttpResponse:
        if self.pause_hook is not None:
            pause = self.pause_hook(response)
            if pause and pause > 0:
                self.sleep(min(pause, MAX_RETRY_AFTER))
        return response

    def _wrap(self, raw: httpx.Response, info: RequestInfo) -> HttpResponse:
        links = {}
        try:
            links = {key: value for key, value in raw.links.items()}
        except (ValueError, KeyError):
            pass
        return HttpResponse(raw.status_code, raw.headers, raw.content, info, self.redactor,
                            links)

    def _status_error(self, raw: httpx.Response, info: RequestInfo) -> HttpError:
        body = " ".join(raw.text.split())[:MAX_SHOWN] if raw.content else ""
        hint = {401: " (check the credentials)", 403: " (check the token's permissions)",
                404: " (check base_url and the shop's name)"}.get(raw.status_code, "")
        error = HttpError(self.redactor.text(
            f"{info.where()}: HTTP {raw.status_code} {raw.reason_phrase}{hint}"
            + (f": {body}" if body else "")))
        error.status = raw.status_code
        return error

    def _give_up(self, info: RequestInfo, problem: str, why: str) -> None:
        raise HttpError(self.redactor.text(f"{info.where()}: gave up after {why}; last "
                                           f"problem: {problem}"))

    def _check_deadline(self, info: RequestInfo) -> None:
        if self.deadline is not None and monotonic() > self.deadline:
            raise HttpError(self.redactor.text(f"{info.where()}: the sync's time limit "
                                               "was reached"))


class Download:
    """An answer being downloaded: its status and headers, its body in chunks."""

    def __init__(self, raw: httpx.Response, info: RequestInfo, redactor: Redactor):
        self.status = raw.status_code
        self.headers = raw.headers
        self._raw = raw
        self._info = info
        self._redactor = redactor

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives, undecoded (ask for ``Accept-Encoding: identity`` so
        the bytes are the file's); an HttpError if it breaks off."""
        try:
            yield from self._raw.iter_raw()
        except httpx.HTTPError as exc:
            raise HttpError(self._redactor.text(
                f"{self._info.where()}: the download broke off: {_describe(exc)}")) \
                from None


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
