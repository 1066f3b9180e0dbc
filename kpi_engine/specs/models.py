"""Frozen pydantic models of spec files: sources and metrics. They validate what a spec
file says; the registry keeps the result as plain objects (``objects.py``), which the
registry cache unpickles without importing pydantic.

One ``Metric`` model covers every type; which fields a type needs is checked in
``_check_fields_for_type`` so errors can say "a ratio needs 'numerator'" rather than
listing every member of a union.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from ..errors import Location

from .objects import ADDITIVE_TYPES, BASE_TYPES, Located  # noqa: F401 - also named here
METRIC_TYPES = BASE_TYPES + ("ratio", "derived", "cumulative", "offset", "snapshot")
SNAPSHOT_AGGS = ("sum", "count", "avg", "min", "max")
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
MAX_DRIVERS = 6  # a product's attribution may weigh every subset of its drivers (2**6)
PACK_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
# A project's own definition may take the place of a spec pack's one of the same name, but
# only when it says so: a silent same-name definition is an error (see registry.py).
REPLACES_HELP = "the spec pack (e.g. catalog) whose definition of this name this one replaces"

Grain = Literal["hour", "day", "week", "month", "quarter", "year"]


class _Frozen(Located, BaseModel):
    # defer_build: validators are built when a spec is first validated, not on import.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    _location: Location | None = PrivateAttr(default=None)
    _field_positions: dict[str, tuple[int, int]] = PrivateAttr(default_factory=dict)


class Dimension(_Frozen):
    """A column or expression a metric can be broken down by."""

    name: str = Field(pattern=NAME_PATTERN)
    expr: str | None = None
    label: str | None = None

    @property
    def expression(self) -> str:
        return self.expr or self.name


class Join(_Frozen):
    """A many-to-one LEFT JOIN from a source to another source (for dimensions, costs)."""

    source: str
    on: dict[str, str] = Field(description="local column -> column of the joined source")

    @model_validator(mode="before")
    @classmethod
    def _yaml_on_is_true(cls, value: Any) -> Any:
        # YAML 1.1 reads a bare `on:` key as the boolean True.
        if isinstance(value, dict) and True in value and "on" not in value:
            value = {("on" if k is True else k): v for k, v in value.items()}
        return value


class Source(_Frozen):
    """A semantic model: one table (or SQL query) with its time column and dimensions."""

    name: str = Field(pattern=NAME_PATTERN)
    table: str | None = None
    sql: str | None = None
    time: str | None = None
    time_type: Literal["timestamp", "date"] = "timestamp"
    primary_key: str | list[str] | None = None
    filter: str | None = None
    dimensions: tuple[Dimension, ...] = ()
    joins: tuple[Join, ...] = ()
    columns: tuple[str, ...] | None = None
    totals: bool = Field(default=False, description="values repeat across breakdowns by "
                         "dimensions this source lacks (denominators of shares)")
    description: str = ""
    replaces: str | None = Field(default=None, pattern=PACK_PATTERN, description=REPLACES_HELP)

    @field_validator("dimensions", mode="before")
    @classmethod
    def _dimension_shorthand(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _table_or_sql(self) -> Source:
        if bool(self.table) == bool(self.sql):
            raise ValueError("a source needs exactly one of 'table' or 'sql'")
        return self

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)


class Benchmark(_Frozen):
    """A range a source document quotes, shown beside the value."""

    label: str = ""
    min: float | None = None
    max: float | None = None
    value: float | None = None
    note: str = ""
    source: str = ""


class Target(_Frozen):
    """A goal for a period: an absolute value or a change against a baseline period."""

    period: str = Field(description="year (2024), quarter (2024-Q3), month (2024-05) or range")
    value: float | None = None
    change: float | None = Field(default=None, description="relative change, 0.5 = +50%")
    note: str = ""


class Window(_Frozen):
    count: int = Field(gt=0)
    grain: Grain


class Offset(_Frozen):
    periods: int = Field(default=1, gt=0)
    grain: Grain | None = Field(default=None, description="None: periods of the requested grain")


class PerEntity(_Frozen):
    """Aggregate per entity (customer) first; ``measures`` are aggregate expressions."""

    key: str
    measures: dict[str, str]


class Drivers(_Frozen):
    """What a metric is made of, for ``kpi explain`` (docs/specs.md#drivers): the metric
    equals the sum (``-name`` subtracts) or the product of these metrics."""

    relation: Literal["sum", "product"]
    metrics: tuple[str, ...] = Field(min_length=2, max_length=MAX_DRIVERS)
    dimensions: tuple[str, ...] = Field(
        default=(), description="breakdowns kpi explain shows by default (e.g. channel)")


class Metric(_Frozen):
    name: str = Field(pattern=NAME_PATTERN)
    type: Literal[
        "sum", "count", "count_distinct", "avg", "min", "max", "median", "percentile",
        "ratio", "derived", "cumulative", "offset", "snapshot",
    ]
    label: dict[str, str] = Field(default_factory=dict)
    description: str = ""
    domain: str = "custom"
    unit: str = "number"
    direction: Literal["higher_is_better", "lower_is_better", "neutral"] = "higher_is_better"
    # base aggregations and snapshots
    source: str | None = None
    expr: str | None = None
    filter: str | None = None
    percentile: float | None = Field(default=None, gt=0, lt=1)
    per: PerEntity | None = None
    point_in_time: bool = Field(
        default=False,
        description="evaluate once per period over all rows; expressions may use "
        ":period_start and :period_end (the period's bounds, UTC)")
    # snapshot
    agg: Literal["sum", "count", "avg", "min", "max"] | None = None
    snapshot_by: tuple[str, ...] = ()
    # ratio
    numerator: str | None = None
    denominator: str | None = None
    # cumulative and offset
    metric: str | None = None
    window: Window | None = None
    grain_to_date: Grain | None = None
    offset: Offset | None = None
    drivers: Drivers | None = None  # what it is made of, for kpi explain
    # presentation and governance
    benchmarks: tuple[Benchmark, ...] = ()
    targets: tuple[Target, ...] = ()
    tags: tuple[str, ...] = ()
    owner: str | None = None
    aliases: tuple[str, ...] = ()
    hidden: bool = Field(default=False, description="a building block not shown by 'kpi list'")
    meta: dict[str, Any] = Field(default_factory=dict)
    replaces: str | None = Field(default=None, pattern=PACK_PATTERN, description=REPLACES_HELP)

    @field_validator("label", mode="before")
    @classmethod
    def _label_shorthand(cls, value: Any) -> Any:
        return {"en": value} if isinstance(value, str) else value

    @field_validator("meta", mode="after")
    @classmethod
    def _plain_meta(cls, value: dict[str, Any]) -> dict[str, Any]:
        # The loader's position-keeping containers stay behind: the registry cache then
        # unpickles plain dicts and lists without importing the YAML loader.
        return _plain(value)

    @model_validator(mode="after")
    def _check_fields_for_type(self) -> Metric:
        need, allow = _FIELDS_BY_TYPE[self.type]
        for field in need:
            if getattr(self, field) in (None, ()):
                raise ValueError(f"a metric of type {self.type} needs {field!r}")
        if self.point_in_time and self.type not in BASE_TYPES:
            raise ValueError("'point_in_time' applies to base aggregations only")
        typed = {"source", "expr", "filter", "percentile", "per", "agg", "snapshot_by",
                 "numerator", "denominator", "metric", "window", "grain_to_date", "offset"}
        for field in sorted(typed - set(need) - set(allow)):
            if getattr(self, field) not in (None, ()):
                raise ValueError(f"{field!r} does not apply to a metric of type {self.type}")
        if self.type == "cumulative" and self.window and self.grain_to_date:
            raise ValueError("a cumulative metric takes 'window' or 'grain_to_date', not both")
        return self

    def label_in(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("en") or self.name.replace("_", " ")

    @property
    def is_base(self) -> bool:
        return self.type in BASE_TYPES


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


_BASE_NEED: tuple[str, ...] = ("source",)
_BASE_ALLOW = ("expr", "filter", "per")
_FIELDS_BY_TYPE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sum": (("source", "expr"), ("filter", "per")),
    "count": (_BASE_NEED, _BASE_ALLOW),
    "count_distinct": (("source", "expr"), ("filter", "per")),
    "avg": (("source", "expr"), ("filter", "per")),
    "min": (("source", "expr"), ("filter", "per")),
    "max": (("source", "expr"), ("filter", "per")),
    "median": (("source", "expr"), ("filter", "per")),
    "percentile": (("source", "expr", "percentile"), ("filter", "per")),
    "ratio": (("numerator", "denominator"), ()),
    "derived": (("expr",), ()),
    "cumulative": (("metric",), ("window", "grain_to_date")),
    "offset": (("metric", "offset"), ()),
    "snapshot": (("source", "snapshot_by"), ("expr", "filter", "agg")),
}


class SpecFile(_Frozen):
    """One YAML file: its sources and metrics, written in one SQL dialect."""

    dialect: str = "duckdb"
    sources: tuple[Source, ...] = ()
    metrics: tuple[Metric, ...] = ()
