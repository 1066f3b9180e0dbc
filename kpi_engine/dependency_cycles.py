"""Finding a dependency cycle without networkx (validation runs on every cold start, and
importing networkx alone costs about 0.1 s)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle as a path ``[a, b, ..., a]``, or None. ``graph[node]`` gives a node's
    successors: a dict of lists, or a networkx DiGraph.

    An iterative depth-first search, linear in nodes and edges: ``nx.find_cycle`` on a
    subgraph view took quadratic time on long chains (10,000 metrics), and recursion would
    overflow on them.
    """
    done: set[str] = set()
    for root in graph:
        if root in done:
            continue
        path, on_path = [root], {root: 0}
        stack = [iter(graph[root])]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                node = path.pop()
                del on_path[node]
                done.add(node)
                continue
            if child in on_path:
                return path[on_path[child]:] + [child]
            if child not in done:
                on_path[child] = len(path)
                path.append(child)
                stack.append(iter(graph[child]))
    return None
