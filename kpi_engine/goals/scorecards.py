"""Scorecards: named lists of KPIs checked together. One ships per domain of the source
articles (docs/kpi-catalog.md); ``scorecards:`` in kpi.yaml adds more or replaces one.
"""

from __future__ import annotations

from .config import GoalConfigError

SHIPPED: dict[str, tuple[str, ...]] = {
    "sales": ("net_sales", "orders", "aov", "conversion_rate", "cart_abandonment_rate",
              "gross_margin", "churn_rate"),
    "marketing": ("sessions", "new_users", "bounce_rate", "email_open_rate", "roas",
                  "cpc"),
    "customer_service": ("support_tickets", "first_response_time", "resolution_time", "csat",
                         "nps"),
    "production": ("oee", "production_yield", "units_produced", "non_compliance_incidents"),
    "project_management": ("cpi", "cost_variance", "hours_variance", "roi"),
    "b2b": ("online_orders", "online_order_share", "online_retention_rate"),
}
MAX_SCORECARD_KPIS = 200


def scorecards(project, registry) -> dict[str, tuple[str, ...]]:
    """Shipped scorecards (those whose KPIs the registry has) and the project's own."""
    out = {name: tuple(m for m in kpis if m in registry.metrics)
           for name, kpis in SHIPPED.items()}
    for name, kpis in (project.scorecards or {}).items():
        where = project._where(("scorecards", name))
        if isinstance(kpis, str):
            kpis = [kpis]
        if not isinstance(kpis, list) or not kpis or len(kpis) > MAX_SCORECARD_KPIS:
            raise GoalConfigError(f"scorecards.{name}: a list of 1 to {MAX_SCORECARD_KPIS} "
                                  "KPI names", where)
        names = []
        for i, kpi in enumerate(kpis):
            if not isinstance(kpi, str) or (kpi not in registry.metrics
                                            and kpi not in registry.aliases):
                from ..errors import did_you_mean

                raise GoalConfigError(
                    f"scorecards.{name}[{i}]: unknown metric {str(kpi)[:60]!r}"
                    f"{did_you_mean(str(kpi), set(registry.metrics))}",
                    project._where(("scorecards", name, i)))
            names.append(registry.metric(kpi).name)
        out[str(name)] = tuple(dict.fromkeys(names))
    return {n: k for n, k in out.items() if k}
