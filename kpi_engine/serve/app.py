"""The FastAPI application: the report page at ``/`` and the JSON API.

No ``from __future__ import annotations`` here: FastAPI reads the parameter annotations
at run time to validate queries and write the OpenAPI schema."""

import datetime as dt
from typing import Annotated, Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .. import __version__
from ..errors import KpiError
from ..vocabulary import REQUEST_GRAINS
from . import models, service
from .cache import TTLCache
from .context import ServeContext
from .security import authorised

Lang = Literal["en", "vi", "fa", "ms"]
Grain = Literal[REQUEST_GRAINS]  # type: ignore[valid-type]
# Bounds on what a request may carry (bounded time and memory, whatever is sent).
Name = Annotated[str, Query(min_length=1, max_length=100)]
Names = Annotated[list[str], Query(min_length=1, max_length=50)]
Dims = Annotated[list[str], Query(max_length=10)]
Wheres = Annotated[list[str], Query(max_length=10)]
Period = Annotated[str | None, Query(max_length=20, pattern=r"^\d{4}(-(\d{2}|[Qq][1-4]))?$",
                                     description="YYYY-MM, YYYY-Qn or YYYY")]
ERRORS = {400: {"model": models.Problem, "description": "the request names something "
                "unknown or cannot be compiled"},
          401: {"model": models.Problem, "description": "bearer token missing or wrong"}}
# The page answers problems in JSON too (its own content type is text/html).
_PROBLEM = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
PAGE_ERRORS = {code: {"description": r["description"], "content": _PROBLEM}
               for code, r in ERRORS.items()}


def create_app(ctx: ServeContext) -> FastAPI:
    app = FastAPI(title="kpi-engine", version=__version__,
                  description="KPIs of a kpi-engine project: list, show, eval, compare, "
                  "check, explain. Every query is compiled from the specs; no SQL is "
                  "accepted.")
    cache = TTLCache(ctx.cache_ttl)
    app.state.ctx = ctx

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        if not authorised(request.headers.get("authorization"), ctx.token, ctx.loopback):
            return JSONResponse({"detail": "missing or wrong bearer token (Authorization: "
                                 "Bearer <KPI_SERVE_TOKEN>)"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)

    @app.exception_handler(service.NotFound)
    async def not_found(request: Request, exc: service.NotFound):
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(KpiError)
    async def bad_request(request: Request, exc: KpiError):
        return JSONResponse({"detail": str(exc)}, status_code=400)

    def cached(key, compute):
        hit, value = cache.get(key)
        if not hit:
            value = compute()
            cache.put(key, value)
        return value

    @app.get("/", response_class=HTMLResponse, summary="The report page, live",
             responses=PAGE_ERRORS)
    def report_page(scorecard: Annotated[str | None, Query(max_length=100)] = None,
                    period: Period = None, lang: Lang = "en") -> HTMLResponse:
        html = cached(("page", scorecard, period, lang),
                      lambda: service.page(ctx, scorecard, period, lang))
        return HTMLResponse(html)

    @app.get("/assets/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        def load() -> str:
            from plotly.offline import get_plotlyjs

            return get_plotlyjs()

        return Response(cached(("plotly",), load), media_type="text/javascript",
                        headers={"Cache-Control": "max-age=86400"})

    @app.get("/metrics", response_model=list[models.MetricSummary], responses=ERRORS,
             summary="The KPIs (kpi list)")
    def list_metrics(domain: Annotated[str | None, Query(max_length=100)] = None,
                     lang: Lang = "en", hidden: bool = False):
        return service.list_metrics(ctx, domain, lang, hidden)

    @app.get("/metrics/{name}", response_model=models.MetricDetail,
             responses={**ERRORS, 404: {"model": models.Problem}},
             summary="One KPI's definition (kpi show)")
    def show_metric(name: str, lang: Lang = "en"):
        if len(name) > 100:
            raise service.NotFound(f"unknown metric {name[:40]!r}...")
        return service.show_metric(ctx, name, lang)

    @app.get("/eval", response_model=models.EvalOut, responses=ERRORS,
             summary="Evaluate KPIs (kpi eval --format json)")
    def eval_metrics(metrics: Names, grain: Grain = "month", by: Dims = [],  # noqa: B006
                     since: dt.date | None = None, until: dt.date | None = None,
                     where: Wheres = [],  # noqa: B006
                     compare: Annotated[str | None, Query(
                         max_length=20, description="previous, last_year or a period "
                         "(2025-11, 2025-Q4) before since")] = None):
        key = ("eval", tuple(metrics), grain, tuple(by), since, until, tuple(where), compare)
        return cached(key, lambda: service.eval_metrics(ctx, metrics, grain, by, since,
                                                        until, where, compare))

    @app.get("/compare", response_model=models.CompareOut, responses=ERRORS,
             summary="Value vs previous period and same period last year")
    def compare(metrics: Names, period: Period = None, lang: Lang = "en"):
        return cached(("compare", tuple(metrics), period, lang),
                      lambda: service.compare_metrics(ctx, metrics, period, lang))

    @app.get("/check", response_model=models.CheckOut, responses=ERRORS,
             summary="A scorecard's KPIs with target and status")
    def check(scorecard: Annotated[str | None, Query(max_length=100)] = None,
              period: Period = None, lang: Lang = "en"):
        return cached(("check", scorecard, period, lang),
                      lambda: service.check_scorecard(ctx, scorecard, period, lang))

    @app.get("/explain", response_model=models.ExplainOut, responses=ERRORS,
             summary="How a KPI is computed (definition, lineage, SQL) and, with a driver "
             "tree, why it moved (kpi explain)")
    def explain(metric: Name, lang: Lang = "en", period: Period = None):
        return cached(("explain", metric, lang, period),
                      lambda: service.explain_metric(ctx, metric, lang, period))

    return app
