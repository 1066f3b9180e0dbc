"""Chart specifications drawn by plotly.js (bundled into the page): a sparkline per
tile, a bar chart per breakdown or driver tree, a lineage graph per KPI.

They are plotly figure specifications (``{"data": [...], "layout": {...}}``) written as
plain dicts: building them through ``plotly.graph_objects`` validates each one and cost
seconds for a page of 150 KPIs. The tests check every figure of a page with
``plotly.graph_objects.Figure`` (strict validation), so the specs stay valid plotly."""

from __future__ import annotations

from typing import Any

GOOD, BAD, NEUTRAL = "#1a7f37", "#cf222e", "#57606a"
_LAYOUT = dict(template={}, margin=dict(l=4, r=4, t=4, b=4), showlegend=False,
               paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)")


def _figure(data: list[dict], **layout: Any) -> dict:
    return {"data": data, "layout": {**_LAYOUT, **layout}}


def sparkline(points: list[tuple[str, float | None]], labels: list[str],
              hover: list[str]) -> dict:
    line = dict(type="scatter", x=labels, y=[v for _, v in points], mode="lines+markers",
                line=dict(color="#4a6fa5", width=2), marker=dict(size=4),
                hovertext=hover, hoverinfo="text", connectgaps=False)
    return _figure([line], height=60, xaxis=dict(visible=False, fixedrange=True),
                   yaxis=dict(visible=False, fixedrange=True))


def _hbars(labels: list[str], values: list[float | None], texts: list[str],
           colours: str | list[str]) -> dict:
    bar = dict(type="bar", x=values, y=labels, orientation="h", text=texts,
               textposition="auto", hoverinfo="y+text", marker=dict(color=colours))
    # Bars grow from the left in every language (a number line), labels on their left;
    # mirrored axes clipped the labels of right-to-left pages.
    # Room for the labels reserved up front: plotly measures text in the page's direction,
    # and on right-to-left pages its automatic margin came out too narrow.
    room = min(160, 7 * max((len(str(label)) for label in labels), default=4) + 14)
    return _figure([bar], height=28 * len(labels) + 16,
                   margin=dict(l=room, r=4, t=4, b=4),
                   xaxis=dict(visible=False, fixedrange=True),
                   yaxis=dict(autorange="reversed", automargin=True, fixedrange=True))


def bars(slices: list[tuple[str, float | None]], texts: list[str]) -> dict:
    return _hbars([label for label, _ in slices], [v for _, v in slices], texts, "#7a9cc6")


def drivers(parts, direction: str) -> dict:
    """Each driver's contribution to the change, coloured as the change would be."""
    def colour(amount: float) -> str:
        if direction == "neutral" or amount == 0:
            return NEUTRAL
        return GOOD if (amount > 0) == (direction == "higher_is_better") else BAD

    return _hbars([p.label for p in parts], [p.contribution for p in parts],
                  [p.text for p in parts], [colour(p.contribution) for p in parts])


def lineage(graph, name: str, labels: dict[str, str]) -> dict:
    """``name`` and everything it is computed from, one column per step away from it."""
    import networkx as nx

    if name not in graph:
        return _figure([])
    depth = nx.single_source_shortest_path_length(graph, name)
    columns: dict[int, list[str]] = {}
    for node, d in sorted(depth.items(), key=lambda kv: (kv[1], kv[0])):
        columns.setdefault(d, []).append(node)
    pos = {node: (d, -i + (len(col) - 1) / 2) for d, col in columns.items()
           for i, node in enumerate(col)}
    ex: list[float | None] = []
    ey: list[float | None] = []
    for a, b in graph.subgraph(depth).edges():
        ex += [pos[a][0], pos[b][0], None]
        ey += [pos[a][1], pos[b][1], None]
    edges = dict(type="scatter", x=ex, y=ey, mode="lines", line=dict(color="#aab", width=1),
                 hoverinfo="skip")
    nodes = list(pos)
    sources = [n.startswith("source:") for n in nodes]
    points = dict(type="scatter", x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes],
                  mode="markers+text", textposition="top center", hovertext=nodes,
                  hoverinfo="text",
                  text=[labels.get(n, n.removeprefix("source:")) for n in nodes],
                  marker=dict(size=12, symbol=["square" if s else "circle" for s in sources],
                              color=["#c58b3a" if s else "#4a6fa5" for s in sources]))
    tallest = max(len(col) for col in columns.values())
    return _figure([edges, points], height=max(160, 60 * tallest),
                   xaxis=dict(visible=False), yaxis=dict(visible=False),
                   margin=dict(l=40, r=40, t=20, b=10))
