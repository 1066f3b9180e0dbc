"""What SQL a spec may contain: the allow lists behind every expression, filter, `--where`
and source query (enforced by ``expressions.py``).

Anything not listed here is refused: an engine adds table functions, file readers and
catalogue views with every release, so a deny list is always one name short. The lists are
sqlglot classes (the functions sqlglot models and can transpile), a few plain functions
sqlglot leaves anonymous, and the node types of a SELECT. Tables are checked by name
against the project's schema: canonical and input tables, and the tables that sources
declare with ``table:``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlglot import exp


class UnsafeExpression(ValueError):
    """An expression or query that parsed but is not allowed in a spec."""


def _classes(names: str) -> frozenset[type[exp.Expression]]:
    # A name missing from an older or newer sqlglot is simply not allowed (fail closed).
    return frozenset(c for n in names.split() if isinstance(c := getattr(exp, n, None), type))


# Scalar functions: arithmetic, text, dates, conditionals and casts. Deterministic, reading
# only their arguments; nothing that reads files, settings, the session or the clock of
# another server, and nothing whose output size an argument can blow up (repeat, lpad).
SCALAR_FUNCTIONS = _classes("""
    Abs Ceil Floor Round Trunc Sign Sqrt Cbrt Pow Exp Ln Log Pi Degrees Radians
    Sin Cos Tan Asin Acos Atan Atan2 IsNan IsInf SafeDivide
    Lower Upper Length Trim Concat ConcatWs Substring Replace Left Right Reverse
    StrPosition SplitPart StartsWith EndsWith Contains Initcap
    Extract DateTrunc TimestampTrunc DatetimeTrunc TimeTrunc DateDiff DateAdd DateSub
    TimestampAdd TimestampSub TimestampDiff DatetimeAdd DatetimeSub DatetimeDiff
    TsOrDsAdd TsOrDsDiff TsOrDsToDate TsOrDsToTimestamp TimeStrToTime DateStrToDate
    StrToDate StrToTime TimeToStr UnixToTime TimeToUnix DateFromParts LastDay
    Date Year Quarter Month Week WeekOfYear Day DayOfMonth DayOfWeek DayOfWeekIso DayOfYear
    Hour Minute Second CurrentDate CurrentTimestamp
    Case If Coalesce Nullif Greatest Least Nvl2 Cast TryCast And Or Xor
""")

# Aggregates (metric `per` measures and source queries) and window functions (source
# queries only, inside OVER).
AGGREGATE_FUNCTIONS = _classes("""
    Sum Count Avg Min Max Median Quantile ApproxQuantile PercentileCont PercentileDisc
    CountIf ApproxDistinct Stddev StddevPop StddevSamp Variance VariancePop Corr
    CovarPop CovarSamp AnyValue ArgMax ArgMin LogicalAnd LogicalOr Mode First Last
""")
WINDOW_FUNCTIONS = _classes("""
    RowNumber Rank DenseRank PercentRank CumeDist Ntile Lag Lead FirstValue LastValue NthValue
""")
# Source queries only: EXISTS (its subquery passes the same checks).
QUERY_FUNCTIONS = _classes("Exists")

# Plain functions sqlglot does not model in every dialect, all harmless and scalar.
ANONYMOUS_FUNCTIONS = frozenset({
    "nullif", "greatest", "least", "abs", "round", "floor", "ceil", "sign", "power", "sqrt",
    "ln", "log", "exp", "lower", "upper", "length", "trim", "concat", "strpos", "position",
    "split_part",
    # local_time(ts): a UTC timestamp in the store's timezone (compiled per dialect, see
    # kpi_engine.compiler.scans.localize).
    "local_time",
})

# Node types of a scalar expression (besides the functions above). Not here, hence
# refused: subqueries, statements, @@variables and @parameters, brackets, dots, JSON paths.
EXPRESSION_NODES = _classes("""
    Column Identifier Literal Boolean Null Paren Var Interval DataType DataTypeParam
    Neg Not Add Sub Mul Div IntDiv Mod DPipe EQ NEQ GT GTE LT LTE NullSafeEQ NullSafeNEQ
    Is Like ILike Escape Between In Tuple Distinct Star Placeholder Alias Collate
    AtTimeZone Filter Where WithinGroup Order Ordered
""")

# Types a CAST may name: plain scalars. Not object-identifier types (PostgreSQL's
# regclass looks a name up in the catalogue), xml, json, arrays or user-defined types.
CAST_TYPES = frozenset("""
    TEXT VARCHAR CHAR NVARCHAR NCHAR BPCHAR NAME TINYINT SMALLINT INT MEDIUMINT BIGINT INT128
    UTINYINT USMALLINT UINT UMEDIUMINT UBIGINT DECIMAL DOUBLE FLOAT BOOLEAN BIT DATE DATE32
    DATETIME DATETIME64 TIMESTAMP TIMESTAMPTZ TIMESTAMPLTZ TIMESTAMP_S TIMESTAMP_MS
    TIMESTAMP_NS TIME TIMETZ INTERVAL YEAR
""".split())

# Node types a source's query adds: the parts of a SELECT, CTEs, joins, set operations and
# OVER clauses. ``Table`` nodes are checked further (plain, known names only).
QUERY_NODES = _classes("""
    Select From Join Where Group Having Order Limit Offset Qualify With CTE Subquery
    Union Except Intersect Table TableAlias Window WindowSpec
""")

# Names that are never a project table, whatever a spec declares: every engine's
# catalogues and system schemas, and the engine's own sync state.
SYSTEM_SCHEMAS = frozenset({
    "information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys",
    "system", "temp", "main", "sqlite_temp_master", "public",
})
SYSTEM_PREFIXES = ("pg_", "sqlite_", "duckdb_", "pragma_", "information_schema", "kpi_sync")

TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def system_name(name: str) -> bool:
    """True for a catalogue, system schema or engine-internal name."""
    low = name.lower()
    return low in SYSTEM_SCHEMAS or low.startswith(SYSTEM_PREFIXES)


def table_problem(name: str) -> str | None:
    """Why ``name`` cannot be a project table a source declares (``table:``), or None."""
    if not TABLE_NAME.match(name):
        return (f"table {name!r} must be a plain snake_case table name of the project's "
                "schema (no schema prefix, quotes, paths or functions)")
    if system_name(name):
        return f"table {name!r} is a system catalogue name, not a table of the project"
    return None


def readable_tables(sources: Iterable[object]) -> frozenset[str]:
    """The tables a source's query may read: canonical and input tables, and every table a
    source declares with ``table:`` (when that name is allowed)."""
    from ..schema import TABLES

    declared = {getattr(s, "table", None) for s in sources}
    return frozenset(TABLES) | {t for t in declared if t and table_problem(t) is None}


def cast_type_allowed(node: exp.DataType) -> bool:
    kind = node.this
    return isinstance(kind, exp.DataType.Type) and kind.name in CAST_TYPES


def function_allowed(node: exp.Func, *, aggregates: bool, in_query: bool) -> bool:
    """Whether a function may appear: scalars anywhere, aggregates where allowed, window
    functions and EXISTS in a source's query."""
    if isinstance(node, exp.Anonymous):
        return node.name.lower() in ANONYMOUS_FUNCTIONS
    kind = type(node)
    return (kind in SCALAR_FUNCTIONS or (aggregates and kind in AGGREGATE_FUNCTIONS)
            or (in_query and (kind in WINDOW_FUNCTIONS or kind in QUERY_FUNCTIONS)))
