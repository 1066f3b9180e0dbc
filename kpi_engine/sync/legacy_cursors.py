"""Cursors saved before they were kept per source, handed to the source they belonged to.

Earlier versions kept one cursor per connector and stream (``kpi_sync_state``), whatever
account the connector read. Since a warehouse upgraded from then was synced with one
account per connector (a second one would have started from the first one's cursor), the
old cursors belong to the account whose rows are already there. The first sync of a
source that finds no cursor of its own in ``kpi_sync_cursors`` takes the old cursors,
and deletes them, in one transaction, when:

- the connector declares no source identity (""), or none of its tables has a ``source``
  column to tell (ad connectors: the first account synced after the upgrade takes them);
- or one of its tables already holds rows of this source.

A new source (a second shop added after the upgrade) has no rows yet: it leaves the old
cursors to the source they belong to and reads from the start. So an upgrade neither
re-reads a single shop from scratch nor hands its cursor to another shop.
"""

from __future__ import annotations

from collections.abc import Callable

from ..connectors import Connector
from ..schema import TABLES
from ..warehouses.base import Warehouse


def adopt_legacy_cursors(warehouse: Warehouse, name: str, connector: Connector,
                         source: str, log: Callable[[str], None] | None = None) -> bool:
    """Move ``name``'s old cursors to ``source`` where they belong to it; True if moved."""
    legacy = warehouse.legacy_states(name)
    if not legacy or warehouse.get_states(name, source):
        return False
    if source and not _has_rows(warehouse, connector, source):
        return False
    with warehouse.transaction():
        for stream, cursor in sorted(legacy.items()):
            warehouse.set_state(name, stream, cursor, source)
        warehouse.clear_legacy_states(name)
    if log is not None:
        log(f"cursors saved for {name!r} by an earlier version now belong to source "
            f"{source!r}")
    return True


def _has_rows(warehouse: Warehouse, connector: Connector, source: str) -> bool:
    """True if a table of the connector holds rows of ``source``, or none can tell."""
    tables = [t for n in connector.tables if (t := TABLES.get(n)) is not None
              and "source" in t.column_names]
    if not tables:
        return True
    for table in tables:
        if warehouse.table_exists(table.name) and warehouse.query_params(
                f"SELECT 1 FROM {warehouse.qualify(table.name)} WHERE "
                f"{warehouse._q('source')} = {warehouse.param} LIMIT 1", (source,)).rows:
            return True
    return False
