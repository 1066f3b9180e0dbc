"""Evaluate a request: compile for the warehouse's dialect, run the one statement there,
and normalise the (small, already aggregated) result for output."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .compiler.compiler import Compiler
from .compiler.request import CompiledQuery, Request
from .registry import Registry
from .warehouses.base import Warehouse


def evaluate(registry: Registry, request: Request, warehouse: Warehouse,
             compiled: CompiledQuery | None = None) -> list[dict[str, Any]]:
    """Records ``{"period": "2024-01-01", <dims>..., <metric>: value}`` in period order."""
    if request.dialect != warehouse.dialect:
        request = replace(request, dialect=warehouse.dialect)
    if request.schema is None and warehouse.schema:
        request = replace(request, schema=warehouse.schema)
    compiled = compiled or Compiler(registry).compile(request)
    with warehouse.read_only():  # a read command never writes, whatever the SQL says
        result = warehouse.query(compiled.sql)
    return [normalise_record(rec, request.grain) for rec in result.records()]


def normalise_record(record: dict[str, Any], grain: str) -> dict[str, Any]:
    out = {}
    for key, value in record.items():
        if key == "period":
            out[key] = format_period(value, grain)
        else:
            out[key] = normalise_value(value)
    return out


def format_period(value: Any, grain: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if grain == "hour":
            return value.strftime("%Y-%m-%dT%H:00")
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def normalise_value(value: Any) -> Any:
    """Warehouse numbers as Python numbers: Decimal stays exact, NaN becomes None."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, Decimal) and value.is_nan():
        return None
    return value
