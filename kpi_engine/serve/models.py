"""Response models: the OpenAPI schema clients (and schemathesis) check answers against."""

from typing import Any

from pydantic import BaseModel

Value = float | int | str | None


class Problem(BaseModel):
    detail: str


class MetricSummary(BaseModel):
    name: str
    label: str
    domain: str
    unit: str
    direction: str
    description: str
    hidden: bool


class TargetOut(BaseModel):
    period: str
    value: float | None
    change: float | None
    note: str


class MetricDetail(MetricSummary):
    type: str
    aliases: list[str]
    depends_on: list[str]
    source: str | None
    used_by: list[str]
    breakdown: list[str]
    benchmarks: list[str]
    targets: list[TargetOut]


class EvalOut(BaseModel):
    metrics: list[str]
    grain: str
    dimensions: list[str]
    records: list[dict[str, Value]]


class CompareItem(BaseModel):
    metric: str
    label: str
    unit: str
    direction: str
    value: Value
    value_text: str
    error: str | None
    previous: Value = None
    last_year: Value = None
    change_previous: float | None = None
    change_last_year: float | None = None
    verdict_previous: str | None = None
    verdict_last_year: str | None = None


class CompareOut(BaseModel):
    period: str
    grain: str
    previous: str
    last_year: str
    items: list[CompareItem]


class CheckItem(BaseModel):
    metric: str
    label: str
    value: Value
    value_text: str
    target: float | None
    status: str | None
    target_period: str | None
    error: str | None


class CheckOut(BaseModel):
    period: str
    grain: str
    scorecard: str | None
    items: list[CheckItem]


class ExplainOut(BaseModel):
    metric: str
    label: str
    definition: dict[str, Any]
    depends_on: list[str]
    upstream_metrics: list[str]
    sources: list[str]
    edges: list[list[str]]
    sql: str
    drivers: dict[str, Any] | None = None  # kpi explain's tree, for KPIs with drivers
