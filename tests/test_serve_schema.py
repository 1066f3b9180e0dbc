"""The API against its own OpenAPI schema (schemathesis): generated requests for every
operation never get a 5xx, and every response matches the schema (status codes, content
types, bodies). Few examples per operation: this is a check of the contract, not a fuzz
campaign (tests/security has those for the engine's inputs)."""

from __future__ import annotations

import pytest

from .report_project import report_project_fixture  # noqa: F401 - a fixture

schemathesis = pytest.importorskip("schemathesis", reason="the test extra")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_schema(report_project):
    from kpi_engine.serve.app import create_app

    from .serve_support import serve_context

    app = create_app(serve_context(report_project, [], cache_ttl=0))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_keeps_to_its_schema(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    paths = sorted(op.path for op in operations)
    assert paths == ["/", "/check", "/compare", "/eval", "/explain", "/metrics",
                     "/metrics/{name}"]
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case):
            # Every check but "schema-valid data is accepted": a request may be well
            # formed and still name a metric the registry lacks (400 with its reason).
            case.call_and_validate(checks=[
                checks.not_a_server_error, checks.status_code_conformance,
                checks.content_type_conformance, checks.response_schema_conformance,
                checks.response_headers_conformance])

        conforms()
