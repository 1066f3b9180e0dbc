"""Parse spec SQL with sqlglot and prove it is allowed: the ONE gate for expressions,
filters, ``--where`` and a source's ``sql:`` query.

A spec must never be able to inject SQL or read outside the project: every expression is
parsed (never pasted), and every node of its tree must be on the allow lists of
``sql_allowlist`` (node types, functions, tables of the project's schema). Subqueries,
statements, table functions, file paths, system catalogues and session variables are
refused because they are not listed, not because someone remembered to deny them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError

from .limits import (
    MAX_EXPRESSION_CHARS,
    MAX_EXPRESSION_DEPTH,
    MAX_QUERY_CHARS,
    expression_text_problem,
    recursion_room,
    tree_depth,
)
from .sql_allowlist import (
    AGGREGATE_FUNCTIONS,
    EXPRESSION_NODES,
    QUERY_NODES,
    WINDOW_FUNCTIONS,
    UnsafeExpression,
    cast_type_allowed,
    function_allowed,
    system_name,
    table_problem,
)

__all__ = ["ParsedExpression", "UnsafeExpression", "check_scalar", "parse_expression",
           "parse_query"]

# Bare words some engines read as the session's user or schema, not as a column.
_SESSION_WORDS = {"user", "current_user", "session_user", "system_user", "current_role",
                  "current_schema", "current_catalog", "current_database", "current_path"}


@dataclass(frozen=True)
class ParsedExpression:
    sql: str
    tree: exp.Expression

    @property
    def column_refs(self) -> list[exp.Column]:
        return list(self.tree.find_all(exp.Column))


def _parse(sql: str, dialect: str, what: str, max_chars: int) -> list[exp.Expression]:
    """sqlglot.parse within the size limits: too long or too deeply nested text is refused
    before the recursive parser runs, which then gets the stack room those limits need."""
    problem = expression_text_problem(sql, max_chars)
    if problem:
        raise UnsafeExpression(problem)
    try:
        with recursion_room():
            return [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError) as exc:
        errors = getattr(exc, "errors", None)
        first = errors[0]["description"] if errors else str(exc).splitlines()[0]
        raise UnsafeExpression(f"cannot parse {what}: {first}") from None
    except RecursionError:  # chains such as NOT NOT NOT ... that no bracket shows
        raise UnsafeExpression(f"cannot parse {what}: nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - sqlglot's builders raise TypeError, IndexError…
        raise UnsafeExpression(f"cannot parse {what} ({type(exc).__name__})") from None


def parse_expression(sql: str, dialect: str = "duckdb", *, allow_aggregates: bool = False,
                     allow_placeholders: bool = False) -> ParsedExpression:
    """Parse ``sql`` as one scalar expression; raise ``UnsafeExpression`` if it is not.

    The tree is the caller's own to change: a copy of the checked tree kept for the same
    text, because one compile parses the same few hundred spec expressions many times and
    copying a tree costs a fraction of parsing and checking it."""
    if not isinstance(sql, str):
        raise UnsafeExpression("empty expression")
    tree = _checked_expression(sql, dialect, allow_aggregates, allow_placeholders)
    return ParsedExpression(sql=sql, tree=tree.copy())


@lru_cache(maxsize=2048)  # bounded: a key is at most MAX_EXPRESSION_CHARS of text
def _checked_expression(sql: str, dialect: str, allow_aggregates: bool,
                        allow_placeholders: bool) -> exp.Expression:
    if not sql.strip():
        raise UnsafeExpression("empty expression")
    if ";" in _strip_strings(sql):
        raise UnsafeExpression("multiple statements are not allowed (found ';')")
    statements = _parse(sql, dialect, repr(sql if len(sql) <= 80 else sql[:77] + "..."),
                        MAX_EXPRESSION_CHARS)
    if len(statements) != 1:
        raise UnsafeExpression("exactly one expression is allowed")
    tree = statements[0]
    if tree_depth(tree) > MAX_EXPRESSION_DEPTH:
        raise UnsafeExpression(f"expression nests more than {MAX_EXPRESSION_DEPTH} levels deep")
    with recursion_room():  # its messages render nodes with sqlglot's recursive generator
        check_scalar(tree, allow_aggregates=allow_aggregates,
                     allow_placeholders=allow_placeholders)
    return tree


def check_scalar(tree: exp.Expression, *, allow_aggregates: bool = False,
                 allow_placeholders: bool = False) -> None:
    """Raise ``UnsafeExpression`` unless every node of ``tree`` is allowed in an expression."""
    for node in tree.walk():
        if isinstance(node, exp.Func):
            if isinstance(node, exp.AggFunc) and type(node) in AGGREGATE_FUNCTIONS \
                    and not allow_aggregates:
                raise UnsafeExpression(
                    f"aggregate {_sql(node)!r} is not allowed here: the metric's type "
                    "says how to aggregate")
            if type(node) in WINDOW_FUNCTIONS:
                raise UnsafeExpression(
                    "window functions are not allowed in a spec expression")
            _check_function(node, aggregates=allow_aggregates, in_query=False)
            continue
        if isinstance(node, exp.Placeholder) and not allow_placeholders:
            raise UnsafeExpression(f"parameter {_sql(node)!r} is not allowed here")
        if isinstance(node, exp.Window):
            raise UnsafeExpression("window functions are not allowed in a spec expression")
        if isinstance(node, exp.Star) and not isinstance(node.parent, exp.Count):
            raise UnsafeExpression("'*' is only allowed inside count(*)")
        if type(node) not in EXPRESSION_NODES:
            raise UnsafeExpression(f"{_describe(node)} is not allowed in a spec expression")
        _check_leaf(node)


def parse_query(sql: str, dialect: str = "duckdb", *,
                tables: Collection[str] | None = None) -> exp.Query:
    """Parse a source's SQL: exactly one SELECT (CTEs, joins, windows allowed) over plain
    tables of the project's schema, with allowed functions only.

    ``tables`` are the tables it may read (see ``sql_allowlist.readable_tables``); None
    checks the shape only (plain, non-system table names), for callers that only read
    the query's columns.

    Like ``parse_expression``, the query is a copy of one kept for the same text.
    """
    if not isinstance(sql, str):
        raise UnsafeExpression("a source's sql must be exactly one SELECT query")
    allowed = None if tables is None else frozenset(tables)
    return _checked_query(sql, dialect, allowed).copy()


@lru_cache(maxsize=64)  # bounded: a key is at most MAX_QUERY_CHARS of text
def _checked_query(sql: str, dialect: str, tables: frozenset[str] | None) -> exp.Query:
    if not sql.strip():
        raise UnsafeExpression("a source's sql must be exactly one SELECT query")
    if ";" in _strip_strings(sql).rstrip().rstrip(";"):
        raise UnsafeExpression("multiple statements are not allowed (found ';')")
    statements = _parse(sql.strip().rstrip(";"), dialect, "source SQL", MAX_QUERY_CHARS)
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise UnsafeExpression("a source's sql must be exactly one SELECT query")
    query = statements[0]
    for table in query.find_all(exp.Table):  # first: the most telling refusal
        _check_table(table, tables)
    for node in query.walk():
        if isinstance(node, exp.Func):
            _check_function(node, aggregates=True, in_query=True)
        elif isinstance(node, exp.Table):
            continue  # checked above
        elif isinstance(node, exp.With) and node.args.get("recursive"):
            raise UnsafeExpression("WITH RECURSIVE is not allowed in a source's sql")
        elif isinstance(node, exp.CTE) and system_name(node.alias_or_name):
            raise UnsafeExpression(
                f"a CTE may not be named {node.alias_or_name!r} (a system catalogue name)")
        elif isinstance(node, exp.Placeholder) or (type(node) not in QUERY_NODES
                                                   and type(node) not in EXPRESSION_NODES):
            raise UnsafeExpression(f"{_describe(node)} is not allowed in a source's sql")
        else:
            _check_leaf(node)
    return query


def _check_function(node: exp.Func, *, aggregates: bool, in_query: bool) -> None:
    if not function_allowed(node, aggregates=aggregates, in_query=in_query):
        raise UnsafeExpression(f"function {_function_name(node)!r} is not allowed in a spec"
                               f"{_where(node)} (see 'Allowed SQL' in docs/specs.md)")


def _check_table(node: exp.Table, tables: Collection[str] | None) -> None:
    """A plain reference to a table of the project, or to a CTE of an enclosing query."""
    target = node.this
    if not isinstance(target, exp.Identifier):
        what = (f"table function {_function_name(target)!r}" if isinstance(target, exp.Func)
                else f"{target.sql()!r}")
        raise UnsafeExpression(f"{what} is not allowed in a source's sql{_where(node)}: read "
                               "tables of the project's schema by name")
    extra = sorted(k for k, v in node.args.items() if v and k not in ("this", "alias"))
    name = target.name
    if extra:
        shown = node.sql(comments=False)
        reason = ("qualified table names are not allowed (no schema or catalog prefix)"
                  if set(extra) & {"db", "catalog"} else f"'{extra[0]}' is not allowed")
        raise UnsafeExpression(f"table {shown!r}{_where(node)}: {reason}")
    if _is_cte_in_scope(node, name):
        return
    problem = table_problem(name)
    if problem:
        raise UnsafeExpression(f"{problem}{_where(node)}")
    if tables is not None and name not in tables:
        raise UnsafeExpression(
            f"table {name!r}{_where(node)} is not a table of the project's schema: read "
            "canonical or input tables, or declare yours with a source's 'table:'")


def _is_cte_in_scope(node: exp.Table, name: str) -> bool:
    """A CTE of an enclosing query, not one of the same name elsewhere in the SQL."""
    parent = node.parent
    while parent is not None:
        with_ = parent.args.get("with_") or parent.args.get("with")
        if isinstance(with_, exp.With) and any(
                cte.alias_or_name == name for cte in with_.expressions):
            return True
        parent = parent.parent
    return False


def _check_leaf(node: exp.Expression) -> None:
    """Columns and cast types, once their node type is allowed."""
    if isinstance(node, exp.DataType):
        if not cast_type_allowed(node):
            raise UnsafeExpression(f"type {_sql(node)!r} is not allowed in a spec (cast to "
                                   "a plain type: text, integer, decimal, double, date, …)")
        return
    if not isinstance(node, exp.Column):
        return
    if len(node.parts) > 2:
        raise UnsafeExpression(
            f"column {node.sql()!r}: use column or source.column, not catalog paths")
    ident = node.this
    if (not node.table and isinstance(ident, exp.Identifier) and not ident.quoted
            and ident.name.lower() in _SESSION_WORDS):
        raise UnsafeExpression(f"{ident.name!r} reads the session, not a column "
                               "(quote it if a column has that name)")


def _function_name(node: exp.Expression) -> str:
    """The function's name as written where sqlglot keeps it (``version``, not
    ``current_version``)."""
    if isinstance(node, exp.Anonymous):
        return node.name
    if isinstance(node, exp.Func):
        head = _sql(node).split("(", 1)[0].strip()
        return (head if head.replace("_", "").isalnum() else node.sql_name()).lower()
    return node.key


_NODE_NAMES = {"lock": "FOR UPDATE/SHARE", "bracket": "indexing with [...]",
               "dot": "a '.' path", "lateral": "LATERAL", "values": "VALUES",
               "unnest": "UNNEST", "pivot": "PIVOT", "tablesample": "TABLESAMPLE"}


def _describe(node: exp.Expression) -> str:
    if isinstance(node, (exp.Query, exp.Subquery)):
        return "a subquery"
    if isinstance(node, (exp.DDL, exp.DML, exp.Command)) or type(node).__module__.endswith(
            (".ddl", ".dml")):
        return f"a {node.key.upper()} statement"
    if isinstance(node, exp.SessionParameter):
        return f"session variable {_sql(node)!r}"
    if isinstance(node, (exp.Parameter, exp.Placeholder)):
        return f"parameter {_sql(node)!r}"
    return _NODE_NAMES.get(node.key, node.key.upper())


def _sql(node: exp.Expression) -> str:
    """The node as SQL for a message; '' when sqlglot cannot render it (a half-built node)."""
    try:
        return node.sql(unsupported_level=ErrorLevel.IGNORE)
    except Exception:  # noqa: BLE001 - only a message depends on it
        return ""


def _where(node: exp.Expression) -> str:
    """' (line N)' of a multi-line query, from the positions sqlglot keeps."""
    for n in (node, *node.find_all(exp.Identifier)):
        line = n.meta.get("line") if n.meta else None
        if line and line > 1:
            return f" (line {line} of the sql)"
        if line:
            return ""
    return ""


def _strip_strings(sql: str) -> str:
    """The SQL with quoted strings blanked, so ';' inside a literal is not a separator."""
    out, quote = [], None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in ("'", '"'):
            quote = ch
            continue
        out.append(ch)
    return "".join(out)
