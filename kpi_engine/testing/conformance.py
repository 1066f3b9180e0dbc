"""Checks every HTTP connector should pass, run in a few lines from its own tests.

Describe the connector once as a ``ConnectorCase`` (its name, its secret settings, and
how to serve N pages of its API on a ``ReplayServer``), then either subclass
``ConnectorConformance`` in a pytest module (one test per check) or call ``run(case,
folder)``. The checks:

- ``settings_model``: a pydantic settings model, secrets as ``SecretStr``, a ``base_url``;
- ``secrets_never_printed``: a ``kpi sync`` that succeeds and one that fails (401) never
  show a secret on stdout, stderr or in logs (httpx's included);
- ``bounded_memory``: the traced peak of a sync of many pages stays close to that of a few;
- ``kill_and_resume``: a ``kpi sync`` process killed (SIGKILL) while it waits for page N,
  run again, gives exactly the tables of one uninterrupted sync;
- ``second_sync_writes_nothing``: a second sync of unchanged data inserts and updates
  nothing;
- ``retries``: a 429, a 500, a dropped connection and a stalled answer on the way are
  retried, and the tables equal those of an undisturbed sync;
- ``malformed_page``: a truncated body and an HTML error page each give one clear error
  line naming the connector, stream and page, and leave tables and cursors unchanged.

Tables are compared as sorted rows of every table the connector lists.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tracemalloc
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from ..errors import KpiError
from .replay_server import ReplayServer

TIMEOUT = 120  # seconds any one kpi process or wait may take


class ConformanceError(AssertionError):
    """A connector failed a conformance check."""


@dataclass
class ConnectorCase:
    """What the suite needs to know about a connector. Subclass and override ``serve``."""

    connector: str
    secrets: Mapping[str, str] = field(default_factory=dict)  # setting -> secret value
    settings: Mapping[str, Any] = field(default_factory=dict)  # other settings
    few_pages: int = 3  # pages per stream for most checks
    many_pages: int = 15  # pages per stream for the memory check
    kill_at_request: int = 3  # the kill test holds this request (1-based)
    # Requests a connector may send beyond the pages it has yielded (raise it for APIs
    # that need several requests per page, such as one per record).
    max_read_ahead: int = 5
    # Requests behind one yielded page: 1, or more for a connector that fetches a detail
    # of each record (Gorgias reads each ticket's messages: 1 + records per page). The
    # read-ahead allowance then grows with the pages yielded, so such a connector passes
    # while one that reads a whole stream before yielding still fails.
    requests_per_page: int = 1

    def serve(self, server: ReplayServer, pages: int) -> None:
        """Register ``pages`` pages of each stream of the API on ``server``; the same
        data every time it is called with the same number."""
        raise NotImplementedError

    # -- helpers the checks use ------------------------------------------------------------
    def all_settings(self, server: ReplayServer) -> dict[str, Any]:
        """Settings for an in-process ``run_sync``: fast retries against ``server``."""
        return {"retry_initial_delay": 0.01, "retry_max_delay": 0.05, "timeout_seconds": 5,
                **self.settings, **self.secrets, "base_url": server.url}

    def environment(self) -> dict[str, str]:
        """Secrets as a user gives them: ``KPI_<CONNECTOR>_<SETTING>`` variables."""
        prefix = "KPI_" + re.sub(r"\W", "_", self.connector).upper() + "_"
        return {prefix + name.upper(): value for name, value in self.secrets.items()}

    def cli_settings(self, server: ReplayServer) -> list[str]:
        """``--set`` options for a ``kpi sync`` process (secrets go through the
        environment, as they should)."""
        values = {"retry_initial_delay": 0.01, "retry_max_delay": 0.05,
                  "timeout_seconds": 5, **self.settings, "base_url": server.url}
        out: list[str] = []
        for key, value in values.items():
            out += ["--set", f"{key}={value}"]
        return out


# -- running syncs ----------------------------------------------------------------------------

def sync_in_process(case: ConnectorCase, server: ReplayServer, warehouse_url: str, **kw):
    from ..sync.engine import run_sync
    from ..warehouses.connect import connect

    wh = connect(warehouse_url, create=True)
    try:
        return run_sync(case.connector, wh, case.all_settings(server), **kw)
    finally:
        wh.close()


def kpi_sync(case: ConnectorCase, server: ReplayServer, warehouse_url: str, folder: Path,
             *extra: str) -> subprocess.Popen:
    """A ``kpi sync`` process (started, not waited for)."""
    env = {**os.environ, **case.environment()}
    args = [sys.executable, "-m", "kpi_engine", "sync", case.connector, "-w", warehouse_url,
            *case.cli_settings(server), *extra]
    return subprocess.Popen(args, cwd=folder, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out, err


def tables_of(case: ConnectorCase, warehouse_url: str) -> dict[str, list[tuple]]:
    """Every row of the connector's tables, sorted, for comparing two warehouses."""
    from ..extensions import connector_class
    from ..warehouses.connect import connect

    wh = connect(warehouse_url)
    try:
        out = {}
        for name in connector_class(case.connector).tables:
            if wh.table_exists(name):
                rows = wh.query(f"SELECT * FROM {wh.qualify(name)}").rows
                out[name] = sorted(tuple(map(repr, r)) for r in rows)
            else:
                out[name] = []
        return out
    finally:
        wh.close()


