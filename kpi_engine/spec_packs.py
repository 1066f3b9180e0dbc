"""Which plugin spec packs are broken: a pack whose own files have problems is skipped
(and reported as a broken plugin) instead of failing every command of the user."""

from __future__ import annotations

from .errors import KpiError


def broken_packs(errors: list[KpiError], pack_files: dict[str, str]
                 ) -> dict[str, list[KpiError]]:
    """Errors located in a pack's files, by pack; each broken pack is also recorded in
    ``plugins.broken_plugins`` with its first problem."""
    broken: dict[str, list[KpiError]] = {}
    for err in errors:
        file = err.location.file if err.location is not None else None
        pack = pack_files.get(file) if file else None
        if pack is not None:
            broken.setdefault(pack, []).append(err)
    if broken:
        from .plugins import BrokenPlugin, broken_plugins

        for pack, errs in broken.items():
            more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
            entry = BrokenPlugin(f"spec pack {pack}", f"skipped: {errs[0]}{more}")
            if entry not in broken_plugins:
                broken_plugins.append(entry)
    return broken
