"""Specs as the engine reads them: plain read-only objects made from the validated pydantic
models (``models.py``).

The registry holds these, not the models, so the registry cache unpickles them without
importing pydantic (a third of a cached ``kpi compile``'s time). The pydantic models stay
the one place that declares fields, defaults and rules: an object here has exactly the
fields of the model of the same class name, its nested models as objects too.
"""

from __future__ import annotations

from typing import Any

from ..errors import Location

BASE_TYPES = ("sum", "count", "count_distinct", "avg", "min", "max", "median", "percentile")
ADDITIVE_TYPES = ("sum", "count")


class Located:
    """Where a spec was written, for error messages: shared by the pydantic models and the
    plain objects, which both keep ``_location`` and ``_field_positions``."""

    _location: Location | None
    _field_positions: dict[str, tuple[int, int]]

    @property
    def location(self) -> Location | None:
        return self._location

    def field_location(self, field: str) -> Location | None:
        """Where ``field`` was written, falling back to the object's own location."""
        loc = self._location
        if loc is None:
            return None
        line_col = self._field_positions.get(field)
        return Location(loc.file, *line_col) if line_col else loc


class SpecObject(Located):
    """A validated model's field values as read-only attributes."""

    _location: Location | None = None
    _field_positions: dict[str, tuple[int, int]] = {}
    _fields: tuple[str, ...] = ()  # every field, in the model's order
    _written: frozenset[str] = frozenset()  # the fields the spec states (model_fields_set)
    _not_default: tuple[str, ...] = ()  # the fields whose value is not the default

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._fields))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._not_default)
        return f"{type(self).__name__}({shown})"

    @property
    def fields_set(self) -> frozenset[str]:
        """The fields the spec states (the rest took their defaults)."""
        return self._written

    def as_dict(self, exclude_defaults: bool = False) -> dict[str, Any]:
        """Field values as plain data, nested objects as dicts (``model_dump``'s shape)."""
        names = self._not_default if exclude_defaults else self._fields
        return {k: _dumped(getattr(self, k), exclude_defaults) for k in names}


def _dumped(value: Any, exclude_defaults: bool) -> Any:
    if isinstance(value, SpecObject):
        return value.as_dict(exclude_defaults)
    if isinstance(value, tuple):
        return tuple(_dumped(v, exclude_defaults) for v in value)
    return value


class Dimension(SpecObject):
    name: str
    expr: str | None

    @property
    def expression(self) -> str:
        return self.expr or self.name


class Join(SpecObject):
    pass


class Source(SpecObject):
    dimensions: tuple[Dimension, ...]

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)


class Benchmark(SpecObject):
    pass


class Target(SpecObject):
    pass


class Window(SpecObject):
    pass


class Offset(SpecObject):
    pass


class PerEntity(SpecObject):
    pass


class Drivers(SpecObject):
    pass


class Metric(SpecObject):
    name: str
    type: str
    label: dict[str, str]

    def label_in(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("en") or self.name.replace("_", " ")

    @property
    def is_base(self) -> bool:
        return self.type in BASE_TYPES


class SpecFile(SpecObject):
    pass


_CLASSES = {cls.__name__: cls for cls in (Dimension, Join, Source, Benchmark, Target, Window,
                                          Offset, PerEntity, Drivers, Metric, SpecFile)}
_FIELDS: dict[type, tuple[tuple[str, ...], dict[str, Any]]] = {}  # names, defaults


def from_model(model: Any) -> Any:
    """The object for a validated model (recursively); an object made already as it is."""
    if not _is_model(model):
        return model
    cls = _CLASSES[type(model).__name__]
    known = _FIELDS.get(type(model))
    if known is None:  # once per class; one tuple the pickled registry stores once
        declared = type(model).model_fields
        known = _FIELDS[type(model)] = (tuple(declared), {
            k: f.get_default(call_default_factory=True) for k, f in declared.items()
            if not f.is_required()})
    fields, defaults = known
    obj = object.__new__(cls)
    state = obj.__dict__
    state.update({k: _converted(getattr(model, k)) for k in fields})
    state["_fields"] = fields
    state["_written"] = frozenset(model.model_fields_set)
    state["_not_default"] = tuple(k for k in fields
                                  if k not in defaults or getattr(model, k) != defaults[k])
    state["_location"] = model._location
    state["_field_positions"] = dict(model._field_positions)
    return obj


def _converted(value: Any) -> Any:
    """A field's value: nested models (alone or in a tuple) as objects, the rest as is."""
    if isinstance(value, tuple):
        return tuple(from_model(v) for v in value) if value and _is_model(value[0]) else value
    return from_model(value) if _is_model(value) else value


def _is_model(value: Any) -> bool:
    return hasattr(type(value), "model_fields")
