"""Chart specifications drawn by plotly.js (bundled into the page): a sparkline per
tile, a bar chart per breakdown, a lineage graph per KPI. Built with plotly's figure
objects (validated) and handed to the page as JSON; no chart is drawn by hand."""

from __future__ import annotations

from typing import Any

_LAYOUT = dict(template="none", margin=dict(l=4, r=4, t=4, b=4), showlegend=False,
               paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)")


def _figure(data: list, **layout: Any) -> dict:
    import plotly.graph_objects as go

    return go.Figure(data=data, layout={**_LAYOUT, **layout}).to_plotly_json()


def sparkline(points: list[tuple[str, float | None]], labels: list[str],
              hover: list[str]) -> dict:
    import plotly.graph_objects as go

    line = go.Scatter(x=labels, y=[v for _, v in points], mode="lines+markers",
                      line=dict(color="#4a6fa5", width=2), marker=dict(size=4),
                      hovertext=hover, hoverinfo="text", connectgaps=False)
    return _figure([line], height=60, xaxis=dict(visible=False, fixedrange=True),
                   yaxis=dict(visible=False, fixedrange=True))


def bars(slices: list[tuple[str, float | None]], texts: list[str], rtl: bool) -> dict:
    import plotly.graph_objects as go

    labels = [label for label, _ in slices]
    bar = go.Bar(x=[v for _, v in slices], y=labels, orientation="h", text=texts,
                 textposition="auto", hoverinfo="y+text", marker=dict(color="#7a9cc6"))
    return _figure([bar], height=28 * len(slices) + 16,
                   xaxis=dict(visible=False, fixedrange=True, autorange="reversed"
                              if rtl else True),
                   yaxis=dict(autorange="reversed", automargin=True, fixedrange=True,
                              side="right" if rtl else "left"))


GOOD, BAD, NEUTRAL = "#1a7f37", "#cf222e", "#57606a"


def drivers(parts, direction: str, rtl: bool) -> dict:
    """Each driver's contribution to the change, coloured as the change would be."""
    import plotly.graph_objects as go

    def colour(amount: float) -> str:
        if direction == "neutral" or amount == 0:
            return NEUTRAL
        return GOOD if (amount > 0) == (direction == "higher_is_better") else BAD

    bar = go.Bar(x=[p.contribution for p in parts], y=[p.label for p in parts],
                 orientation="h", text=[p.text for p in parts], textposition="auto",
                 hoverinfo="y+text", marker=dict(color=[colour(p.contribution)
                                                        for p in parts]))
    return _figure([bar], height=28 * len(parts) + 16,
                   xaxis=dict(visible=False, fixedrange=True, autorange="reversed"
                              if rtl else True),
                   yaxis=dict(autorange="reversed", automargin=True, fixedrange=True,
                              side="right" if rtl else "left"))


def lineage(graph, name: str, labels: dict[str, str]) -> dict:
    """``name`` and everything it is computed from, one column per step away from it."""
    import networkx as nx
    import plotly.graph_objects as go

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
    edges = go.Scatter(x=ex, y=ey, mode="lines", line=dict(color="#aab", width=1),
                       hoverinfo="skip")
    nodes = list(pos)
    text = [labels.get(n, n.removeprefix("source:")) for n in nodes]
    points = go.Scatter(x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes],
                        mode="markers+text", text=text, textposition="top center",
                        hovertext=nodes, hoverinfo="text",
                        marker=dict(size=12, symbol=["square" if n.startswith("source:")
                                                     else "circle" for n in nodes],
                                    color=["#c58b3a" if n.startswith("source:") else
                                           "#4a6fa5" for n in nodes]))
    tallest = max(len(col) for col in columns.values())
    return _figure([edges, points], height=max(160, 60 * tallest),
                   xaxis=dict(visible=False), yaxis=dict(visible=False),
                   margin=dict(l=40, r=40, t=20, b=10))
