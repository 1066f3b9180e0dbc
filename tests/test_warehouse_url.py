"""How a warehouse URL is read: parts, file paths, parameters, schema precedence."""

from __future__ import annotations

import pytest

from kpi_engine.warehouses.url import URLError, WarehouseURL


@pytest.mark.parametrize(("url", "path"), [
    ("duckdb:///kpi.duckdb", "kpi.duckdb"),
    ("duckdb:////srv/data/kpi.duckdb", "/srv/data/kpi.duckdb"),
    ("duckdb:///:memory:", ":memory:"),
    ("duckdb://", ":memory:"),
    ("duckdb:////srv/user@host/x.duckdb?schema=s", "/srv/user@host/x.duckdb"),
    ("sqlite:///my%20shop.db", "my shop.db"),
])
def test_embedded_database_files(url, path):
    assert WarehouseURL.parse(url).file_path() == path


def test_server_parts():
    a = WarehouseURL.parse("PostgreSQL+psycopg://kpi%40corp:p+w@[::1]:6543/shop%2Deu"
                           "?sslmode=require&application_name=a+b")
    assert (a.scheme, a.base_scheme) == ("postgresql+psycopg", "postgresql")
    assert (a.user, a.password, a.host, a.port, a.database) == (
        "kpi@corp", "p+w", "::1", 6543, "shop-eu")
    assert a.param("application_name") == "a+b"  # '+' is not a space here
    assert a.param_names() == ["sslmode", "application_name"]
    b = WarehouseURL.parse("spark://local[2]?warehouse_dir=/tmp/wh")
    assert (b.host, b.port, b.location) == ("local[2]", None, "local[2]")


def test_schema_from_the_url_wins_and_both_are_checked():
    assert WarehouseURL.parse("postgresql://h/db?schema=a").schema("b") == "a"
    assert WarehouseURL.parse("postgresql://h/db").schema("b") == "b"
    assert WarehouseURL.parse("postgresql://h/db").schema() is None
    with pytest.raises(URLError, match=r"\?schema=: 'a-b' is not a valid schema name"):
        WarehouseURL.parse("postgresql://h/db?schema=a-b").schema("b")


def test_whole_number_parameters():
    a = WarehouseURL.parse("mysql://h/db?connect_timeout=5&read_timeout=x")
    assert a.int_param("connect_timeout") == 5 and a.int_param("missing") is None
    with pytest.raises(URLError, match="read_timeout='x' is not a whole number"):
        a.int_param("read_timeout")


@pytest.mark.parametrize("url", ["postgresql://h:0/db", "postgresql://h:70000/db",
                                 "postgresql://h:x/db"])
def test_bad_ports(url):
    with pytest.raises(URLError, match="the port is not a number from 1 to 65535"):
        _ = WarehouseURL.parse(url).port


def test_limits():
    with pytest.raises(URLError, match="longer than 4096"):
        WarehouseURL.parse("duckdb:///" + "x" * 5000)
    with pytest.raises(URLError, match="no scheme"):
        WarehouseURL.parse("kpi.duckdb")
