"""The registry's plain spec objects say what the validated pydantic models say: same
fields, values, defaults and places, read-only, and unpickled as they were pickled."""

from __future__ import annotations

import pickle
from pathlib import Path

import kpi_engine_specs
import pytest

from kpi_engine.registry import spec_paths
from kpi_engine.specs.loader import load_spec_file, load_spec_text
from kpi_engine.specs.objects import Metric, SpecObject, from_model


def catalog_files():
    return [load_spec_file(p) for p in spec_paths(Path(kpi_engine_specs.__path__[0]))]


def pairs(model, obj):
    """(model, object) for ``model`` and every model nested in it."""
    yield model, obj
    for name in obj._fields:
        value, made = getattr(model, name), getattr(obj, name)
        for inner, inner_made in zip(value, made) if isinstance(value, tuple) else \
                [(value, made)]:
            if hasattr(type(inner), "model_fields"):
                yield from pairs(inner, inner_made)


def test_every_catalog_spec_reads_the_same_as_its_model():
    seen = 0
    for spec in catalog_files():
        obj = from_model(spec)
        for model, made in pairs(spec, obj):
            assert type(made).__name__ == type(model).__name__
            assert made.as_dict() == model.model_dump()
            assert made.as_dict(exclude_defaults=True) == model.model_dump(
                exclude_defaults=True)
            assert made.fields_set == model.model_fields_set
            assert made.location == model.location
            for field in type(model).model_fields:
                assert made.field_location(field) == model.field_location(field)
            seen += 1
    assert seen >= 400  # the whole catalog: metrics, sources and what they hold


def test_objects_are_read_only_and_survive_pickling():
    spec = load_spec_text(
        "sources:\n  - {name: o, table: orders, time: created_at, dimensions: [channel]}\n"
        "metrics:\n  - {name: n, type: count, source: o, label: Orders}\n", "t.yaml")
    obj = from_model(spec)
    metric = obj.metrics[0]
    assert isinstance(metric, Metric) and isinstance(metric, SpecObject)
    assert metric.label_in("vi") == "Orders" and metric.is_base
    assert obj.sources[0].dimension("channel").expression == "channel"
    assert str(metric.field_location("label")) == "t.yaml:4:46"
    with pytest.raises(AttributeError):
        metric.name = "other"
    with pytest.raises(AttributeError):
        del metric.name
    again = pickle.loads(pickle.dumps(obj))
    assert again == obj and again.metrics[0].location == metric.location
    assert from_model(obj) is obj  # made once