def cursors_of(case: ConnectorCase, warehouse_url: str) -> dict[str, str]:
    """stream -> cursor saved for the case's connector (its one source: a case syncs one
    account)."""
    from ..warehouses.connect import connect

    wh = connect(warehouse_url)
    try:
        sources = wh.cursor_sources(case.connector)
    finally:
        wh.close()
    _check(len(sources) <= 1, f"{case.connector}: cursors saved for several sources: "
                              f"{sorted(sources)}")
    return next(iter(sources.values()), {})


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConformanceError(message)


def _fresh(folder: Path, name: str) -> str:
    path = folder / f"{name}.duckdb"
    for stale in (path, path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    return f"duckdb:///{path}"


# -- the checks -------------------------------------------------------------------------------

def check_settings_model(case: ConnectorCase, folder: Path) -> None:
    from ..extensions import connector_class
    from ..http import HttpSettings

    cls = connector_class(case.connector)
    model = cls.settings_model
    _check(isinstance(model, type) and issubclass(model, BaseModel),
           f"{case.connector}: settings_model is not a pydantic model")
    _check(issubclass(model, HttpSettings), f"{case.connector}: settings_model should "
           "subclass kpi_engine.http.HttpSettings (base_url, timeouts, retries)")
    for name in case.secrets:
        _check(name in model.model_fields, f"{case.connector}: no setting {name!r}")
        annotation = str(model.model_fields[name].annotation)
        _check("SecretStr" in annotation, f"{case.connector}: setting {name!r} holds a "
               f"secret but is {annotation}, not SecretStr")
    with ReplayServer() as server:
        settings = model.model_validate(case.all_settings(server))
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for name, secret in case.secrets.items():
        _check(isinstance(getattr(settings, name), SecretStr), f"{name} is not a SecretStr")
        _check(secret not in shown, f"{case.connector}: the settings show {name!r}")


def check_secrets_never_printed(case: ConnectorCase, folder: Path) -> None:
    secrets = [s for s in case.secrets.values() if s]
    _check(bool(secrets), f"{case.connector}: give the case at least one secret to check")
    with ReplayServer() as server:
        logged = _logs_of_in_process_sync(case, server, _fresh(folder, "secrets-log"))
        for secret in secrets:
            _check(secret not in logged, f"{case.connector}: a secret appears in the logs: "
                   f"{logged.replace(secret, '<SECRET>')[:500]}")
        server.clear()
        case.serve(server, case.few_pages)
        ok = finish(kpi_sync(case, server, _fresh(folder, "secrets-ok"), folder))
        _check(ok[0] == 0, f"{case.connector}: kpi sync failed:\n{ok[2]}")
        server.clear()
        case.serve(server, case.few_pages)
        server.fail("server_error", status=401, times=1000)
        failed = finish(kpi_sync(case, server, _fresh(folder, "secrets-bad"), folder))
        _check(failed[0] != 0, f"{case.connector}: a sync answered 401 did not fail")
        _check("Traceback" not in failed[2], f"{case.connector}: a 401 gave a traceback:\n"
               f"{failed[2]}")
        server.clear()
        case.serve(server, case.few_pages)
        server.fail("rate_limit", retry_after="0", times=1000)
        throttled = finish(kpi_sync(case, server, _fresh(folder, "secrets-429"), folder,
                                    "--set", "retries_per_request=2"))
        _check(throttled[0] != 0, f"{case.connector}: endless 429s did not end the sync")
    for label, text in [("output", ok[1] + ok[2]), ("error", failed[1] + failed[2]),
                        ("retry error", throttled[1] + throttled[2])]:
        for secret in secrets:
            _check(secret not in text, f"{case.connector}: a secret appears in the {label}:"
                   f" {text.replace(secret, '<SECRET>')[:500]}")


def _logs_of_in_process_sync(case: ConnectorCase, server: ReplayServer, url: str) -> str:
    """Everything logged at DEBUG (httpx, httpcore, ours) during a sync that fails."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Keep(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # httpx and httpcore records propagate to the root
    try:
        server.clear()
        case.serve(server, case.few_pages)
        server.fail("html", skip=1)
        try:
            sync_in_process(case, server, url, log=lines.append)
        except KpiError as exc:
            lines.append(str(exc))
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    return "\n".join(lines)


def check_bounded_memory(case: ConnectorCase, folder: Path, *, ratio: float = 2.0,
                         slack_bytes: int = 256_000) -> None:
    """Pages are handed on as they are read, and memory does not grow with their number.

    Two measures over a sync of ``many_pages`` pages per stream: the requests the
    connector has sent beyond the pages the engine has received never exceed
    ``case.max_read_ahead`` (a connector that reads a whole stream before yielding it
    fails, however small the pages); and the traced peak is at most ``ratio`` times that of
    a ``few_pages`` sync plus ``slack_bytes`` (rows kept from page to page show once they
    add up to more than the slack). A first untraced sync warms imports and caches; the
    server keeps no record of requests (it runs in this process, so its memory would count).
    """
    peaks = []
    for pages, traced in ((case.few_pages, False), (case.few_pages, True),
                          (case.many_pages, True)):
        with ReplayServer(record=False) as server:
            case.serve(server, pages)
            url = _fresh(folder, f"memory-{pages}-{traced}")
            ahead: list[int] = []
            if traced:
                tracemalloc.start()
            try:
                report = sync_in_process(
                    case, server, url,
                    on_page=lambda done, a=ahead, s=server: a.append(
                        s.request_count - case.requests_per_page * done.page))
                if traced:
                    peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                if traced:
                    tracemalloc.stop()
            _check(report.pages >= pages, f"{case.connector}: {pages} pages served but only "
                   f"{report.pages} loaded")
            _check(max(ahead, default=0) <= case.max_read_ahead,
                   f"{case.connector}: reads ahead of the pages it yields: "
                   f"{max(ahead, default=0)} requests sent beyond the pages handed on "
                   f"(at most {case.max_read_ahead}); yield each page as it is read")
    few, many = peaks
    _check(many <= few * ratio + slack_bytes,
           f"{case.connector}: peak memory grows with the number of pages: "
           f"{few:,} bytes for {case.few_pages} pages per stream, {many:,} for "
           f"{case.many_pages}")


def check_kill_and_resume(case: ConnectorCase, folder: Path) -> None:
    with ReplayServer() as server:
        case.serve(server, case.few_pages)
        whole = _fresh(folder, "uninterrupted")
        sync_in_process(case, server, whole)
        expected = tables_of(case, whole)
        _check(any(expected.values()), f"{case.connector}: the served pages gave no rows")

        server.clear()
        case.serve(server, case.few_pages)
        server.fail("hold", skip=case.kill_at_request - 1)
        killed = _fresh(folder, "killed")
        process = kpi_sync(case, server, killed, folder, "-q")
        caught = server.held.wait(TIMEOUT)
        process.kill()
        _, _, err = finish(process)
        _check(caught, f"{case.connector}: the sync never sent request "
               f"{case.kill_at_request}:\n{err}")
        server.release()
        partial = tables_of(case, killed)
        _check(any(partial.values()), f"{case.connector}: nothing was committed before "
               f"request {case.kill_at_request}; raise kill_at_request")
        _check(partial != expected, f"{case.connector}: the killed sync had already loaded "
               "everything; lower kill_at_request or serve more pages")

        server.clear()
        case.serve(server, case.few_pages)
        code, _, err = finish(kpi_sync(case, server, killed, folder, "-q"))
        _check(code == 0, f"{case.connector}: the sync after the kill failed:\n{err}")
        resumed = tables_of(case, killed)
    for name in expected:
        _check(resumed[name] == expected[name],
               f"{case.connector}: table {name} after kill and resume differs from one "
               f"uninterrupted sync ({len(resumed[name])} rows vs {len(expected[name])})")


def check_second_sync_writes_nothing(case: ConnectorCase, folder: Path) -> None:
    with ReplayServer() as server:
        case.serve(server, case.few_pages)
        url = _fresh(folder, "twice")
        first = sync_in_process(case, server, url)
        before = tables_of(case, url)
        second = sync_in_process(case, server, url)
        after = tables_of(case, url)
    _check(first.total_rows > 0, f"{case.connector}: the first sync loaded nothing")
    for table, counts in second.merged.items():
        _check(not counts.inserted and not counts.updated,
               f"{case.connector}: a second sync with nothing new wrote to {table}: "
               f"{counts.inserted} inserted, {counts.updated} updated")
    _check(before == after, f"{case.connector}: a second sync changed the tables")


def check_retries(case: ConnectorCase, folder: Path) -> None:
    """A 429 with Retry-After, a 500, a stalled answer and a dropped connection along the
    way are retried: the tables equal those of an undisturbed sync."""
    with ReplayServer() as server:
        case.serve(server, case.few_pages)
        calm = _fresh(folder, "calm")
        sync_in_process(case, server, calm)
        expected = tables_of(case, calm)
        server.clear()
        case.serve(server, case.few_pages)
        # One after the other on the second request: its page is retried four times.
        for kind in ("rate_limit", "server_error", "disconnect", "timeout"):
            server.fail(kind, skip=1, retry_after="0", status=500, seconds=1.0)
        stormy = _fresh(folder, "stormy")
        settings = {**case.all_settings(server), "timeout_seconds": 0.5}
        from ..sync.engine import run_sync
        from ..warehouses.connect import connect

        wh = connect(stormy, create=True)
        try:
            run_sync(case.connector, wh, settings)
        except KpiError as exc:
            raise ConformanceError(f"{case.connector}: a sync with retryable failures "
                                   f"failed: {exc}") from None
        finally:
            wh.close()
        left = server.faults_left()
    _check(tables_of(case, stormy) == expected, f"{case.connector}: a sync with retried "
           "failures gave other tables than an undisturbed one")
    _check(not left, f"{case.connector}: {left} fault(s) never met: serve more pages")


def check_malformed_page(case: ConnectorCase, folder: Path) -> None:
    for kind in ("truncated", "html"):
        with ReplayServer() as server:
            case.serve(server, case.few_pages)
            url = _fresh(folder, f"malformed-{kind}")
            sync_in_process(case, server, url)
            tables, cursors = tables_of(case, url), cursors_of(case, url)
            server.fail(kind, skip=1)
            try:
                sync_in_process(case, server, url)
            except KpiError as exc:
                message = str(exc)
            else:
                raise ConformanceError(f"{case.connector}: a {kind} page did not fail")
            _check("\n" not in message.strip(), f"{case.connector}: a {kind} page gave "
                   f"more than one line:\n{message}")
            _check(case.connector in message and "page" in message and "stream" in message,
                   f"{case.connector}: the error for a {kind} page does not name the "
                   f"connector, stream and page: {message}")
            _check(tables_of(case, url) == tables and cursors_of(case, url) == cursors,
                   f"{case.connector}: a {kind} page changed the warehouse")


CHECKS = {
    "settings_model": check_settings_model,
    "secrets_never_printed": check_secrets_never_printed,
    "bounded_memory": check_bounded_memory,
    "kill_and_resume": check_kill_and_resume,
    "second_sync_writes_nothing": check_second_sync_writes_nothing,
    "retries": check_retries,
    "malformed_page": check_malformed_page,
}
SLOW_CHECKS = {"secrets_never_printed", "kill_and_resume",  # run kpi processes
               "bounded_memory"}  # traced syncs take seconds


def run(case: ConnectorCase, folder: Path, only: tuple[str, ...] | None = None) -> None:
    """Run every check (or ``only`` those) in ``folder``; a failure raises
    ConformanceError naming the check."""
    for name, check in CHECKS.items():
        if only is None or name in only:
            check(case, Path(folder))


class ConnectorConformance:
    """Subclass in a pytest module and set ``case``; each check becomes a test.

    ``class TestMyShop(ConnectorConformance): case = MyShopCase("my_shop", ...)``
    """

    case: ConnectorCase

    def test_settings_model(self, tmp_path):
        check_settings_model(self.case, tmp_path)

    def test_secrets_never_printed(self, tmp_path):
        check_secrets_never_printed(self.case, tmp_path)

    def test_bounded_memory(self, tmp_path):
        check_bounded_memory(self.case, tmp_path)

    def test_kill_and_resume(self, tmp_path):
        check_kill_and_resume(self.case, tmp_path)

    def test_second_sync_writes_nothing(self, tmp_path):
        check_second_sync_writes_nothing(self.case, tmp_path)

    def test_retries(self, tmp_path):
        check_retries(self.case, tmp_path)

    def test_malformed_page(self, tmp_path):
        check_malformed_page(self.case, tmp_path)


def _mark_slow() -> None:
    """Tests that start kpi processes carry pytest's ``slow`` mark (when pytest is there)."""
    try:
        import pytest
    except ImportError:  # pragma: no cover - the suite used without pytest
        return
    for name in SLOW_CHECKS:
        test = getattr(ConnectorConformance, f"test_{name}")
        setattr(ConnectorConformance, f"test_{name}", pytest.mark.slow(test))


_mark_slow()
