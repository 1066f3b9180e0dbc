"""``kpi explain METRIC --period P [--vs P0]``: why a KPI moved (kpi_engine/explain)."""

from __future__ import annotations

import json
from typing import Any

import click

from .context import AppContext
from .options import format_option, lang_option, warehouse_option
from .output import format_value, render_table


@click.command("explain")
@click.argument("metric")
@click.option("--period", required=True, metavar="PERIOD",
              help="The period to explain: 2026, 2026-Q1, 2026-03, 2026-W10 or 2026-03-05.")
@click.option("--vs", metavar="PERIOD",
              help="The period compared with (same length; default: the one before).")
@click.option("--by", "by", multiple=True, metavar="DIM",
              help="Show the change by this dimension (repeatable; default: the "
              "dimensions the metric's drivers name).")
@warehouse_option
@format_option("table", "json")
@lang_option
@click.pass_obj
def explain_cmd(app: AppContext, metric, period, vs, by, warehouse, fmt, lang) -> None:
    """Why METRIC changed between two periods: the change divided among the drivers its
    spec declares (exact for sums, log-mean attribution for products), then by slice."""
    from ..explain.tree import explain

    result = explain(app, metric, period, vs, by or None, warehouse)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(explanation_text(app, result, lang))


def explanation_text(app: AppContext, result: Any, lang: str = "en") -> str:
    from ..units import unit_of

    unit = result.unit

    def money(value, u=unit):
        return format_value(value, u, lang)

    ratio = result.change_ratio
    head = (f"{result.metric}: {money(result.tree.prior)} in {result.vs} -> "
            f"{money(result.tree.value)} in {result.period}, change "
            f"{_signed(money(result.change))}"
            + (f" ({_signed(format_value(ratio, 'percent', lang))})" if ratio is not None
               else "") + (f": {result.verdict}" if result.verdict else ""))
    lines = [head]
    if result.tree.relation:
        rows: list[list[str]] = []

        def walk(node, depth: int) -> None:
            u = unit_of(app.registry, node.metric)
            label = "  " * depth + ("- " if node.sign < 0 else "") + node.metric
            if node.relation == "sum" or (node.relation and not node.method):
                label += f" ({node.relation}{'' if node.method else ', values missing'})"
            elif node.relation:
                label += f" (product, {node.method})"
            rows.append([label, format_value(node.prior, u, lang),
                         format_value(node.value, u, lang),
                         _signed(format_value(node.contribution, unit, lang))])
            for child in node.drivers:
                walk(child, depth + 1)
            if node.unexplained is not None and abs(node.unexplained) > 1e-6 * max(
                    1.0, abs(node.contribution or 0.0)):
                rows.append(["  " * (depth + 1) + "(not explained by the drivers)", "", "",
                             _signed(format_value(node.unexplained, unit, lang))])

        walk(result.tree, 0)
        lines += ["", render_table(["driver", result.vs, result.period, "contribution"], rows)]
    for dim, slices in result.by.items():
        rows = [[str(s[dim]) if s[dim] is not None else "—", money(s["prior"]),
                 money(s["value"]), _signed(money(s["change"])),
                 format_value(s["share"], "percent", lang) if s["share"] is not None else ""]
                for s in slices]
        lines += ["", render_table([dim, result.vs, result.period, "change", "share"], rows)]
    return "\n".join(lines)


def _signed(text: str) -> str:
    return text if text.startswith(("-", "−", "—")) or text == "" else "+" + text


COMMANDS = [explain_cmd]
