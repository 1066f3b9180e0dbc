"""Driver trees on the page: for a KPI whose spec declares ``drivers:``, how much each
driver contributed to this period's change against the previous one — computed by
``kpi explain`` (kpi_engine.explain), over the warehouse the report already holds."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import KpiError
from ..workspace import Workspace
from .window import Window


@dataclass(frozen=True)
class Contribution:
    metric: str
    label: str
    contribution: float  # in the explained KPI's unit
    text: str


class _Borrowed:
    """The report's open warehouse, lent to ``explain`` (which closes what it opens)."""

    def __init__(self, wh):
        self._wh = wh

    def __getattr__(self, name):
        return getattr(self._wh, name)

    def close(self) -> None:
        pass


class ConnectedWorkspace(Workspace):
    """A Workspace over a registry, a project and a warehouse already connected."""

    def __init__(self, registry, project, wh):
        super().__init__()
        self.__dict__["registry"] = registry  # the cached properties, given
        self.__dict__["project"] = project
        self._wh = wh

    def connect(self, url, *, create: bool = False):
        return _Borrowed(self._wh)

    def schema_for(self, url):
        return self._wh.schema


def period_text(window: Window) -> str:
    start = window.period
    if window.grain == "year":
        return f"{start.year}"
    if window.grain == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def driver_contributions(registry, project, wh, names, window: Window, lang: str,
                         currency: str | None) -> dict[str, list[Contribution]]:
    """metric -> its drivers' contributions, for the KPIs among ``names`` with a tree.
    A tree that cannot be explained (no value last period) is left out."""
    from ..explain.tree import explain
    from ..formatting import value_text
    from ..units import unit_of

    with_trees = [n for n in names if registry.metric(n).drivers is not None]
    if not with_trees:
        return {}
    ws = ConnectedWorkspace(registry, project, wh)
    out: dict[str, list[Contribution]] = {}
    for name in with_trees:
        try:
            tree = explain(ws, name, period_text(window)).tree
        except KpiError:
            continue
        unit = unit_of(registry, name)
        parts = [Contribution(d.metric, registry.metric(d.metric).label_in(lang),
                              d.contribution, _signed(value_text(d.contribution, unit, lang,
                                                                 currency), d.contribution))
                 for d in tree.drivers if d.contribution is not None]
        if parts:
            out[name] = parts
    return out


def _signed(text: str, amount: float) -> str:
    return f"+{text}" if amount > 0 and not text.startswith("+") else text
