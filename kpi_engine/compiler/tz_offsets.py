"""UTC offsets of a timezone as plain data, for engines without timezone support.

MySQL/MariaDB only convert named zones when the server's timezone tables are loaded
(often not), and SQLite has no timezones at all. For those, a conversion is compiled as
arithmetic: a fixed offset when the zone has one, else a CASE over the zone's offset
changes (DST transitions) computed here from the IANA database (zoneinfo).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

FIRST_YEAR, LAST_YEAR = 1970, 2100
_UTC = ZoneInfo("UTC")


@lru_cache(maxsize=64)
def offset_changes(tz: str, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR
                   ) -> tuple[tuple[datetime, int], ...]:
    """(UTC instant, offset in minutes from then on), starting at ``first_year``."""
    zone = ZoneInfo(tz)

    def offset_at(utc: datetime) -> int:
        off = utc.replace(tzinfo=_UTC).astimezone(zone).utcoffset() or timedelta(0)
        return int(off.total_seconds() // 60)

    start = datetime(first_year, 1, 1)
    end = datetime(last_year + 1, 1, 1)
    changes = [(start, offset_at(start))]
    day = start
    current = changes[0][1]
    while day < end:
        nxt = day + timedelta(days=1)
        if offset_at(nxt) != current:
            lo, hi = day, nxt  # binary search for the minute the offset changes
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if offset_at(mid) == current:
                    lo = mid
                else:
                    hi = mid
            current = offset_at(hi)
            changes.append((hi.replace(second=0, microsecond=0), current))
        day = nxt
    return tuple(changes)


def fixed_offset(tz: str) -> int | None:
    """The zone's offset in minutes if it never changes from 1970 to 2100, else None."""
    changes = offset_changes(tz)
    return changes[0][1] if len({off for _, off in changes}) == 1 else None


def local_changes(tz: str) -> tuple[tuple[datetime, int], ...]:
    """The same changes expressed in local wall-clock time (for local -> UTC)."""
    return tuple((utc + timedelta(minutes=off), off) for utc, off in offset_changes(tz))
