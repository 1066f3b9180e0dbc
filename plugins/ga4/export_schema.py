"""The parts of a GA4 export event the sessions are built from, and how each export
format is read into one flat relation of them (DuckDB SQL; file paths are parameters)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

VALUE_TYPE = ("STRUCT(string_value VARCHAR, int_value BIGINT, float_value DOUBLE, "
              "double_value DOUBLE)")
PARAMS_TYPE = f"STRUCT(key VARCHAR, value {VALUE_TYPE})[]"

# Event parameters read, as (column, key, reader): the flat relation has the column, the
# parameter's value (whichever of string_value, int_value, float_value, double_value
# holds it) read by that macro of sessions_sql: ga4_int, ga4_text or ga4_num.
PARAMS: tuple[tuple[str, str, str], ...] = (
    ("ga_session_id", "ga_session_id", "ga4_int"),
    ("session_number", "ga_session_number", "ga4_int"),
    ("session_engaged", "session_engaged", "ga4_text"),
    ("engagement_msec", "engagement_time_msec", "ga4_int"),
    ("page_location", "page_location", "ga4_text"),
    ("page_referrer", "page_referrer", "ga4_text"),
    ("ignore_referrer", "ignore_referrer", "ga4_text"),
    ("p_source", "source", "ga4_text"), ("p_medium", "medium", "ga4_text"),
    ("p_campaign", "campaign", "ga4_text"), ("p_gclid", "gclid", "ga4_text"),
    ("p_value", "value", "ga4_num"), ("p_transaction_id", "transaction_id", "ga4_text"),
)
# Parameters used only for purchases: picked out of purchase events only (the others are
# nine in ten events or more, whose lookups would be wasted).
PURCHASE_ONLY = frozenset({"p_value", "p_transaction_id"})

# (column in the flat relation, path in the export's nested row, DuckDB type)
FIELDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("event_date", ("event_date",), "VARCHAR"),
    ("event_timestamp", ("event_timestamp",), "BIGINT"),
    ("event_name", ("event_name",), "VARCHAR"),
    ("user_pseudo_id", ("user_pseudo_id",), "VARCHAR"),
    ("event_params", ("event_params",), PARAMS_TYPE),
    # Manual campaign data collected with the event (newer exports).
    ("cts_source", ("collected_traffic_source", "manual_source"), "VARCHAR"),
    ("cts_medium", ("collected_traffic_source", "manual_medium"), "VARCHAR"),
    ("cts_campaign", ("collected_traffic_source", "manual_campaign_name"), "VARCHAR"),
    ("cts_gclid", ("collected_traffic_source", "gclid"), "VARCHAR"),
    # GA4's own session attribution (exports since mid 2024).
    ("lc_source", ("session_traffic_source_last_click", "cross_channel_campaign", "source"),
     "VARCHAR"),
    ("lc_medium", ("session_traffic_source_last_click", "cross_channel_campaign", "medium"),
     "VARCHAR"),
    ("lc_campaign", ("session_traffic_source_last_click", "cross_channel_campaign",
                     "campaign_name"), "VARCHAR"),
    ("lc_channel", ("session_traffic_source_last_click", "cross_channel_campaign",
                    "default_channel_group"), "VARCHAR"),
    ("lcm_source", ("session_traffic_source_last_click", "manual_campaign", "source"),
     "VARCHAR"),
    ("lcm_medium", ("session_traffic_source_last_click", "manual_campaign", "medium"),
     "VARCHAR"),
    ("lcm_campaign", ("session_traffic_source_last_click", "manual_campaign",
                      "campaign_name"), "VARCHAR"),
    # The user's first acquisition (user-scoped; used only for first sessions).
    ("first_source", ("traffic_source", "source"), "VARCHAR"),
    ("first_medium", ("traffic_source", "medium"), "VARCHAR"),
    ("first_campaign", ("traffic_source", "name"), "VARCHAR"),
    ("device_category", ("device", "category"), "VARCHAR"),
    ("country", ("geo", "country"), "VARCHAR"),
    ("purchase_revenue", ("ecommerce", "purchase_revenue"), "DOUBLE"),
    ("transaction_id", ("ecommerce", "transaction_id"), "VARCHAR"),
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _access(path: tuple[str, ...]) -> str:
    return ".".join(_quote(p) for p in path)


def json_columns() -> dict[str, str]:
    """The ``columns`` argument of DuckDB's read_json: only these keys are read, with
    these types; keys missing from a row are NULL. INT64 values, which BigQuery writes
    as strings ("1"), are read as text and cast in SQL: much faster than the reader's
    own conversion."""
    tree: dict[str, Any] = {}
    for _, path, typ in FIELDS:
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = typ.replace("BIGINT", "VARCHAR")

    def render(node: dict[str, Any]) -> str:
        return "STRUCT(" + ", ".join(
            f"{_quote(k)} {v if isinstance(v, str) else render(v)}"
            for k, v in node.items()) + ")"

    return {k: v if isinstance(v, str) else render(v) for k, v in tree.items()}


def _projection(present: set[tuple[str, ...]] | None) -> str:
    """SELECT list of the flat relation; ``present`` None: every path is there.

    The event parameters are picked out here, in each read, so that every read yields
    the same flat columns whatever the types of its ``event_params`` (JSON: strings).
    Expects the ``FROM`` of ``_with_keys``: the list of parameter keys is built once per
    event and each key found in it by position (first match, as GA4 keys are unique),
    instead of filtering the whole parameter array once per key: a third less CPU on
    JSON exports.
    """
    parts = []
    name_present = present is None or ("event_name",) in present
    purchase = f"{_quote('event_name')} = 'purchase'" if name_present else "false"
    for name, path, typ in FIELDS:
        value = _access(path) if present is None or path in present else "NULL"
        if name == "event_params":
            for column, key, reader in PARAMS:
                parts.append(f"{_param_value(column, key, reader, value != 'NULL', purchase)}"
                             f" AS {_quote(column)}")
        else:
            parts.append(f"CAST({value} AS {typ}) AS {_quote(name)}")
    return ", ".join(parts)


def _param_value(column: str, key: str, reader: str, has_params: bool,
                 purchase: str) -> str:
    """Parameter ``key`` read by macro ``reader``; NULL if the event has none.

    Only the events that have the key pay for taking its value out of the list and
    reading it (most keys are missing from most events); parameters of purchases only
    are looked at in purchase events only."""
    if not has_params:
        return f"{reader}(CAST(NULL AS {VALUE_TYPE}))"
    position = _quote(_position(column))
    when = f"{position} IS NOT NULL"
    if column in PURCHASE_ONLY:
        when = f"{purchase} AND {when}"
    return f"CASE WHEN {when} THEN {reader}(event_params[{position}].value) END"


def _position(column: str) -> str:
    return f"ga4_pos_{column}"


def _with_keys(reader: str, has_params: bool) -> str:
    """``reader`` with, for each parameter of PARAMS, its position in ``event_params``
    (NULL if missing), found in the list of keys built once per event."""
    if not has_params:
        return reader
    positions = ", ".join(f"list_position(ga4_param_keys, '{key}') AS {_quote(_position(c))}"
                          for c, key, _ in PARAMS)
    return (f"(SELECT *, {positions} FROM (SELECT *, [p.key FOR p IN event_params] "
            f"AS ga4_param_keys FROM {reader}))")


def json_select() -> str:
    """One SELECT over every JSON file of a batch: parameters (files, columns)."""
    reader = ("read_json(?, format = 'newline_delimited', columns = ?, "
              "maximum_object_size = 16777216)")
    return f"SELECT {_projection(None)} FROM {_with_keys(reader, True)}"


def parquet_paths(path: Path) -> set[tuple[str, ...]]:
    """Every field path of a Parquet file's schema (structs walked, lists not)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    found: set[tuple[str, ...]] = set()

    def walk(field: pa.Field, prefix: tuple[str, ...]) -> None:
        here = (*prefix, field.name)
        found.add(here)
        if pa.types.is_struct(field.type):
            for child in field.type:
                walk(child, here)

    for field in pq.read_schema(path):
        walk(field, ())
    return found


def parquet_select(present: set[tuple[str, ...]]) -> str:
    """One SELECT over Parquet files sharing a schema: parameter (files)."""
    has_params = ("event_params",) in present
    return (f"SELECT {_projection(present)} "
            f"FROM {_with_keys('read_parquet(?)', has_params)}")


def needed_paths(found: set[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    """The paths of FIELDS a file has: files with the same set share one read."""
    return frozenset(path for _, path, _ in FIELDS if path in found)
