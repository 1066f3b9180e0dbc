"""Run a connector and load what it reads into the warehouse.

The engine owns loading so every connector gets the same guarantees:
- rows are coerced to the canonical types and merged by primary key (idempotent);
- a stream's cursor is saved in the transaction that wrote its page, so a crash resumes
  from the last committed page without loss or duplicates; cursors are kept per connector,
  source (``Connector.source_identity``: the account read) and stream, so two shops in one
  warehouse never start from each other's cursor;
- ``atomic`` connectors (file loads) are written page by page inside one transaction
  while every page is validated; one bad row anywhere rolls it all back, so either every
  row lands or the tables stay exactly as they were. Only one page is in memory at a time;
- one sync of a connector into a warehouse runs at a time (``Warehouse.sync_lock``): a
  second one waits for the first, saying so.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from ..connectors import Connector, ConnectorSettings, Page, SyncContext
from ..errors import KpiError, SyncError, did_you_mean
from ..extensions import connector_class
from ..schema import TABLES, Table
from ..warehouses.base import MergeCounts, Warehouse
from .arrow_pages import ArrowCoercer
from .coerce import CoercedPage, TableCoercer
from .full_refresh_deletes import FullRefreshDeletes
from .gc_pause import gc_paused, rows_done
from .legacy_cursors import adopt_legacy_cursors
from .progress import OnPage, PageDone

MAX_REPORTED = 20  # bad values listed in one error; the rest are counted

Log = Callable[[str], None]


@dataclass
class SyncReport:
    """What one ``run_sync`` did."""

    connector: str
    started_at: datetime  # UTC, aware
    full_refresh: bool = False
    rows: dict[str, int] = field(default_factory=dict)  # rows written per table
    pages: int = 0
    duration: float = 0.0  # seconds
    cursors: dict[str, str] = field(default_factory=dict)  # stream -> cursor saved
    merged: dict[str, MergeCounts] = field(default_factory=dict)  # per table
    # Rows a complete full refresh deleted per table: gone at the source.
    deleted: dict[str, int] = field(default_factory=dict)
    source: str = ""  # the account read (Connector.source_identity): its cursors

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def tables(self) -> dict[str, int]:
        """Alias of ``rows``: rows written per table."""
        return self.rows

    def summary(self) -> str:
        parts = ", ".join(f"{t} {n:,}{self.changes(t)}" for t, n in self.rows.items()) \
            or "no rows"
        if self.deleted:
            parts += "; deleted as gone at the source: " + ", ".join(
                f"{t} {n:,}" for t, n in sorted(self.deleted.items()))
        return (f"{self.connector}: {self.total_rows:,} rows in {self.pages} page(s) "
                f"({parts}) in {self.duration:.1f}s")

    def changes(self, table: str) -> str:
        """' (3 inserted, 1 updated, 5 unchanged)', or '' where the engine cannot tell.
        Counted per page: a key written by two pages of one run counts twice."""
        counts = self.merged.get(table)
        if counts is None or None in (counts.inserted, counts.updated, counts.unchanged):
            return ""
        return (f" ({counts.inserted:,} inserted, {counts.updated:,} updated, "
                f"{counts.unchanged:,} unchanged)")


def run_sync(connector_name: str, warehouse: Warehouse, settings: dict[str, Any], *,
             full_refresh: bool = False, log: Log | None = None,
             on_page: OnPage | None = None) -> SyncReport:
    """Read every page ``connector_name`` yields and merge it into ``warehouse``.

    Raises ``SyncError`` (one line, or one line per bad value for atomic connectors) for
    bad settings, unknown tables or columns, values that do not fit their column, or a
    connector failure; pages committed before a failure stay (non-atomic connectors).
    ``on_page`` (a progress display) is told about each page instead of a ``log`` line.
    """
    cls = connector_class(connector_name)
    connector = cls(build_settings(cls, settings))
    run = _Run(connector_name, connector, warehouse, full_refresh, log)
    run.on_page = on_page
    clock = time.perf_counter()
    with warehouse.sync_lock(connector_name, log), gc_paused():
        if cls.atomic:
            run.load_atomic()
        else:
            run.load_incremental()
    run.report.duration = time.perf_counter() - clock
    return run.report


def build_settings(cls: type[Connector], settings: dict[str, Any]) -> ConnectorSettings:
    """The connector's settings model from a dict, with missing fields taken from
    ``KPI_<CONNECTOR>_<FIELD>`` environment variables (where secrets belong).

    Validation errors become one SyncError line naming each bad setting; the values are
    never echoed, since some are secrets.
    """
    model = cls.settings_model
    values = dict(settings)
    prefix = "KPI_" + re.sub(r"\W", "_", cls.name).upper() + "_"
    for name in model.model_fields:
        env = os.environ.get(prefix + name.upper())
        if name not in values and env is not None:
            values[name] = env
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        known = set(model.model_fields)
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            if err["type"] == "extra_forbidden":
                top = str(err["loc"][0]) if err["loc"] else where
                problems.append(f"unknown setting {where!r}{did_you_mean(top, known)}")
            elif err["type"] == "missing":
                problems.append(f"setting {where!r} is required")
            else:
                problems.append(f"setting {where!r}: {err['msg']}")
        raise SyncError(f"connector {cls.name!r}: " + "; ".join(problems)) from None


class _Run:
    """State of one sync: the coercers, tables made, sources replaced, the report."""

    def __init__(self, name: str, connector: Connector, warehouse: Warehouse,
                 full_refresh: bool, log: Log | None):
        self.name = name
        self.connector = connector
        self.warehouse = warehouse
        self.full_refresh = full_refresh
        self.log = log
        self.started_at = datetime.now(UTC)
        self.source = connector.source_identity()
        self.report = SyncReport(name, self.started_at, full_refresh,
                                 source=self.source)
        self.coercers: dict[str, TableCoercer] = {}
        self.arrow_coercers: dict[str, ArrowCoercer] = {}
        self.ensured: set[str] = set()
        self.replaced: set[tuple[str, Any]] = set()
        self.page_no = 0
        self.seen: dict[str, int] = {}
        self.problems: list[str] = []  # the first MAX_REPORTED problems of this run
        self.problem_count = 0
        self.on_page: OnPage | None = None

    # -- the two loading modes ---------------------------------------------------------------
    def load_incremental(self) -> None:
        """Commit page by page: each page's rows and its cursor in one transaction."""
        for name in self.connector.tables:
            self._ensure(self._table(name))
        adopt_legacy_cursors(self.warehouse, self.name, self.connector, self.source, self.log)
        if self.full_refresh:
            with self.warehouse.transaction():
                self.warehouse.clear_state(self.name, self.source)
        deletes = self._full_refresh_deletes()
        for page in self._pages(self._context()):
            coerced = self._coerce(page)
            if self.problem_count:
                raise SyncError(self._problem_message("this page was not loaded; earlier "
                                                      "pages were"))
            self._ensure(coerced.table)
            with self.warehouse.transaction():
                self._write(page, coerced)
                if deletes is not None:
                    deletes.note(page, coerced)
            self._progress(coerced, "", page.stream)
            del page, coerced  # not alive while the connector reads the next page
        if deletes is not None:
            deletes.finish()
            self.report.deleted = {t: n for t, n in deletes.deleted.items() if n}

    def _full_refresh_deletes(self) -> FullRefreshDeletes | None:
        """Keys kept for deleting what the source no longer has (a full refresh of a
        connector that lists such tables)."""
        parents = self.connector.full_refresh_deletes
        if not self.full_refresh or not parents:
            return None
        deletes = FullRefreshDeletes(self.warehouse, self.name, parents)
        deletes.start()
        return deletes

    def load_atomic(self) -> None:
        """Every page merged inside one transaction, one page in memory at a time (staged
        and upserted by the warehouse). Pages after a bad row are still read and checked,
        to report every problem, but no longer written; then the transaction rolls back."""
        adopt_legacy_cursors(self.warehouse, self.name, self.connector, self.source, self.log)
        context = self._context()
        made: list[str] = []  # tables this run created: gone again if it fails
        try:
            with self.warehouse.transaction():
                if self.full_refresh:
                    self.warehouse.clear_state(self.name, self.source)
                for name in self.connector.tables:
                    self._ensure(self._table(name), made)
                for page in self._pages(context):
                    coerced = self._coerce(page)
                    if not self.problem_count:
                        self._ensure(coerced.table, made)
                        self._write(page, coerced)
                    self._progress(coerced, "" if not self.problem_count else "checked ",
                                   page.stream)
                    del page, coerced  # not alive while the connector reads the next page
                if self.problem_count:
                    raise SyncError(self._problem_message("nothing was loaded"))
        except BaseException:
            self._drop_created(made)
            raise
        if self.log is not None and self.page_no:
            self.log(f"committed {self.report.total_rows:,} rows in one transaction")

    def _drop_created(self, made: list[str]) -> None:
        """Engines whose DDL is not transactional (MySQL) keep a table created during a
        failed atomic load; drop it so the warehouse is as it was (only while it is empty:
        another connector may have written to it since)."""
        for name in made:
            try:
                if self.warehouse.table_exists(name) and not self.warehouse.query(
                        f"SELECT 1 FROM {self.warehouse.qualify(name)} LIMIT 1").rows:
                    self.warehouse.drop_table(name)
            except KpiError:
                pass  # the original failure is the one to report

    # -- steps -------------------------------------------------------------------------------
    def _context(self) -> SyncContext:
        cursors = {} if self.full_refresh else self._saved_cursors()
        return SyncContext(self.started_at, self.full_refresh, cursors, self.log)

    def _pages(self, context: SyncContext) -> Iterator[Page]:
        """The connector's pages, its failures turned into one SyncError line."""
        try:
            pages: Iterable[Page] = self.connector.read(context)
            yield from pages
        except KpiError:
            raise
        except Exception as exc:  # noqa: BLE001 - any connector bug is reported, not dumped
            raise SyncError(f"connector {self.name!r} failed: {type(exc).__name__}: {exc}") \
                from exc

    def _coerce(self, page: Page) -> CoercedPage:
        """The page in canonical types; its problems are counted, the first few kept."""
        self.page_no += 1
        table = self._table(page.table)
        problems: list[str] = []
        if page.arrow is not None:
            coerced = self._arrow_coercer(table).coerce(
                page.arrow, f"{self.name} {table.name} page {self.page_no}", problems,
                keys_unique=page.keys_unique)
        else:
            coerced = self._row_coercer(table).coerce(page.rows, self._origins(page, table),
                                                      problems)
        self.problem_count += len(problems)
        self.problems.extend(problems[:MAX_REPORTED - len(self.problems)])
        return coerced

    def _origins(self, page: Page, table: Table) -> Sequence[str]:
        """Where each row came from, for problem lines: the connector's, else the page's."""
        if page.origins is not None and len(page.origins) == len(page.rows):
            return page.origins
        where = f"{self.name} {table.name} page {self.page_no}"
        return [f"{where} row {i}" for i in range(1, len(page.rows) + 1)]

    def _row_coercer(self, table: Table) -> TableCoercer:
        if table.name not in self.coercers:
            self.coercers[table.name] = TableCoercer(table, self.name)
        return self.coercers[table.name]

    def _arrow_coercer(self, table: Table) -> ArrowCoercer:
        if table.name not in self.arrow_coercers:
            self.arrow_coercers[table.name] = ArrowCoercer(table, self.name)
        return self.arrow_coercers[table.name]

    def _problem_message(self, outcome: str) -> str:
        return _problem_message(self.name, self.problems, outcome, self.problem_count)

    def _write(self, page: Page, coerced: CoercedPage) -> None:
        """Merge one page and save its cursor; call inside a transaction."""
        table = coerced.table
        if page.replace_all and self.full_refresh:
            self._replace(table, coerced.sources | set(page.replace_sources))
        if coerced.arrow is not None:
            counts = self.warehouse.upsert_arrow(table, coerced.arrow,
                                                 verify_keys=page.keys_unique)
        else:
            counts = self.warehouse.upsert(table, coerced.columns, coerced.rows)
        self.report.rows[table.name] = self.report.rows.get(table.name, 0) + counts.rows
        self.report.merged.setdefault(table.name, MergeCounts())
        self.report.merged[table.name] += counts
        self.report.pages += 1
        if page.cursor is not None:
            stream = page.stream or table.name
            cursor = cap_cursor(page.cursor, self.started_at)
            self.warehouse.set_state(self.name, stream, cursor, self.source)
            self.report.cursors[stream] = cursor

    def _replace(self, table: Table, sources: set[Any]) -> None:
        """Delete this connector's earlier rows of ``table`` (once per run) before a full
        reload: only rows of the same ``source`` where the table has one in its key."""
        if "source" in table.primary_key:
            todo = sorted(s for s in sources if (table.name, s) not in self.replaced)
            if todo:
                self.warehouse.delete_rows(table.name, "source", todo)
            self.replaced.update((table.name, s) for s in todo)
        elif (table.name, None) not in self.replaced:
            self.warehouse.delete_rows(table.name)
            self.replaced.add((table.name, None))

    def _progress(self, coerced: CoercedPage, what: str, stream: str | None = None) -> None:
        """'orders: 1,204 rows (page 3)', counting the table's rows so far in this run."""
        name = coerced.table.name
        self.seen[name] = self.seen.get(name, 0) + coerced.count
        if coerced.arrow is None:  # an Arrow page makes no Python object per row
            rows_done(coerced.count)
        if self.on_page is not None:
            self.on_page(PageDone(name, stream or name, coerced.count, self.seen[name],
                                  self.page_no, not what))
        elif self.log is not None:
            self.log(f"{name}: {self.seen[name]:,} rows {what}(page {self.page_no})")

    def _table(self, name: str) -> Table:
        table = TABLES.get(name)
        if table is None:
            raise SyncError(f"connector {self.name!r} wrote to unknown table {name!r}"
                            f"{did_you_mean(name, set(TABLES))}")
        return table

    def _ensure(self, table: Table, made: list[str] | None = None) -> None:
        if table.name not in self.ensured:
            if made is not None and not self.warehouse.table_exists(table.name):
                made.append(table.name)
            self.warehouse.ensure_table(table)
            self.ensured.add(table.name)

    def _saved_cursors(self) -> dict[str, str | None]:
        """Every stream cursor saved for this connector and source (the account read)."""
        return dict(self.warehouse.get_states(self.name, self.source))


_ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}")


def cap_cursor(cursor: str, started_at: datetime) -> str:
    """An ISO date or timestamp cursor no later than the sync's start, in the same style.

    A source can report changes stamped after our start while we read; saving such a
    cursor would skip rows written between the start and that stamp on the next run.
    """
    if not _ISO_START.match(cursor):
        return cursor
    text = cursor.strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return cursor
        today = started_at.astimezone(UTC).date()
        return today.isoformat() if day > today else cursor
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return cursor
    start = started_at.astimezone(UTC)
    if value.tzinfo is None:
        if value <= start.replace(tzinfo=None):
            return cursor
        return start.replace(tzinfo=None).isoformat()
    if value <= start:
        return cursor
    capped = start.isoformat()
    return capped[:-6] + "Z" if text.endswith("Z") else capped


def _problem_message(name: str, problems: list[str], outcome: str,
                     total: int | None = None) -> str:
    total = len(problems) if total is None else total
    lines = problems[:MAX_REPORTED]
    if total > len(lines):
        lines.append(f"... and {total - len(lines):,} more")
    noun = "problem" if total == 1 else "problems"
    return "\n".join([f"sync {name}: {total:,} {noun} in the data; {outcome}:", *lines])
