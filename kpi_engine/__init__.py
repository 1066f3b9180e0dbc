"""kpi-engine: KPIs declared in YAML, compiled by sqlglot, evaluated where the data is."""

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("kpi_engine")

__all__ = ["__version__", "hookimpl"]
