"""Credentials in warehouse URLs are never printed (issue 12.4, 12.5).

A secret is put in every place a URL can carry one — the user info (with an empty user,
with ``@ : / #`` inside, percent-encoded) and query parameters (password, sslpassword,
token, api_key, secret, access_token) — and every output of failing and succeeding
``kpi sync files`` / ``kpi eval`` runs is searched for it: stdout, stderr, the ``--debug``
traceback and log records at DEBUG level. PostgreSQL and MariaDB are the real servers
(PostgreSQL trusts local connections, so a password there is accepted and ignored, which
gives the succeeding runs; MariaDB's root has none, so one there is refused).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from kpi_engine.errors import KpiError
from kpi_engine.warehouses.url import WarehouseURL, redact_url

from ..cli_runner import run_kpi
from ..conftest import NO_CATALOG, SHOP_SPECS

PG = "127.0.0.1:5432/test"
REFUSED = "127.0.0.1:9/db"  # nothing listens there: the connection fails at once

# (position, URL template, the secret as it must never appear). {host} is host:port/db;
# {q} is "?" or "&" before a parameter.
SECRET = "Zz9@ss-S3cr3t"
POSITIONS = [
    ("user info", f"postgresql://postgres:{SECRET}@{{host}}", SECRET),
    ("empty user", f"postgresql://:{SECRET}@{{host}}", SECRET),
    ("colon and hash", "postgresql://postgres:a:b#c-S3cr3t@{host}", "a:b#c-S3cr3t"),
    ("slash", "postgresql://postgres:a/b-S3cr3t@{host}", "a/b-S3cr3t"),
    ("percent-encoded", f"postgresql://postgres:{quote('p?w&d=S3cr3t', safe='')}@{{host}}",
     "p?w&d=S3cr3t"),
    ("password parameter", "postgresql://postgres@{host}{q}password=TopSecret9",
     "TopSecret9"),
    ("sslpassword parameter", "postgresql://postgres@{host}{q}sslpassword=TopSecret8",
     "TopSecret8"),
    ("token parameter", "postgresql://postgres@{host}{q}token=TopSecret7", "TopSecret7"),
]
QUERY_SECRETS = ["password", "sslpassword", "token", "api_key", "secret", "access_token",
                 "aws_secret_access_key", "private_key", "auth"]


def fill(template: str, host: str) -> str:
    url = template.replace("{host}", host)
    return url.replace("{q}", "&" if "?" in host else "?")


def kpi(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_kpi(*args, cwd=cwd, env={"KPI_ENGINE_LOAD_PLUGINS": NO_CATALOG, **(env or {})})


def kpi_process(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """A real process, for --debug: what the interpreter prints as it exits (the traceback,
    a driver object's complaint when it is collected) is part of the output."""
    env = {**os.environ, "KPI_ENGINE_LOAD_PLUGINS": NO_CATALOG}
    return subprocess.run([sys.executable, "-m", "kpi_engine", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120, env=env)


def assert_hidden(secret: str, *outputs: str) -> None:
    for text in outputs:
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            assert form not in text, f"secret {secret!r} printed in:\n{text}"


@pytest.fixture
def orders_folder(tmp_path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text(
        "order_id,channel,customer_id,created_at,subtotal,discounts,status,is_test\n"
        "a1,web,c1,2024-01-03T10:00:00Z,10.50,0,paid,false\n", encoding="utf-8")
    return data


# -- the structure ---------------------------------------------------------------------------

@pytest.mark.parametrize(("position", "template", "secret"), POSITIONS)
def test_every_credential_position_is_parsed_and_hidden(position, template, secret):
    url = fill(template, "db.example:5432/shop")
    address = WarehouseURL.parse(url)
    assert secret in (address.password, *dict(address.params).values()), position
    assert address.host == "db.example" and address.port == 5432
    assert address.database == "shop"
    for shown in (str(address), repr(address), f"{address}", f"{address!r}",
                  redact_url(url)):
        assert_hidden(secret, shown)
        assert "db.example:5432/shop" in shown and "***" in shown


@pytest.mark.parametrize("name", QUERY_SECRETS)
def test_secret_query_parameters_are_hidden_whatever_the_scheme(name):
    for scheme in ("postgresql://h/db", "mysql://h/db", "duckdb:///x.duckdb",
                   "spark://local[2]"):
        address = WarehouseURL.parse(f"{scheme}?sslmode=require&{name}=Hush-42")
        assert address.param(name) == "Hush-42"
        assert f"{name}=***" in str(address)
        assert_hidden("Hush-42", str(address), repr(address))


def test_a_password_with_at_signs_is_cut_at_the_last_one():
    address = WarehouseURL.parse("postgresql://kpi:Zz9@ss@db:5432/shop")
    assert (address.user, address.password, address.host) == ("kpi", "Zz9@ss", "db")
    assert str(address) == "postgresql://kpi:***@db:5432/shop"  # not '***@ss@db'


def test_a_forgotten_host_does_not_show_the_password_as_a_port():
    """``user:secret/db`` has no '@': the 'port' is the password."""
    from kpi_engine.warehouses.url import URLError

    address = WarehouseURL.parse("postgresql://kpi:Hush-42/shop")
    assert_hidden("Hush-42", str(address))
    with pytest.raises(URLError) as info:
        _ = address.port
    assert_hidden("Hush-42", str(info.value))


def test_scrub_removes_credentials_from_driver_messages():
    address = WarehouseURL.parse("postgresql://u:p%40ss@h/db?token=tok-1")
    assert address.password == "p@ss"
    text = address.scrub("failed for p@ss (p%40ss) with tok-1")
    assert text == "failed for *** (***) with ***"


def test_malformed_urls_are_one_line_without_the_secret():
    from kpi_engine.warehouses.url import URLError

    for bad in ("kpi:Hush-42@db/shop",                     # no scheme
                "postgresql://kpi:Hu?sh-42@db/shop",       # '?' in the password
                "postgresql://h/db?x=1&x=Hush-42",         # repeated parameter
                "postgresql://h/db\x00Hush-42"):           # control character
        with pytest.raises(URLError) as info:
            WarehouseURL.parse(bad).port  # noqa: B018 - parsing is the test
        assert "\n" not in str(info.value)
        assert_hidden("Hush-42", str(info.value))
        assert "Hu?sh" not in str(info.value) and "sh-42" not in str(info.value)


# -- every output of the CLI --------------------------------------------------------------------

# Two positions through the command (in process, but the --debug run in a real one), every
# position through main() below.
@pytest.mark.warehouse
@pytest.mark.parametrize(("position", "template", "secret"), [POSITIONS[0], POSITIONS[5]])
def test_the_cli_never_prints_the_secret(position, template, secret, tmp_path, orders_folder,
                                         warehouse_factory):
    schema = warehouse_factory("postgresql").schema  # a fresh schema, dropped afterwards
    good = fill(template, f"{PG}?schema={schema}")
    refused = fill(template, REFUSED)
    runs = [
        kpi("sync", "files", "--set", f"path={orders_folder}", "-w", good, cwd=tmp_path),
        kpi("--specs", str(SHOP_SPECS), "eval", "orders", "--grain", "all", "-w", good,
            cwd=tmp_path),
        kpi("sync", "files", "--set", f"path={orders_folder}", "-w", refused, cwd=tmp_path),
        kpi_process("--debug", "--specs", str(SHOP_SPECS), "eval", "orders", "-w", refused,
                    cwd=tmp_path),
    ]
    for run in runs:
        assert_hidden(secret, run.stdout, run.stderr)
    sync, evaluated, refused_sync, refused_debug = runs
    # PostgreSQL accepts any password here (trust): these runs succeed.
    assert sync.returncode == 0, sync.stderr
    assert "Synced files into postgresql://postgres" in sync.stdout and "***" in sync.stdout
    assert evaluated.returncode == 0 and "1" in evaluated.stdout, evaluated.stderr
    assert refused_sync.returncode == 1 and "127.0.0.1:9" in refused_sync.stderr
    assert len(refused_sync.stderr.strip().splitlines()) == 1
    assert "Traceback" in refused_debug.stderr  # --debug did show the traceback


@pytest.mark.warehouse
@pytest.mark.parametrize("url", [
    "mysql://root:Hush-4242@127.0.0.1:3306/test",
    "mariadb://root@127.0.0.1:3306/test?password=Hush-4242",
    "mysql://:Hush-4242@127.0.0.1:3306/test",
])
def test_a_refused_mariadb_login_never_prints_the_secret(url, tmp_path, orders_folder):
    for run in (kpi("sync", "files", "--set", f"path={orders_folder}", "-w", url,
                    cwd=tmp_path),
                kpi_process("--debug", "--specs", str(SHOP_SPECS), "eval", "orders", "-w", url,
                            cwd=tmp_path)):
        assert run.returncode != 0
        assert_hidden("Hush-4242", run.stdout, run.stderr)
        assert "127.0.0.1:3306" in run.stderr


@pytest.mark.warehouse
def test_no_output_path_holds_the_secret_in_process(caplog, capsys, orders_folder,
                                                    warehouse_factory, monkeypatch):
    """Every position, in process: stdout, stderr, the --debug traceback and log records
    of every logger (the drivers' too) at DEBUG level."""
    import traceback

    from kpi_engine.cli import main

    monkeypatch.setenv("KPI_ENGINE_LOAD_PLUGINS", NO_CATALOG)
    schema = warehouse_factory("postgresql").schema
    caplog.set_level(logging.DEBUG)
    synced = 0
    for _, template, secret in POSITIONS:
        good, refused = fill(template, f"{PG}?schema={schema}"), fill(template, REFUSED)
        for args in (["sync", "files", "--set", f"path={orders_folder}", "-w", good],
                     ["--specs", str(SHOP_SPECS), "eval", "orders", "-w", refused]):
            with pytest.raises(SystemExit):
                main(args)
            out = capsys.readouterr()
            assert_hidden(secret, out.out, out.err, caplog.text)
            synced += "Synced files into postgresql://" in out.out
        with pytest.raises(KpiError):  # --debug: the error propagates with its traceback
            try:
                main(["--debug", "--specs", str(SHOP_SPECS), "eval", "orders", "-w", refused])
            except KpiError:
                assert_hidden(secret, traceback.format_exc())
                raise
        out = capsys.readouterr()
        assert_hidden(secret, out.out, out.err, caplog.text)
    assert synced >= 6  # the runs did reach the server (all but the empty user's)


# -- ${VAR} in kpi.yaml --------------------------------------------------------------------------

@pytest.mark.warehouse
def test_environment_variables_are_expanded_in_warehouse_and_never_printed(
        tmp_path, orders_folder, warehouse_factory):
    schema = warehouse_factory("postgresql").schema
    secret = "Zz9@ss/#?%41-S3cr3t"  # every character a URL would stumble on
    (tmp_path / "kpi.yaml").write_text(
        "warehouse: postgresql://postgres:${KPI_TEST_PG_PASSWORD}@127.0.0.1:5432/test"
        "?schema=${KPI_TEST_SCHEMA}\n"
        f"specs: [{SHOP_SPECS}]\n"
        f"connectors:\n  files:\n    path: {orders_folder}\n", encoding="utf-8")
    env = {"KPI_TEST_PG_PASSWORD": secret, "KPI_TEST_SCHEMA": schema}
    sync = kpi("sync", "files", cwd=tmp_path, env=env)
    assert sync.returncode == 0, sync.stderr
    assert f"postgresql://postgres:***@127.0.0.1:5432/test?schema={schema}" in sync.stdout
    evaluated = kpi("eval", "orders", "--grain", "all", "--format", "json", cwd=tmp_path,
                    env=env)
    assert evaluated.returncode == 0 and '"orders": 1' in evaluated.stdout, evaluated.stderr
    assert_hidden(secret, sync.stdout, sync.stderr, evaluated.stdout, evaluated.stderr)
    # Unset: one line at the value's position, naming the variable; list needs no password.
    unset = kpi("eval", "orders", cwd=tmp_path, env={"KPI_TEST_SCHEMA": schema})
    assert unset.returncode == 1
    assert unset.stderr.strip() == ("kpi.yaml:1:12: warehouse: ${KPI_TEST_PG_PASSWORD} is "
                                    "not set in the environment"), unset.stderr
    assert kpi("list", cwd=tmp_path).returncode == 0


def test_environment_variables_in_connector_settings_and_unset_ones(tmp_path, monkeypatch):
    from kpi_engine.project import load_project

    path = tmp_path / "kpi.yaml"
    path.write_text("connectors:\n  files:\n    path: ${KPI_TEST_DIR}/data\n"
                    "    mapping: {orders: {id: '${KPI_TEST_COL}'}}\n", encoding="utf-8")
    monkeypatch.setenv("KPI_TEST_DIR", "/srv")
    monkeypatch.setenv("KPI_TEST_COL", "order_id")
    settings = load_project(path).connector_settings("files")
    assert settings == {"path": "/srv/data", "mapping": {"orders": {"id": "order_id"}}}
    monkeypatch.delenv("KPI_TEST_COL")
    with pytest.raises(KpiError) as info:
        load_project(path).connector_settings("files")
    assert str(info.value) == (f"{path}:4:28: connectors.files.mapping.orders.id: "
                               "${KPI_TEST_COL} is not set in the environment")
