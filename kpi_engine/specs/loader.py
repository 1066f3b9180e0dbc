"""Read spec files: YAML text -> validated, located ``SpecFile`` models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import KpiError, Location, SpecError, SpecErrors, did_you_mean
from .limits import MAX_SPEC_BYTES, read_text_file
from .models import Metric, Source, SpecFile, _Frozen
from .yaml_positions import PositionedDict, PositionedList, load_yaml, position_of


def load_spec_text(text: str, file: str) -> SpecFile:
    """Parse and validate one spec file's text; every problem is reported with its place."""
    data = load_yaml(text, file)
    if data is None:
        data = PositionedDict()
        data.positions, data.start = {}, (1, 1)
    if not isinstance(data, dict):
        raise SpecError("a spec file must be a mapping with 'sources' and/or 'metrics'",
                        Location(file, 1, 1))
    errors: list[KpiError] = []
    for key in data:
        if key not in SpecFile.model_fields:
            line, col = data.positions.get(key, (1, 1))
            errors.append(SpecError(
                f"unknown top-level key {key!r} (expected dialect, sources, metrics)",
                Location(file, line, col)))
    dialect = data.get("dialect", "duckdb")
    if not _known_dialect(dialect):
        line, col = data.positions.get("dialect", (1, 1))
        errors.append(SpecError(f"unknown dialect {dialect!r}{_dialect_hint(dialect)}",
                                Location(file, line, col)))
        dialect = "duckdb"  # check the rest of the file as written in the default
    sources = _validate_items(data, "sources", Source, file, errors)
    metrics = _validate_items(data, "metrics", Metric, file, errors)
    if errors:
        raise SpecErrors(errors)
    spec = SpecFile(dialect=dialect, sources=tuple(sources),
                    metrics=tuple(metrics))
    spec._location = Location(file, 1, 1)
    return spec


def load_spec_file(path: Path | str) -> SpecFile:
    path = Path(path)
    return load_spec_text(read_text_file(path, MAX_SPEC_BYTES, "spec file"), str(path))


def _known_dialect(name: Any) -> bool:
    """A SQL dialect sqlglot can read (specs are parsed in their file's dialect)."""
    from sqlglot.dialects.dialect import Dialect

    return isinstance(name, str) and bool(name) and Dialect.get(name) is not None


def _dialect_hint(name: Any) -> str:
    from sqlglot.dialects.dialect import Dialects

    hint = did_you_mean(str(name), {d.value for d in Dialects if d.value})
    return hint or " (use duckdb, postgres, mysql, bigquery, snowflake, ...)"


def _validate_items(data: dict, key: str, model: type[_Frozen], file: str,
                    errors: list[KpiError]) -> list[Any]:
    items = data.get(key) or []
    if not isinstance(items, list):
        line, col = data.positions.get(key, (1, 1))
        errors.append(SpecError(f"{key!r} must be a list", Location(file, line, col)))
        return []
    result = []
    for index, raw in enumerate(items):
        line, col = items.positions[index] if isinstance(items, PositionedList) else (0, 0)
        where = Location(file, line, col)
        if not isinstance(raw, dict):
            errors.append(SpecError(f"each entry of {key!r} must be a mapping", where))
            continue
        try:
            obj = model.model_validate(raw)
        except ValidationError as exc:
            errors.extend(_pydantic_errors(exc, raw, file, where))
            continue
        obj._location = where
        obj._field_positions = dict(raw.positions) if isinstance(raw, PositionedDict) else {}
        result.append(obj)
    return result


def _pydantic_errors(exc: ValidationError, raw: dict, file: str,
                     where: Location) -> list[KpiError]:
    name = raw.get("name")
    subject = f"{name!r}: " if isinstance(name, str) else ""
    out: list[KpiError] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        line, col = position_of(raw, loc) if loc else (where.line, where.column)
        field = ".".join(str(p) for p in loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            line, col = _key_position(raw, loc) or (line, col)
            msg = f"{subject}unknown field {field!r}"
            from ..errors import did_you_mean

            model_fields = _known_fields(raw)
            msg += did_you_mean(str(loc[-1]), model_fields)
        elif kind == "missing":
            msg = f"{subject}missing required field {field!r}"
        elif kind == "value_error":
            msg = f"{subject}{err['msg'].removeprefix('Value error, ')}"
        elif kind == "literal_error":
            msg = f"{subject}{field}: {err['msg'].lower()}, got {err['input']!r}"
        else:
            detail = err["msg"][0].lower() + err["msg"][1:]
            msg = f"{subject}{field}: {detail}" if field else f"{subject}{detail}"
        out.append(SpecError(msg, Location(file, line or where.line, col or where.column)))
    return out


def _key_position(raw: Any, loc: tuple) -> tuple[int, int] | None:
    node = raw
    for part in loc[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    keys = getattr(node, "key_positions", None)
    return keys.get(loc[-1]) if keys else None


def _known_fields(raw: dict) -> set[str]:
    return set(Metric.model_fields) | set(Source.model_fields)
