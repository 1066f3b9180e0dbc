"""Errors the engine reports to users: one line each, with a location when known."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Location:
    """Where in a spec file something was written (1-based line and column)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


class KpiError(Exception):
    """A user error: bad input, unknown names, unsupported requests. Exit code 1."""

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: {self.message}"
        return self.message


class SpecError(KpiError):
    """A problem in a spec file."""


class SpecErrors(KpiError):
    """Several spec problems found at once, reported one per line."""

    def __init__(self, errors: list[KpiError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class CompileError(KpiError):
    """A request that cannot be compiled (unknown metric, unsupported grain, ...)."""


class WarehouseError(KpiError):
    """A warehouse could not be reached or refused a statement."""


class SyncError(KpiError):
    """A connector or load failed; nothing was written."""


_HINT_CANDIDATES = 200  # names compared by difflib, so 10,000 names and 10,000 typos stay fast


def did_you_mean(name: str, candidates: list[str] | set[str]) -> str:
    """A ' (did you mean X?)' suffix for the closest candidate, or ''."""
    import difflib

    if len(candidates) > _HINT_CANDIDATES:
        # difflib costs ~10 us a candidate: with thousands of names and as many errors that
        # was quadratic. Keep the names most likely to be meant: same first letter, close
        # length (a match needs a similar length anyway).
        groups, ends = _name_index(frozenset(candidates))
        sizes = range(len(name) - 2, len(name) + 3)
        near: list[str] = []
        if sum(len(groups.get((name[:1], n), ())) for n in sizes) > _HINT_CANDIDATES:
            # a typo usually keeps the end too
            near = [c for n in sizes for c in ends.get((name[:1], n, name[-3:]), ())]
        if not near:
            near = [c for n in sizes for c in groups.get((name[:1], n), ())]
        candidates = near if len(near) <= _HINT_CANDIDATES else sorted(near)[:_HINT_CANDIDATES]
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@lru_cache(maxsize=4)
def _name_index(names: frozenset[str]) -> tuple[dict, dict]:
    """Names by (first letter, length) and by (first letter, length, last three letters),
    made once per set of names: thousands of errors against thousands of names would
    otherwise scan every name for every error."""
    groups: dict[tuple[str, int], list[str]] = {}
    ends: dict[tuple[str, int, str], list[str]] = {}
    for n in names:
        groups.setdefault((n[:1], len(n)), []).append(n)
        ends.setdefault((n[:1], len(n), n[-3:]), []).append(n)
    return groups, ends
