"""``kpi serve``: the report page live and a JSON API over the engine (list, show, eval,
compare, check, explain) with an OpenAPI schema. FastAPI and uvicorn come with the
``serve`` extra and are imported only by this package."""
