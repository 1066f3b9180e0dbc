"""What an evaluation gives back: the records (one dict per period and slice, as ``kpi
eval --format json`` prints them) and conversions to data-frame libraries.

pyarrow ships with kpi-engine; pandas and polars are optional (``pip install
'commerce-kpi-engine[pandas]'`` or ``[polars]``) and imported only when asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import KpiError


class MissingLibrary(KpiError):
    """A conversion needs a library that is not installed."""


@dataclass
class Result:
    records: list[dict[str, Any]]
    metrics: list[str]  # the metrics' names (aliases resolved), in request order
    dimensions: list[str] = field(default_factory=list)
    grain: str = "month"
    units: dict[str, str] = field(default_factory=dict)
    compare: tuple[int, str] | None = None  # the step back compared with, if any
    sql: str = ""  # the one statement that computed the records

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    @property
    def columns(self) -> list[str]:
        if self.records:
            return list(self.records[0])
        keys = (["period"] if self.grain != "all" else []) + self.dimensions
        return keys + self.metrics

    def to_arrow(self):
        """A ``pyarrow.Table``; exact decimals stay decimals."""
        pa = _library("pyarrow", "pyarrow")
        columns = self.columns
        return pa.table({c: _arrow_column(pa, [r.get(c) for r in self.records])
                         for c in columns})

    def to_pandas(self):
        """A ``pandas.DataFrame`` (needs pandas)."""
        _library("pandas", "pandas")
        return self.to_arrow().to_pandas()

    def to_polars(self):
        """A ``polars.DataFrame`` (needs polars)."""
        pl = _library("polars", "polars")
        return pl.from_arrow(self.to_arrow())


def _library(module: str, extra: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingLibrary(f"{module} is not installed: pip install {module} (or "
                             f"'commerce-kpi-engine[{extra}]')") from None


def _arrow_column(pa, values: list[Any]):
    """One column; a mix of Decimal and float (engines differ) becomes float."""
    kinds = {type(v) for v in values if v is not None}
    if Decimal in kinds and kinds - {Decimal, int}:
        values = [float(v) if isinstance(v, Decimal) else v for v in values]
    return pa.array(values)
