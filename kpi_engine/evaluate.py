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
from .errors import KpiError
from .registry import Registry
from .warehouses.base import Warehouse


class CurrencyError(KpiError):
    """Money in several currencies that cannot be summed as one."""


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
    records = [normalise_record(rec, request.grain) for rec in result.records()]
    if compiled.checks:
        records = [_checked(rec, compiled.checks, request.currency) for rec in records]
    return records


def _checked(record: dict[str, Any], checks: dict[str, tuple[str, str, tuple[str, ...]]],
             currency: str | None) -> dict[str, Any]:
    """The record without its check columns; CurrencyError if a check failed."""
    values = {name: record.pop(name) for name in checks if name in record}
    where = f" in period {record['period']}" if record.get("period") else ""
    currencies = sorted({str(v) for name, v in values.items()
                         if checks[name][0].startswith("check__currency_") and v is not None})
    if len(currencies) > 1:
        metrics = sorted({m for name, v in values.items() if v is not None
                          for m in checks[name][2]})
        raise CurrencyError(
            f"{', '.join(metrics)} would sum amounts in several currencies "
            f"({', '.join(currencies)}){where}: set the reporting currency (currency: in "
            "kpi.yaml) and load the rates into table exchange_rates (docs/schema.md), or "
            "break the metrics down by currency (--by currency)")
    for name, value in values.items():
        check, group, metrics = checks[name]
        if check == "check__missing_rate" and value is not None:
            at = next((v for n, v in values.items() if checks[n][0] ==
                       "check__missing_rate_at" and checks[n][1] == group), None)
            day = (f" (the earliest amount without a rate is dated {str(at)[:10]})"
                   if at is not None else "")
            raise CurrencyError(
                f"no exchange rate from {value} to {currency} in table exchange_rates{day}, "
                f"needed by {', '.join(sorted(metrics))}{where}: load the rates (kpi sync "
                "files, docs/schema.md)")
    return record


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
