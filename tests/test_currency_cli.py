"""Money in several currencies from the command line: rates loaded with `kpi sync files`,
the reporting currency in kpi.yaml (issue 7, sem. 6)."""

from __future__ import annotations

import json

from .conftest import SHOP_SPECS
from .test_cli import kpi


def test_rates_from_files_and_reporting_currency_in_kpi_yaml(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text(
        "order_id,channel,customer_id,created_at,currency,subtotal,discounts,status,is_test\n"
        "a1,web,c1,2024-01-03T10:00:00Z,EUR,100,0,paid,false\n"
        "a2,web,c2,2024-01-04T10:00:00Z,USD,10,0,paid,false\n", encoding="utf-8")
    (data / "exchange_rates.csv").write_text("date,currency,rate\n2024-01-01,USD,0.5\n",
                                             encoding="utf-8")
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = kpi("sync", "files", "--set", f"path={data}", "-w", url)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "kpi.yaml"
    project.write_text(f"warehouse: {url}\nspecs: [{SHOP_SPECS}]\n", encoding="utf-8")
    # EUR 100 and USD 10 are not summed as 110: one error line, exit 1.
    refused = kpi("eval", "gross_sales", "--grain", "all", cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "Error: gross_sales would sum amounts in several currencies (EUR, USD): set the "
        "reporting currency (currency: in kpi.yaml) and load the rates into table "
        "exchange_rates (docs/schema.md), or break the metrics down by currency "
        "(--by currency)"]
    # In EUR: 100 + 10 x 0.5 = 105.
    project.write_text(f"warehouse: {url}\nspecs: [{SHOP_SPECS}]\ncurrency: EUR\n",
                       encoding="utf-8")
    result = kpi("eval", "gross_sales", "--grain", "all", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"gross_sales": 105}]
    project.write_text(f"warehouse: {url}\ncurrency: euro\n", encoding="utf-8")
    bad = kpi("eval", "gross_sales", cwd=tmp_path)
    assert bad.returncode == 1 and "kpi.yaml:2:11: currency: currency 'euro' is not an " \
        "ISO 4217 code" in bad.stderr
