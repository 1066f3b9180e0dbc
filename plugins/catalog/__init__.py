"""The shipped KPI catalog (``metric_specs/``), contributed as a spec pack."""

from __future__ import annotations

from importlib.resources import files

from kpi_engine import hookimpl


@hookimpl
def kpi_register_spec_packs(register):
    register("catalog", files("kpi_engine_specs"))
