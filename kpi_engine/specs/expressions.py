"""Parse spec expressions with sqlglot and prove they are safe scalar expressions.

A spec must never be able to inject SQL: every expression is parsed (never pasted), and
its AST may only contain the node types allowed here. Subqueries, statements, window
functions, table functions and functions that read files or settings are rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from .limits import (
    MAX_EXPRESSION_CHARS,
    MAX_EXPRESSION_DEPTH,
    MAX_QUERY_CHARS,
    expression_text_problem,
    recursion_room,
    tree_depth,
)

_STATEMENTS = (exp.Query, exp.Subquery, exp.DDL, exp.DML, exp.Command, exp.Use,
               exp.Set, exp.Pragma, exp.Transaction, exp.Commit, exp.Rollback, exp.Describe,
               exp.Table, exp.Into, exp.Lateral, exp.Values)
_AGGREGATES = (exp.AggFunc,)
# Known sqlglot functions that reach outside the row: files, settings, randomness, sleep.
_DENIED_FUNCTIONS = {
    "getenv", "current_setting", "set_config", "pg_sleep", "sleep", "benchmark",
    "load_file", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "read_csv",
    "read_parquet", "read_json", "read_text", "read_blob", "lo_import", "lo_export",
    "dblink", "sys_exec", "random", "rand", "uuid", "gen_random_uuid", "nextval",
}
# Plain functions sqlglot does not model but that are harmless scalar functions.
_ALLOWED_ANONYMOUS = {"nullif", "greatest", "least", "abs", "round", "floor", "ceil",
                      "sign", "power", "sqrt", "ln", "log", "exp", "lower", "upper",
                      "length", "trim", "concat", "strpos", "position", "split_part",
                      # local_time(ts): a UTC timestamp in the store's timezone (compiled
                      # per dialect, see kpi_engine.compiler.scans.localize).
                      "local_time"}


@dataclass(frozen=True)
class ParsedExpression:
    sql: str
    tree: exp.Expression

    @property
    def column_refs(self) -> list[exp.Column]:
        return list(self.tree.find_all(exp.Column))


class UnsafeExpression(ValueError):
    """An expression that parsed but is not a safe scalar expression."""


def parse_expression(sql: str, dialect: str = "duckdb", *, allow_aggregates: bool = False,
                     allow_placeholders: bool = False) -> ParsedExpression:
    """Parse ``sql`` as one scalar expression; raise ``UnsafeExpression`` if it is not."""
    if not isinstance(sql, str) or not sql.strip():
        raise UnsafeExpression("empty expression")
    if ";" in _strip_strings(sql):
        raise UnsafeExpression("multiple statements are not allowed (found ';')")
    statements = _parse_bounded(sql, dialect, f"cannot parse {_short(sql)!r}",
                                MAX_EXPRESSION_CHARS)
    if len(statements) != 1 or statements[0] is None:
        raise UnsafeExpression("exactly one expression is allowed")
    tree = statements[0]
    if tree_depth(tree) > MAX_EXPRESSION_DEPTH:
        raise UnsafeExpression(f"expression nests more than {MAX_EXPRESSION_DEPTH} levels deep")
    # sqlglot parses a lone name as a Column; a full statement arrives as a Query or DDL.
    with recursion_room():  # its messages render nodes with sqlglot's recursive generator
        check_scalar(tree, allow_aggregates=allow_aggregates,
                     allow_placeholders=allow_placeholders)
    return ParsedExpression(sql=sql, tree=tree)


def _parse_bounded(sql: str, dialect: str, what: str, max_chars: int) -> list:
    """sqlglot.parse within the size limits: too long or too deeply nested text is refused
    before the recursive parser runs, which then gets the stack room those limits need."""
    problem = expression_text_problem(sql, max_chars)
    if problem:
        raise UnsafeExpression(problem)
    try:
        with recursion_room():
            return sqlglot.parse(sql, read=dialect)
    except ParseError as exc:
        first = exc.errors[0]["description"] if exc.errors else str(exc)
        raise UnsafeExpression(f"{what}: {first}") from None
    except TokenError:  # an unterminated string or comment, a stray character
        raise UnsafeExpression(f"{what}: an unterminated quote or comment, or a character "
                               "SQL does not allow") from None
    except RecursionError:  # chains such as NOT NOT NOT ... that no bracket shows
        raise UnsafeExpression("expression is nested too deeply") from None


def _short(sql: str) -> str:
    return sql if len(sql) <= 200 else sql[:200] + "..."


def check_scalar(tree: exp.Expression, *, allow_aggregates: bool = False,
                 allow_placeholders: bool = False) -> None:
    for node in tree.walk():
        if _is_statement(node):
            raise UnsafeExpression(
                f"a {node.key.upper()} statement is not allowed in a spec expression")
        if isinstance(node, _STATEMENTS):
            kind = "a subquery" if isinstance(node, (exp.Query, exp.Subquery)) else (
                f"a {node.key.upper()} statement" if isinstance(node, (exp.DDL, exp.DML,
                                                                       exp.Command))
                else f"{node.key.upper()}")
            raise UnsafeExpression(f"{kind} is not allowed in a spec expression")
        if isinstance(node, exp.Window):
            raise UnsafeExpression("window functions are not allowed in a spec expression")
        if isinstance(node, _AGGREGATES) and not allow_aggregates:
            raise UnsafeExpression(
                f"aggregate {node.sql()!r} is not allowed here: the metric's type "
                "says how to aggregate")
        if isinstance(node, exp.Placeholder) and not allow_placeholders:
            raise UnsafeExpression(f"parameter {node.sql()!r} is not allowed here")
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name not in _ALLOWED_ANONYMOUS:
                raise UnsafeExpression(f"function {node.name!r} is not allowed in a spec")
        elif isinstance(node, exp.Func):
            name = node.sql_name().lower()
            if name in _DENIED_FUNCTIONS:
                raise UnsafeExpression(f"function {name!r} is not allowed in a spec")
        if isinstance(node, exp.Star) and not isinstance(node.parent, exp.Count):
            raise UnsafeExpression("'*' is only allowed inside count(*)")
        if isinstance(node, exp.Column) and len(node.parts) > 2:
            raise UnsafeExpression(
                f"column {node.sql()!r}: use column or source.column, not catalog paths")


def _is_statement(node: exp.Expression) -> bool:
    module = type(node).__module__
    return module.endswith((".ddl", ".dml")) or isinstance(node, (exp.DDL, exp.DML,
                                                                     exp.Command))


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


def parse_query(sql: str, dialect: str = "duckdb") -> exp.Query:
    """Parse a source's SQL: exactly one SELECT (CTEs, joins, windows allowed), no DDL/DML."""
    if ";" in _strip_strings(sql).rstrip().rstrip(";"):
        raise UnsafeExpression("multiple statements are not allowed (found ';')")
    statements = [s for s in _parse_bounded(sql.strip().rstrip(";"), dialect,
                                            "cannot parse source SQL", MAX_QUERY_CHARS) if s]
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise UnsafeExpression("a source's sql must be exactly one SELECT query")
    query = statements[0]
    for node in query.walk():
        if _is_statement(node) or isinstance(node, (exp.Into, exp.Set, exp.Pragma)):
            raise UnsafeExpression(f"{node.key.upper()} is not allowed in a source's sql")
        if isinstance(node, exp.Func) and node.sql_name().lower() in _DENIED_FUNCTIONS:
            raise UnsafeExpression(f"function {node.sql_name().lower()!r} is not allowed")
        if isinstance(node, exp.Anonymous) and node.name.lower() in _DENIED_FUNCTIONS:
            raise UnsafeExpression(f"function {node.name!r} is not allowed")
    return query
