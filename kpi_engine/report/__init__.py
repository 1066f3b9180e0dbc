"""``kpi report``: one self-contained HTML page of a project's KPIs (tiles per domain,
comparisons, targets, sparklines, breakdowns, lineage, benchmarks) in en/vi/fa/ms.

The page opens without a network: plotly's JavaScript is written into it. Jinja2, plotly
and Babel are imported only when a report is built (the ``report`` extra)."""
