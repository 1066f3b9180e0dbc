"""``drivers:`` (kpi explain's driver trees): every driver is a known metric that can be
compared between periods, ``-name`` only in a sum, no metric among its own drivers."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import SpecError, did_you_mean
from ..registry import Registry


def driver_names(metric) -> list[tuple[int, str]]:
    """(sign, name as written without its sign) of each driver."""
    assert metric.drivers is not None
    return [(-1, m[1:].strip()) if m.startswith("-") else (1, m.strip())
            for m in metric.drivers.metrics]


class DriverRule:
    name = "drivers"

    def check(self, registry: Registry) -> Iterator[SpecError]:
        from .rules import _offset_users

        offsets = None
        for metric in registry.metrics.values():
            if metric.drivers is None:
                continue
            where = metric.field_location("drivers")
            offsets = offsets if offsets is not None else _offset_users(registry)
            subject = f"metric {metric.name!r}: drivers"
            if metric.name in offsets:
                yield SpecError(f"{subject}: a metric that compares periods (an offset) "
                                "cannot be explained by drivers", where)
            seen: set[str] = set()
            for sign, written in driver_names(metric):
                target = registry.metrics.get(written) or registry.metrics.get(
                    registry.aliases.get(written, ""))
                if sign < 0 and metric.drivers.relation != "sum":
                    yield SpecError(f"{subject}: '-{written}' subtracts, which only a sum "
                                    "can do", where)
                elif target is None:
                    yield SpecError(f"{subject}: unknown metric {written!r}"
                                    f"{did_you_mean(written, set(registry.metrics))}", where)
                elif target.name == metric.name:
                    yield SpecError(f"{subject}: a metric cannot drive itself", where)
                elif target.name in seen:
                    yield SpecError(f"{subject}: {written!r} is listed twice", where)
                elif target.name in offsets:
                    yield SpecError(f"{subject}: {written!r} compares periods (an offset) "
                                    "and cannot be a driver", where)
                if target is not None:
                    seen.add(target.name)
        yield from _cycles(registry)


def _cycles(registry: Registry) -> Iterator[SpecError]:
    """A metric reached again through drivers of drivers (explain would never end)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def children(name: str) -> list[str]:
        metric = registry.metrics[name]
        if metric.drivers is None:
            return []
        found = []
        for _, written in driver_names(metric):
            target = registry.metrics.get(written) or registry.metrics.get(
                registry.aliases.get(written, ""))
            if target is not None and target.name != name:
                found.append(target.name)
        return found

    for start in registry.metrics:
        if state.get(start) or registry.metrics[start].drivers is None:
            continue
        stack: list[tuple[str, list[str]]] = [(start, children(start))]
        path = [start]
        state[start] = 1
        while stack:
            name, todo = stack[-1]
            if not todo:
                stack.pop()
                path.pop()
                state[name] = 2
                continue
            child = todo.pop()
            if state.get(child) == 1:
                cycle = path[path.index(child):] + [child]
                metric = registry.metrics[cycle[0]]
                yield SpecError("drivers cycle: " + " -> ".join(cycle),
                                metric.field_location("drivers"))
                return
            if not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, children(child)))
