"""The metric dependency graph (networkx): compile order, lineage, rendering."""

from __future__ import annotations

import json

import networkx as nx

from .dependency_cycles import find_cycle  # noqa: F401 - part of this module's API
from .registry import Registry


def build_graph(registry: Registry) -> nx.DiGraph:
    """Edges point from a metric to each metric it is computed from; base metrics also
    point to their source (node ``source:<name>``)."""
    graph = nx.DiGraph()
    for name, metric in registry.metrics.items():
        graph.add_node(name, kind="metric", type=metric.type)
        for dep in registry.depends_on(name):
            graph.add_edge(name, dep)
        if metric.source:
            graph.add_node(f"source:{metric.source}", kind="source")
            graph.add_edge(name, f"source:{metric.source}")
    return graph


def upstream(graph: nx.DiGraph, name: str) -> set[str]:
    """Everything ``name`` depends on, transitively (metrics and sources)."""
    return nx.descendants(graph, name) if name in graph else set()


def downstream(graph: nx.DiGraph, name: str) -> set[str]:
    """Every metric that depends on ``name``, transitively."""
    return nx.ancestors(graph, name) if name in graph else set()


def compile_order(graph: nx.DiGraph, names: list[str]) -> list[str]:
    """The requested metrics and everything they need, dependencies first."""
    needed = set(names)
    for n in names:
        needed |= {m for m in upstream(graph, n) if not m.startswith("source:")}
    sub = graph.subgraph(needed)
    return [n for n in reversed(list(nx.topological_sort(sub)))]


def subgraph_for(graph: nx.DiGraph, names: list[str] | None) -> nx.DiGraph:
    if not names:
        return graph
    keep = set(names)
    for n in names:
        keep |= upstream(graph, n) | downstream(graph, n)
    return graph.subgraph(keep)


def _node_id(name: str) -> str:
    return name.replace(":", "__")


def to_mermaid(graph: nx.DiGraph) -> str:
    lines = ["graph LR"]
    for node, data in sorted(graph.nodes(data=True)):
        label = node.removeprefix("source:")
        shape = f"[({label})]" if data.get("kind") == "source" else f"[{label}]"
        lines.append(f"    {_node_id(node)}{shape}")
    for a, b in sorted(graph.edges()):
        lines.append(f"    {_node_id(b)} --> {_node_id(a)}")
    return "\n".join(lines)


def to_dot(graph: nx.DiGraph) -> str:
    lines = ["digraph kpis {", "    rankdir=LR;"]
    for node, data in sorted(graph.nodes(data=True)):
        shape = "cylinder" if data.get("kind") == "source" else "box"
        lines.append(f'    "{node}" [shape={shape}];')
    for a, b in sorted(graph.edges()):
        lines.append(f'    "{b}" -> "{a}";')
    lines.append("}")
    return "\n".join(lines)


def to_json(graph: nx.DiGraph) -> str:
    nodes = [{"id": n, **d} for n, d in sorted(graph.nodes(data=True))]
    edges = [{"from": b, "to": a} for a, b in sorted(graph.edges())]
    return json.dumps({"nodes": nodes, "edges": edges}, indent=2)
