"""The project cache: a ``kpi.yaml`` validated before is read without pydantic and gives
the same ``Project``; a changed file or environment validates afresh; no value that may
be secret is written to the cache."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from kpi_engine.errors import KpiError
from kpi_engine.project import Project, _validated, load_project

SECRET = "s3cr3t-Passw0rd-token"
PROJECT = """\
warehouse: postgresql://kpi:${PC_PASSWORD}@127.0.0.1:5432/test
timezone: asia/ho_chi_minh
week_start: sunday
specs: [specs, "${PC_SPECS}"]
schema: ${PC_SCHEMA}
currency: EUR
language: vi
packs: {exclude: [catalog]}
connectors:
  shopify: {shop: example, token: literal-token-in-file, api_version: "2025-01"}
  files: {path: data/*.csv}
targets:
  - {metric: net_sales, period: 2026-01, value: 1000}
scorecards:
  main: {metrics: [net_sales]}
goals: {pacing: linear}
notify:
  - {url: "https://hooks.example/${PC_HOOK}", when: at_risk}
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("KPI_ENGINE_CACHE_DIR", str(folder))
    monkeypatch.delenv("KPI_ENGINE_NO_CACHE", raising=False)
    monkeypatch.setenv("PC_PASSWORD", SECRET)
    monkeypatch.setenv("PC_SPECS", "more_specs")
    monkeypatch.setenv("PC_SCHEMA", "shop")
    monkeypatch.setenv("PC_HOOK", SECRET)
    return folder


def entries(cache):
    folder = cache / "projects"
    return sorted(folder.glob("project-*")) if folder.exists() else []


def as_fields(project: Project) -> dict:
    return {f.name: getattr(project, f.name) for f in dataclasses.fields(project)}


def test_a_cached_project_is_the_validated_one(cache, tmp_path):
    path = tmp_path / "kpi.yaml"
    path.write_text(PROJECT)
    first = load_project(path)
    assert len(entries(cache)) == 1
    second = load_project(path)  # served from the entry
    assert as_fields(second) == as_fields(first)
    for name, value in as_fields(first).items():  # the same types, not just equal values
        assert type(getattr(second, name)) is type(value), name
    assert second.timezone == "Asia/Ho_Chi_Minh" and second.schema == "shop"
    assert second.specs == ("specs", "more_specs")
    assert type(second.connectors["shopify"]) is dict
    # Values are still expanded when used, and errors still name the line.
    assert SECRET in second.warehouse_url()
    assert second.warehouse_location() == first.warehouse_location()
    assert second.connector_settings("shopify")["shop"] == "example"


def test_the_cached_project_equals_pydantic_validation(cache, tmp_path):
    """What a hit rebuilds from the parsed file equals what validation gives."""
    from kpi_engine.project_cache import NOT_STORED, not_stored
    from kpi_engine.specs.yaml_positions import load_yaml

    data = load_yaml(PROJECT, "kpi.yaml")
    values = {**data, "specs": ["specs", "more_specs"], "schema": "shop"}
    validated = _validated(tmp_path / "kpi.yaml", data, values)
    rebuilt = not_stored(values)
    for name in set(NOT_STORED) - {"root"}:
        assert rebuilt[name] == getattr(validated, name), name
        assert type(rebuilt[name]) is type(getattr(validated, name)), name


def test_nothing_secret_is_written(cache, tmp_path):
    path = tmp_path / "kpi.yaml"
    path.write_text(PROJECT)
    load_project(path)
    [entry] = entries(cache)
    raw = entry.read_bytes()
    for secret in (SECRET, "literal-token-in-file", "hooks.example", "127.0.0.1", "shop"):
        assert secret.encode() not in raw, secret


@pytest.mark.parametrize("change", ["file", "schema_env", "specs_env"])
def test_a_changed_file_or_environment_validates_afresh(cache, tmp_path, monkeypatch,
                                                      change):
    path = tmp_path / "kpi.yaml"
    path.write_text(PROJECT)
    load_project(path)
    if change == "file":
        path.write_text(PROJECT.replace("week_start: sunday", "week_start: tuesday"))
    elif change == "schema_env":
        monkeypatch.setenv("PC_SCHEMA", "bad schema!")
    else:
        monkeypatch.setenv("PC_SPECS", "other_specs")
    if change == "schema_env":  # validated again: the new value is refused
        with pytest.raises(KpiError, match="schema"):
            load_project(path)
        return
    project = load_project(path)
    assert len(entries(cache)) == 2
    if change == "file":
        assert project.week_start == "tuesday"
    else:
        assert project.specs == ("specs", "other_specs")


def test_an_invalid_file_is_never_cached(cache, tmp_path):
    path = tmp_path / "kpi.yaml"
    path.write_text("timezone: Mars/Olympus\n")
    for _ in range(2):
        with pytest.raises(KpiError, match="unknown timezone"):
            load_project(path)
    path.write_text("week_starts: monday\n")
    with pytest.raises(KpiError, match="unknown key"):
        load_project(path)
    assert entries(cache) == []


@pytest.mark.slow  # two fresh interpreters: what a warm `kpi` process imports
def test_a_warm_run_with_a_kpi_yaml_imports_no_pydantic(tmp_path, cache):
    (tmp_path / "kpi.yaml").write_text("timezone: Asia/Ho_Chi_Minh\nschema: shop\n")
    child = ("import json, sys\nfrom kpi_engine.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith("
             "('pydantic', 'sqlglot')))), file=sys.stderr)\n")
    env = {**os.environ}

    def run():
        proc = subprocess.run([sys.executable, "-c", child, "compile", "aov"],
                              capture_output=True, text=True, env=env, cwd=tmp_path,
                              check=True)
        return proc.stdout, json.loads(proc.stderr.strip().splitlines()[-1])

    cold_sql, cold = run()
    warm_sql, warm = run()
    assert "pydantic" in cold and warm == [] and warm_sql == cold_sql
    assert "shop." in warm_sql and "Asia/Ho_Chi_Minh" in warm_sql
