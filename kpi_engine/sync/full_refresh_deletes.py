"""Rows deleted at the source, removed by a complete ``--full-refresh``.

A paged API connector merges page by page, so a row deleted at the source (a deleted
Shopify order) would stay in the warehouse for ever. A connector lists, in
``Connector.full_refresh_deletes``, the tables whose rows a full refresh reads in full
(``{"orders": ("order_lines", "refunds", "checkouts")}``: an order and the rows that
belong to it). During a full refresh the keys of those tables' rows written by the run
are kept in a scratch table in the warehouse, in each page's transaction (memory does
not grow with the shop). A stream that has read all of such a table for some sources
says so on a page (``Page.complete_for``). Once the connector has yielded its last page,
one transaction deletes, per such table and source, the rows whose key the run did not
write, and the rows of the dependent tables whose parent key is among them (matched on
the parent's key columns; rows with that key empty, such as an abandoned checkout with no
order, are kept). Only those sources' rows: other shops and connectors keep theirs.

A run that fails or is killed deletes nothing (its scratch tables are dropped by the next
full refresh). Rows are deleted, not marked: the canonical tables describe the source as
it is, and a deleted order has no status to keep (docs/connectors.md, "Full refresh").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..connectors import Page
from ..schema import TABLES, Table
from ..warehouses.base import Warehouse
from .coerce import CoercedPage

SCRATCH_PREFIX = "kpi_sync_seen_"


class FullRefreshDeletes:
    """The keys one full refresh wrote, and the deletes they lead to."""

    def __init__(self, warehouse: Warehouse, connector: str,
                 parents: Mapping[str, Sequence[str]]):
        self.warehouse = warehouse
        self.parents = {name: tuple(children) for name, children in parents.items()}
        tag = re.sub(r"\W", "_", connector)
        self.scratch = {name: _scratch_table(TABLES[name], f"{SCRATCH_PREFIX}{tag}_{name}")
                        for name in self.parents}
        self.complete: dict[str, set[str]] = {}
        self.deleted: dict[str, int] = {}

    def start(self) -> None:
        """Empty scratch tables (a killed run may have left some)."""
        for table in self.scratch.values():
            self.warehouse.drop_table(table.name)
            self.warehouse.ensure_table(table)

    def note(self, page: Page, coerced: CoercedPage) -> None:
        """Keep the keys of a page just merged; call inside its transaction."""
        table = coerced.table.name
        scratch = self.scratch.get(table)
        if scratch is None:
            return
        if coerced.arrow is not None:  # a page in columns: its key columns as they are
            self.warehouse.upsert_arrow(scratch, coerced.arrow.select(
                list(scratch.primary_key)))
        elif coerced.rows:
            index = [coerced.columns.index(k) for k in scratch.primary_key]
            keys = [tuple(row[i] for i in index) for row in coerced.rows]
            self.warehouse.upsert(scratch, scratch.primary_key, keys)
        if page.complete_for:
            self.complete.setdefault(table, set()).update(page.complete_for)

    def finish(self) -> None:
        """Delete what the complete tables no longer hold, in one transaction; then drop
        the scratch tables."""
        if self.complete:
            with self.warehouse.transaction():
                for table, sources in sorted(self.complete.items()):
                    for source in sorted(sources):
                        self._delete_missing(table, source)
        self.drop()

    def drop(self) -> None:
        for table in self.scratch.values():
            self.warehouse.drop_table(table.name)

    def _delete_missing(self, parent: str, source: str) -> None:
        scratch = self.scratch[parent]
        key = [k for k in scratch.primary_key if k != "source"]
        for name in (*self.parents[parent], parent):  # children first, then the parent
            table = TABLES[name]
            if "source" not in table.column_names or any(k not in table.column_names
                                                         for k in key):
                continue
            where, params = self._where(name, scratch.name, key, source)
            count = self.warehouse.query_params(
                f"SELECT COUNT(*) FROM {self.warehouse.qualify(name)} WHERE {where}",
                params).rows[0][0]
            if count:
                self.warehouse.execute(f"DELETE FROM {self.warehouse.qualify(name)} "
                                       f"WHERE {where}", params)
            self.deleted[name] = self.deleted.get(name, 0) + int(count)

    def _where(self, table: str, scratch: str, key: list[str], source: str
               ) -> tuple[str, tuple[Any, ...]]:
        """``source = ? AND k IS NOT NULL AND (k) NOT IN (SELECT k FROM scratch WHERE
        source = ?)``, identifiers quoted for the warehouse, values bound."""
        wh = self.warehouse
        q = wh._q
        cols = ", ".join(q(k) for k in key)
        present = " AND ".join(f"{q(k)} IS NOT NULL" for k in key)
        tuple_ = f"({cols})" if len(key) > 1 else cols
        return (f"{q('source')} = {wh.param} AND {present} AND {tuple_} NOT IN "
                f"(SELECT {cols} FROM {wh.qualify(scratch)} WHERE {q('source')} = "
                f"{wh.param})", (source, source))


def _scratch_table(parent: Table, name: str) -> Table:
    columns = tuple(c for k in parent.primary_key if (c := parent.column(k)) is not None)
    return Table(name, f"a key of {parent.name} written by a full refresh",
                 parent.primary_key, columns)

