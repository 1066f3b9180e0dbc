"""Run the ``kpi`` command in this process, as the console script runs it.

``run_kpi(*args, cwd=..., env=...)`` calls ``kpi_engine.cli.main`` (the function behind
``kpi`` and ``python -m kpi_engine``: KpiError as one ``Error: ...`` line, SystemExit codes)
and returns a ``subprocess.CompletedProcess`` with ``returncode``, ``stdout`` and
``stderr``, so a test written for a subprocess reads the same. A process costs 0.5-1 s of
start-up and imports; this costs the command's own work.

What a new process would not inherit is put back after each call: the working folder,
every environment variable, ``sys.argv``, the loggers' handlers, filters and levels. While
the command runs, records of WARNING and above go to its stderr, as Python's last-resort
handler prints them in a process (pytest's own handlers would otherwise swallow them). An
exception the command lets through is printed as the interpreter would print it (a
traceback, exit 1). pytest's ``filterwarnings = error`` stays in force: a Python warning
fails the command here, where a process would only print it.

Tests whose point is the process itself keep ``subprocess``: start-up imports, the console
script, what is printed at interpreter exit, signals, stdin, concurrency between processes.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner


def run_kpi(*args: str, cwd: str | Path | None = None,
            env: Mapping[str, str | None] | None = None) -> subprocess.CompletedProcess:
    """``kpi ARGS`` in ``cwd`` with ``env`` added to the environment, for this call only."""
    from kpi_engine.cli import main

    saved_env, saved_cwd, saved_logging = dict(os.environ), os.getcwd(), _logging_state()
    saved_argv, sys.argv = sys.argv, ["kpi", *args]  # not pytest's
    code = 0
    try:
        with CliRunner().isolation(env=dict(env or {})) as (out, err, _):
            _log_warnings_to(sys.stderr)  # sys.stderr is the isolation's stream here
            if cwd is not None:
                os.chdir(cwd)
            try:
                main(list(args))
            except SystemExit as exc:
                code = _exit_status(exc.code)
            except Exception as exc:  # noqa: BLE001 - the interpreter would print it, exit 1
                traceback.print_exception(exc, file=sys.stderr)
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            stdout, stderr = out.getvalue(), err.getvalue()
    finally:
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        _restore_logging(saved_logging)
    return subprocess.CompletedProcess(["kpi", *args], code, _text(stdout), _text(stderr))


def _exit_status(code: object) -> int:
    """What ``sys.exit(code)`` makes the process exit with."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _text(data: bytes) -> str:
    # subprocess.run(text=True) reads with universal newlines.
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _log_warnings_to(stream) -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(stream)  # the default format: the message alone
    handler.setLevel(logging.WARNING)
    root.handlers = [handler]
    root.setLevel(logging.WARNING)


def _logging_state() -> list[tuple[logging.Logger, list, list, int, bool, bool]]:
    loggers = [logging.getLogger(), *(lg for lg in logging.Logger.manager.loggerDict.values()
                                      if isinstance(lg, logging.Logger))]
    return [(lg, lg.handlers[:], lg.filters[:], lg.level, lg.propagate, lg.disabled)
            for lg in loggers]


def _restore_logging(state) -> None:
    for lg, handlers, filters, level, propagate, disabled in state:
        lg.handlers[:] = handlers
        lg.filters[:] = filters
        if lg.level != level:  # setLevel clears every logger's cache: only when needed
            lg.setLevel(level)
        lg.propagate, lg.disabled = propagate, disabled
