"""What a connector is: a named class with settings that reads pages of canonical rows.

The engine (``kpi_engine.sync``) owns loading: it coerces rows to the canonical types,
merges them by primary key and saves each stream's cursor in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class ConnectorSettings(BaseModel):
    """Base for connector settings. Mark secrets with ``pydantic.SecretStr``: they are
    read from environment variables or ``kpi.yaml`` and never printed."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class Page:
    """One page of rows for one canonical table.

    ``origins`` (same length as ``rows``, optional) says where each row came from, such as
    ``orders.csv:12``, so a bad row is reported at its place. ``cursor`` is saved for the
    stream once the page is committed.

    ``arrow`` (a ``pyarrow.Table``, columns named as the table's) carries the rows in
    columns instead of ``rows``, for a connector that maps set-based (Shopify's bulk
    file, in DuckDB): the engine checks and types it column by column and the warehouse
    stages it as it is, with no Python object per value. ``rows`` is then empty.
    """

    table: str
    rows: list[dict[str, Any]]
    stream: str | None = None
    cursor: str | None = None
    origins: list[str] | None = None
    replace_all: bool = False  # the page is the stream's full content (files)
    # With replace_all: the ``source`` values whose rows it replaces even when it has no
    # rows (an empty file still empties its source's rows on a full refresh).
    replace_sources: tuple[str, ...] = ()
    # On a full refresh: the stream has now yielded every row of ``table`` for these
    # ``source`` values; the rows of them this run did not write are deleted when it ends
    # (see ``Connector.full_refresh_deletes`` and sync/full_refresh_deletes.py).
    complete_for: tuple[str, ...] = ()
    arrow: Any = None
    # With arrow: the connector has itself checked that no primary key repeats within the
    # page (Shopify's bulk mapping does, in SQL), so the engine need not count its keys.
    # A page that repeats one all the same is refused by the warehouse, with its key.
    keys_unique: bool = False


@dataclass
class SyncContext:
    """What the engine tells a connector about this run."""

    started_at: datetime
    full_refresh: bool = False
    cursors: dict[str, str | None] = field(default_factory=dict)
    log: Any = None  # callable(str) for progress lines

    def progress(self, message: str) -> None:
        if self.log is not None:
            self.log(message)


class Connector:
    """Subclass, set the class attributes and implement ``read``."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    settings_model: ClassVar[type[ConnectorSettings]] = ConnectorSettings
    tables: ClassVar[tuple[str, ...]] = ()
    # True: all pages of a run commit together or not at all (file loads).
    atomic: ClassVar[bool] = False
    # Tables a full refresh reads in full, each with the tables whose rows belong to its
    # rows (matched on its key): rows deleted at the source are deleted by a complete
    # ``--full-refresh`` (pages marked ``complete_for``). Non-atomic connectors only.
    full_refresh_deletes: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self, settings: ConnectorSettings):
        self.settings = settings

    def source_identity(self) -> str:
        """The account this instance reads, so that two accounts synced into one warehouse
        (two shops, two stores, two ad accounts) keep their own saved cursors: cursors are
        kept per connector, source identity and stream. By default the ``source`` setting
        (the canonical ``source`` value its rows carry); "" for a connector without one.
        Override where another setting names the account (an ad account id)."""
        value = getattr(self.settings, "source", None)
        return str(value) if value else ""

    def read(self, context: SyncContext) -> Iterator[Page]:
        """Yield pages of canonical rows, oldest first, for every stream."""
        raise NotImplementedError
