"""The API over the report test project, with a warehouse that writes down every
statement it is given (it is the real DuckDB warehouse; it only keeps a list)."""

from __future__ import annotations

from pathlib import Path


class RecordingWarehouse:
    """Delegates everything to a real warehouse; keeps the SQL of each query."""

    def __init__(self, real, log: list[str]):
        self._real = real
        self._log = log

    def __getattr__(self, name):
        return getattr(self._real, name)

    def query(self, sql: str):
        self._log.append(sql)
        return self._real.query(sql)

    def query_params(self, sql: str, params):
        self._log.append(sql)
        return self._real.query_params(sql, params)

    def execute(self, sql: str, params=()):
        self._log.append(sql)
        return self._real.execute(sql, params)


def serve_context(project: Path, log: list[str], *, token: str | None = None,
                  loopback: bool = True, cache_ttl: float = 60.0):
    from pydantic import SecretStr

    from kpi_engine.serve.context import ServeContext, Warehouses
    from kpi_engine.workspace import Workspace

    ws = Workspace(str(project / "kpi.yaml"))
    url = ws.warehouse_url(None)
    return ServeContext(
        registry=ws.registry, project=ws.project,
        warehouses=Warehouses(connect=lambda: RecordingWarehouse(ws.connect(url), log)),
        timezone=ws.project.timezone, week_start=ws.project.week_start,
        currency=ws.project.currency, token=SecretStr(token) if token else None,
        loopback=loopback, cache_ttl=cache_ttl, default_period="2024-03")


def client(project: Path, log: list[str], **options):
    from fastapi.testclient import TestClient

    from kpi_engine.serve.app import create_app

    return TestClient(create_app(serve_context(project, log, **options)))
