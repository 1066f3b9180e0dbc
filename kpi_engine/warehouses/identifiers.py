"""Names that come from configuration (a schema in kpi.yaml, ``?schema=`` in a URL, a
library call) and end up in SQL: checked against one strict pattern, then quoted by
sqlglot for the engine. Never pasted into SQL text as they were written."""

from __future__ import annotations

import re

from ..errors import WarehouseError

# Letters, digits and underscores, not starting with a digit, at most 63 characters
# (PostgreSQL's limit; MySQL allows 64): valid unquoted in every engine we support.
SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
RULE = "letters, digits and _, not starting with a digit, at most 63 characters"


def shown(value: str, limit: int = 40) -> str:
    """A bad value for an error message: quoted, and cut when long."""
    text = value if len(value) <= limit else value[:limit] + "…"
    return repr(text)


def schema_problem(value: object) -> str | None:
    """Why ``value`` is not a usable schema name, or None when it is."""
    if not isinstance(value, str):
        return f"must be text, not {type(value).__name__}"
    if not SCHEMA_NAME.fullmatch(value):
        return f"{shown(value)} is not a valid schema name ({RULE})"
    return None


def check_schema_name(value: object, where: str = "schema") -> str:
    """``value`` when it is a valid schema name; else one clear error naming ``where``."""
    problem = schema_problem(value)
    if problem:
        raise WarehouseError(f"{where}: {problem}")
    return value  # type: ignore[return-value]


def quote_identifier(name: str, dialect: str) -> str:
    """``name`` quoted as an identifier of ``dialect`` (by sqlglot, never by hand)."""
    from sqlglot import exp

    return exp.to_identifier(name, quoted=True).sql(dialect)
