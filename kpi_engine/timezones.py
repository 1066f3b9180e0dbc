"""Time-zone names as users type them: ``utc``, ``asia/ho_chi_minh`` and ``Asia/Ho_Chi_Minh``
are one zone. Names are matched without regard to case and given back in the IANA
database's own spelling, which every engine understands."""

from __future__ import annotations

from functools import cache


def canonical_timezone(name: str) -> str | None:
    """The IANA spelling of ``name``, or None when no zone has that name."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(name, str) or not name or len(name) > 100 or "\x00" in name:
        return None
    if name.upper() == "UTC":
        return "UTC"
    try:
        ZoneInfo(name)  # the usual case, exactly spelled: no need to list every zone
        return name
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return _names().get(name.lower())


@cache
def _names() -> dict[str, str]:
    """Every zone name, by its lower-case spelling (read once, when a name is not exact)."""
    from zoneinfo import available_timezones

    return {n.lower(): n for n in available_timezones()}
