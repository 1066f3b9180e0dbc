"""Build GA4 BigQuery export rows in the export's own nested shape, and write them as
events_YYYYMMDD files (JSON Lines as BigQuery writes it: INT64 as strings; or Parquet)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

_VALUE = pa.struct([("string_value", pa.string()), ("int_value", pa.int64()),
                    ("float_value", pa.float64()), ("double_value", pa.float64())])
PARQUET_SCHEMA = pa.schema([
    ("event_date", pa.string()), ("event_timestamp", pa.int64()), ("event_name", pa.string()),
    ("event_params", pa.list_(pa.struct([("key", pa.string()), ("value", _VALUE)]))),
    ("user_pseudo_id", pa.string()),
    ("traffic_source", pa.struct([("name", pa.string()), ("medium", pa.string()),
                                  ("source", pa.string())])),
    ("collected_traffic_source", pa.struct([
        ("manual_campaign_name", pa.string()), ("manual_source", pa.string()),
        ("manual_medium", pa.string()), ("gclid", pa.string())])),
    ("device", pa.struct([("category", pa.string()), ("language", pa.string())])),
    ("geo", pa.struct([("country", pa.string()), ("city", pa.string())])),
    ("ecommerce", pa.struct([("purchase_revenue", pa.float64()),
                             ("transaction_id", pa.string())])),
    ("items", pa.list_(pa.struct([("item_id", pa.string()), ("quantity", pa.int64())]))),
])


def param(key: str, value: Any) -> dict[str, Any]:
    """One event_params entry: str -> string_value, int -> int_value, float -> double."""
    typed = {"string_value": None, "int_value": None, "float_value": None,
             "double_value": None}
    if isinstance(value, str):
        typed["string_value"] = value
    elif isinstance(value, int):
        typed["int_value"] = value
    else:
        typed["double_value"] = value
    return {"key": key, "value": typed}


def event(name: str, when: str, user: str, session: int | None, *, number: int = 1,
          country: str = "Germany", device: str = "mobile", revenue: float | None = None,
          transaction: str | None = None, collected: dict | None = None,
          **params: Any) -> dict[str, Any]:
    """An export row; ``when`` is UTC ('2024-03-01 23:50:00'); ``params`` event params."""
    moment = datetime.fromisoformat(when).replace(tzinfo=UTC)
    entries = [param(k, v) for k, v in params.items() if v is not None]
    if session is not None:
        entries.insert(0, param("ga_session_id", session))
        entries.insert(1, param("ga_session_number", number))
    return {
        "event_date": moment.strftime("%Y%m%d"),
        "event_timestamp": int(moment.timestamp() * 1_000_000),
        "event_name": name,
        "event_params": entries,
        "user_pseudo_id": user,
        "traffic_source": {"name": "(direct)", "medium": "(none)", "source": "(direct)"},
        "collected_traffic_source": collected,
        "device": {"category": device, "language": "de-de"},
        "geo": {"country": country, "city": ""},
        "ecommerce": ({"purchase_revenue": revenue, "transaction_id": transaction}
                      if name == "purchase" else None),
        "items": [{"item_id": "sku-1", "quantity": 1}] if name == "purchase" else [],
    }


def _as_bigquery_json(row: dict[str, Any]) -> dict[str, Any]:
    """BigQuery's JSON export writes INT64 values as strings."""
    out = dict(row, event_timestamp=str(row["event_timestamp"]))
    out["event_params"] = [
        {"key": p["key"], "value": {**p["value"], "int_value": (
            None if p["value"]["int_value"] is None else str(p["value"]["int_value"]))}}
        for p in row["event_params"]]
    return out


def write(folder: Path, name: str, rows: list[dict[str, Any]], fmt: str = "jsonl") -> Path:
    """Write ``rows`` as ``folder/name.<fmt>`` (name such as events_20240301)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.{fmt}"
    if fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA), path)
    else:
        path.write_text("".join(json.dumps(_as_bigquery_json(r)) + "\n" for r in rows))
    return path
