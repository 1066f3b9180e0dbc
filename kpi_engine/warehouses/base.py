"""The warehouse interface: run compiled SQL, create canonical tables, merge rows.

A warehouse never aggregates in Python: ``query`` runs SQL where the data is and returns
only the (small) result. Loading is transactional: ``merge`` replaces rows by primary key
inside one transaction together with the sync state, so a crash leaves either the old
page or the new page, never half of one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..schema import Table

STATE_TABLE = "kpi_sync_state"


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def redact_url(url: str) -> str:
    """The URL with every credential replaced, safe to print (see ``url.WarehouseURL``)."""
    from .url import redact_url as redact

    return redact(url)


class Warehouse(ABC):
    """One connection to one warehouse. Subclasses set ``dialect`` (a sqlglot dialect)."""

    dialect: str = "duckdb"
    scheme: str = ""

    def __init__(self, url: str, schema: str | None = None):
        self.url = url
        self.schema = schema

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {redact_url(self.url)}>"

    # -- reading ---------------------------------------------------------------
    @abstractmethod
    def query(self, sql: str) -> QueryResult:
        """Run one SELECT and return its rows."""

    @abstractmethod
    def table_exists(self, name: str) -> bool: ...

    # -- writing ---------------------------------------------------------------
    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all."""

    @abstractmethod
    def ensure_table(self, table: Table) -> None:
        """Create ``table`` with proper types if missing; add missing columns."""

    @abstractmethod
    def merge(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              key: Sequence[str] | None = None) -> int:
        """Insert rows, replacing existing rows with the same key. Keys are unique within
        ``rows`` (the sync engine keeps the last row of a repeated key). Call inside
        ``transaction()``. Returns the number of rows written."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement with driver parameters (used for state and DDL)."""

    def delete_rows(self, table: str, column: str | None = None,
                    values: Sequence[Any] = ()) -> None:
        """Delete a table's rows whose ``column`` is one of ``values`` (all rows when
        ``column`` is None). Call inside ``transaction()``."""
        from sqlglot import exp

        target = self.qualify(table)
        if column is None:
            self.execute(f"DELETE FROM {target}")
            return
        col = exp.to_identifier(column, quoted=True).sql(self.dialect)
        marks = ", ".join([self.param] * len(values))
        self.execute(f"DELETE FROM {target} WHERE {col} IN ({marks})", tuple(values))

    def close(self) -> None:  # noqa: B027 - optional
        """Release the connection."""

    # -- sync state --------------------------------------------------------------
    def _q(self, name: str) -> str:
        """A column name quoted for this dialect ("cursor" is reserved in MySQL)."""
        from sqlglot import exp

        return exp.to_identifier(name, quoted=True).sql(self.dialect)

    def get_state(self, connector: str, stream: str) -> str | None:
        self._ensure_state_table()
        result = self.query_params(
            f"SELECT {self._q('cursor')} FROM {self.qualify(STATE_TABLE)} WHERE "
            f"{self._q('connector')} = {self.param} AND {self._q('stream')} = {self.param}",
            (connector, stream))
        return result.rows[0][0] if result.rows else None

    def get_states(self, connector: str) -> dict[str, str]:
        """Every stream cursor saved for ``connector``."""
        self._ensure_state_table()
        q = self._q
        result = self.query_params(
            f"SELECT {q('stream')}, {q('cursor')} FROM {self.qualify(STATE_TABLE)} "
            f"WHERE {q('connector')} = {self.param}", (connector,))
        return {stream: cursor for stream, cursor in result.rows}

    def set_state(self, connector: str, stream: str, cursor: str | None) -> None:
        """Save a stream's cursor; call inside the transaction that wrote its page."""
        self._ensure_state_table()
        q = self._q
        self.execute(f"DELETE FROM {self.qualify(STATE_TABLE)} WHERE {q('connector')} = "
                     f"{self.param} AND {q('stream')} = {self.param}", (connector, stream))
        if cursor is not None:
            self.execute(f"INSERT INTO {self.qualify(STATE_TABLE)} ({q('connector')}, "
                         f"{q('stream')}, {q('cursor')}) VALUES ({self.param}, {self.param}, "
                         f"{self.param})", (connector, stream, cursor))

    def clear_state(self, connector: str) -> None:
        self._ensure_state_table()
        self.execute(f"DELETE FROM {self.qualify(STATE_TABLE)} WHERE {self._q('connector')} = "
                     f"{self.param}", (connector,))

    param: str = "?"

    def query_params(self, sql: str, params: Sequence[Any]) -> QueryResult:
        raise NotImplementedError

    def _ensure_state_table(self) -> None:
        if not self.table_exists(STATE_TABLE):
            q = self._q
            self.execute(f"CREATE TABLE IF NOT EXISTS {self.qualify(STATE_TABLE)} "
                         f"({q('connector')} VARCHAR(200), {q('stream')} VARCHAR(200), "
                         f"{q('cursor')} VARCHAR(1000))")

    def qualify(self, name: str) -> str:
        """A table name with the configured schema, quoted for this dialect."""
        from sqlglot import exp

        table = exp.table_(name, db=self.schema, quoted=True)
        return table.sql(self.dialect)
