"""Incremental reading of one stream by an "updated at" timestamp.

Read from the saved cursor minus a lookback window (updates that arrive late, or whose
clock lags, are read again; the merge by primary key makes re-reading harmless), and save
as the new cursor:
- for a stream the API returns oldest-updated first, the newest timestamp seen so far,
  after every page (a killed sync resumes from its last committed page);
- for any other order, only once the stream is complete (``done``), the sync's start
  time: an interrupted run then re-reads the stream from the old cursor, losing nothing.
The engine caps every ISO cursor at the sync's start, so a source clock running ahead
cannot make the next run skip rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from ..connectors import SyncContext


class UpdatedCursor:
    """Tracks one stream's ``updated_at`` cursor during a sync."""

    def __init__(self, context: SyncContext, stream: str, *, lookback: timedelta =
                 timedelta(hours=1), start_date: date | None = None, ordered: bool = True):
        self.context = context
        self.stream = stream
        self.ordered = ordered
        self.saved = parse_timestamp(context.cursors.get(stream)) \
            if not context.full_refresh else None
        start = datetime.combine(start_date, time(), UTC) if start_date else None
        self.since: datetime | None = self.saved - lookback if self.saved else start
        if self.since is not None and start is not None and self.since < start:
            self.since = start
        self.newest: datetime | None = None

    def observe(self, value: str | datetime | None) -> None:
        """Note one record's update time (ISO text or datetime; None is ignored)."""
        stamp = value if isinstance(value, datetime) else parse_timestamp(value)
        if stamp is not None and (self.newest is None or stamp > self.newest):
            self.newest = stamp

    def page_cursor(self) -> str | None:
        """The cursor to save with the page just read (None: save nothing yet)."""
        if not self.ordered or self.newest is None:
            return None
        # Never back: the lookback window re-reads records older than the saved cursor.
        return iso(max(self.newest, self.saved) if self.saved else self.newest)

    def done(self) -> str:
        """The cursor to save once the whole stream was read."""
        if self.ordered and self.newest is not None:
            newest = max(self.newest, self.saved) if self.saved else self.newest
            return iso(min(newest, self.context.started_at))
        if self.ordered and self.saved is not None:
            return iso(self.saved)  # nothing new
        return iso(self.context.started_at)

    def since_iso(self) -> str | None:
        """``since`` as ``2024-03-01T10:00:00Z`` for a query parameter, or None."""
        return iso(self.since) if self.since else None


def parse_timestamp(value: str | None) -> datetime | None:
    """An ISO date or timestamp as an aware UTC datetime; None for None or unreadable."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC)


def iso(stamp: datetime) -> str:
    """UTC, second precision, ``Z``: the form APIs accept in a query filter."""
    return stamp.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
