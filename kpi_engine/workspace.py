"""A project at work: its ``kpi.yaml``, the registry of metrics it loads, the warehouse
it reads, and requests built from its defaults. The command line (``AppContext``) and the
Python API (``kpi_engine.open``) are both this object, so they compute the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import KpiError

if TYPE_CHECKING:  # imported when used: `kpi --help` needs neither pydantic nor YAML
    from .compiler.request import CompiledQuery, Request
    from .project import Project
    from .registry import Registry
    from .results import Result


@dataclass
class Workspace:
    project_path: str | None = None
    extra_specs: list[str] = field(default_factory=list)

    @cached_property
    def project(self) -> Project:
        from .project import load_project

        return load_project(self.project_path)

    def spec_folders(self) -> list[Path]:
        return [*self.project.spec_folders(), *(Path(p) for p in self.extra_specs)]

    @cached_property
    def registry(self) -> Registry:
        return self.load_registry(self.spec_folders(), cached=True)

    def load_registry(self, folders: list[Path] | list[str], cached: bool = False) -> Registry:
        """The packs ``kpi.yaml`` chooses (all by default), then ``folders``; from the
        registry cache when ``cached`` (``kpi validate`` always checks afresh)."""
        from .errors import Location
        from .project import PROJECT_FILE
        from .registry import load_registry
        from .registry_cache import cached_load_registry

        load = cached_load_registry if cached else load_registry
        packs = self.project.packs
        where = Location(self.project_path or str(Path(self.project.root, PROJECT_FILE)))
        if isinstance(packs, tuple):
            return load(folders, packs=packs, packs_location=where)
        return load(folders, exclude_packs=packs.exclude if packs else (),
                    packs_location=where)

    def warehouse_url(self, url: str | None) -> str:
        """``--warehouse``, else kpi.yaml's (``${NAME}`` expanded), else the default."""
        from .warehouses.connect import DEFAULT_URL

        return url or self.project.warehouse_url() or DEFAULT_URL

    def schema_for(self, url: str | None) -> str | None:
        """The schema a command works in without connecting (``kpi compile``): the URL's
        ``?schema=`` wins over kpi.yaml's ``schema``. Only that parameter is expanded, so
        compiling needs no password in the environment."""
        text = url or self.project.warehouse
        if not text or "://" not in text:  # none, or a whole URL in ${NAME}
            return self.project.schema_
        from .warehouses.url import WarehouseURL

        def schema() -> str | None:
            address = WarehouseURL.parse(text)
            param = address.param("schema")
            if param is None:
                return self.project.schema_
            if url is None:  # only this parameter: compiling needs no password
                from .project import expand_env

                param = expand_env(param, self.project.warehouse_location(), "warehouse")
            return replace(address, params=(("schema", param),)).schema()

        return self._located(schema, url)

    def connect(self, url: str | None, *, create: bool = False):
        """The warehouse; ``create=True`` only for commands that load data (sync, demo):
        a read command never creates a file, folder or schema."""
        from .warehouses.connect import connect

        full = self.warehouse_url(url)
        return self._located(lambda: connect(full, self.project.schema_, create=create), url)

    def _located(self, action, url: str | None):
        """Run ``action``; a problem in kpi.yaml's URL is reported at its line."""
        from .warehouses.url import URLError

        try:
            return action()
        except URLError as exc:
            where = self.project.warehouse_location()
            if url is None and where is not None:
                raise KpiError(f"warehouse: {exc.message}", where) from None
            raise

    # -- requests ------------------------------------------------------------------------
    def request(self, metrics: str | tuple[str, ...] | list[str], *, grain: str = "month",
                by: str | tuple[str, ...] | list[str] = (), since: Any = None,
                until: Any = None, where: str | tuple[str, ...] | list[str] = (),
                timezone: str | None = None, week_start: str | None = None,
                compare: str | None = None, dialect: str = "duckdb",
                schema: str | None = None, warehouse: str | None = None) -> Request:
        """A request with the project's defaults (timezone, week start, schema, currency)
        filled in; ``compare`` is ``previous``, ``last_year`` or a period (2025-Q4)."""
        from .compiler.request import Request

        project = self.project
        since, until = _day(since, "since"), _day(until, "until")
        week_start = week_start or project.week_start
        step = None
        if compare:
            from .comparisons import compare_step

            step = compare_step(compare, grain, since, week_start)
        return Request(metrics=_names(metrics), grain=grain, dimensions=_names(by),
                       since=since, until=until, where=_names(where),
                       timezone=timezone or project.timezone, week_start=week_start,
                       dialect=dialect, schema=schema or self.schema_for(warehouse),
                       currency=project.currency, compare=step)

    def compile(self, metrics, *, dialect: str = "duckdb", **options: Any) -> CompiledQuery:
        """The one SQL statement that computes ``metrics`` (options as ``request``)."""
        from .compiler.compiler import compile_request

        return compile_request(self.registry, self.request(metrics, dialect=dialect,
                                                           **options))

    def compiled_sql(self, metrics, *, dialect: str = "duckdb", **options: Any) -> str:
        """``compile(...).sql``, from the compile cache when the same request was compiled
        against the same registry before (``compile_cache.py``): no sqlglot is imported."""
        from .compile_cache import cached_sql

        request = self.request(metrics, dialect=dialect, **options)

        def compile_sql() -> str:
            from .compiler.compiler import compile_request

            return compile_request(self.registry, request).sql

        return cached_sql(self.registry, request, compile_sql)

    def evaluate(self, metrics, *, warehouse: str | None = None, **options: Any) -> Result:
        """Run ``metrics`` in the warehouse (kpi.yaml's unless ``warehouse`` is given)."""
        from .compiler.compiler import compile_request
        from .evaluate import evaluate
        from .required_tables import check_tables
        from .results import Result

        wh = self.connect(warehouse)
        try:
            request = replace(self.request(metrics, dialect=wh.dialect, **options),
                              schema=wh.schema)
            check_tables(self.registry, request.metrics, wh)  # name missing tables first
            compiled = compile_request(self.registry, request)
            records = evaluate(self.registry, request, wh, compiled)
        finally:
            wh.close()
        names = list(compiled.metrics)
        if request.compare:
            from .comparisons import add_verdicts

            add_verdicts(records, {n: self.registry.metrics[n].direction for n in names})
        return Result(records=records, metrics=names, dimensions=list(request.dimensions),
                      grain=request.grain, units=dict(compiled.units),
                      compare=request.compare, sql=compiled.sql)


def _names(value: Any) -> tuple[str, ...]:
    """A name or several: ``"net_sales"`` and ``["net_sales"]`` both work."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _day(value: Any, what: str):
    """A date from a ``date``, a ``datetime`` or ``"YYYY-MM-DD"``."""
    from datetime import date, datetime

    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise KpiError(f"{what}: {str(value)[:40]!r} is not a date (use YYYY-MM-DD)") from None
