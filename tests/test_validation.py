"""Every kind of bad spec gives one clear error naming FILE:LINE:COL."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from kpi_engine.errors import SpecErrors
from kpi_engine.registry import load_registry

SOURCE = """\
sources:
  - name: orders
    table: orders
    time: created_at
    dimensions: [channel]
"""


def errors_for(tmp_path: Path, text: str, name: str = "bad.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(SpecErrors) as info:
        load_registry([tmp_path], include_packs=False)
    return [str(e) for e in info.value.errors]


def single(tmp_path: Path, text: str) -> str:
    errs = errors_for(tmp_path, text)
    assert len(errs) == 1, errs
    return errs[0]


def test_yaml_syntax_error_has_line(tmp_path):
    err = single(tmp_path, SOURCE + "metrics:\n  - name: x\n    type: [sum\n")
    assert re.match(r".*bad\.yaml:\d+:\d+: YAML syntax error", err), err


def test_unknown_field_with_did_you_mean(tmp_path):
    err = single(tmp_path, SOURCE + """\
metrics:
  - name: gross
    type: sum
    source: orders
    expresion: subtotal
""")
    assert "bad.yaml:10:5: 'gross': unknown field 'expresion' (did you mean 'expr'?)" in err


def test_wrong_type(tmp_path):
    err = single(tmp_path, SOURCE + """\
metrics:
  - name: gross
    type: sum
    source: orders
    expr: subtotal
    percentile: high
""")
    assert "bad.yaml:11:17" in err and "percentile" in err


def test_unknown_metric_type(tmp_path):
    err = single(tmp_path, SOURCE + "metrics:\n  - {name: x, type: summ, source: orders}\n")
    assert "bad.yaml:7:" in err and "'summ'" in err


def test_missing_field_for_type(tmp_path):
    err = single(tmp_path, SOURCE + "metrics:\n  - {name: r, type: ratio, numerator: x}\n")
    assert "bad.yaml:7:5" in err and "a metric of type ratio needs 'denominator'" in err


def test_duplicate_name_points_at_both(tmp_path):
    err = single(tmp_path, SOURCE + """\
metrics:
  - {name: orders, type: count, source: orders}
  - {name: orders, type: count, source: orders}
""")
    assert "bad.yaml:8:5: duplicate metric 'orders' (first defined at" in err
    assert "bad.yaml:7:5" in err


def test_unknown_metric_reference_did_you_mean(tmp_path):
    err = single(tmp_path, SOURCE + """\
metrics:
  - {name: orders, type: count, source: orders}
  - {name: gross_sales, type: sum, source: orders, expr: subtotal}
  - {name: aov, type: ratio, numerator: gros_sales, denominator: orders}
""")
    assert "bad.yaml:9:" in err
    assert "unknown metric 'gros_sales' (did you mean 'gross_sales'?)" in err


def test_unknown_column_did_you_mean(tmp_path):
    err = single(tmp_path, SOURCE + """\
metrics:
  - name: gross_sales
    type: sum
    source: orders
    expr: sub_total
""")
    assert "bad.yaml:10:11" in err
    assert "unknown column 'sub_total' in 'orders' (did you mean 'subtotal'?)" in err


def test_unknown_source(tmp_path):
    err = single(tmp_path, SOURCE + "metrics:\n  - {name: x, type: count, source: order}\n")
    assert "unknown source 'order' (did you mean 'orders'?)" in err


def test_cycle_prints_path(tmp_path):
    err = single(tmp_path, SOURCE + """\
metrics:
  - {name: a, type: derived, expr: b + 1}
  - {name: b, type: derived, expr: c * 2}
  - {name: c, type: ratio, numerator: a, denominator: b}
""")
    assert "dependency cycle:" in err
    path = err.split("dependency cycle: ")[1].split(" -> ")
    assert path[0] == path[-1] and set(path) == {"a", "b", "c"}


@pytest.mark.parametrize("expr, message", [
    ("(SELECT max(subtotal) FROM orders)", "subquery"),
    ("subtotal; DROP TABLE orders", "multiple statements"),
    ("DROP TABLE orders", "DROP statement"),
    ("getenv('HOME')", "function 'getenv' is not allowed"),
    ("sum(subtotal) OVER ()", "window functions"),
    ("sum(subtotal)", "aggregate"),
    ("subtotal IN (SELECT 1)", "subquery"),
])
def test_unsafe_expressions_are_rejected(tmp_path, expr, message):
    err = single(tmp_path, SOURCE + f"""\
metrics:
  - name: gross_sales
    type: sum
    source: orders
    expr: "{expr}"
""")
    assert "bad.yaml:10:11" in err and message in err, err


def test_unsafe_source_sql_and_filter(tmp_path):
    errs = errors_for(tmp_path, """\
sources:
  - name: v
    sql: "DELETE FROM orders"
  - name: o
    table: orders
    filter: "status = 'x'; DROP TABLE orders"
""")
    assert any("bad.yaml:3:10" in e and "source 'v'" in e for e in errs), errs
    assert any("bad.yaml:6:13" in e and "multiple statements" in e for e in errs), errs


def test_cumulative_over_ratio_is_rejected(tmp_path):
    err = single(tmp_path, SOURCE + """\
metrics:
  - {name: o, type: count, source: orders}
  - {name: r, type: ratio, numerator: o, denominator: o}
  - {name: c, type: cumulative, metric: r}
""")
    assert "not additive" in err and "bad.yaml:9:" in err


def test_parameters_need_point_in_time(tmp_path):
    err = single(tmp_path, SOURCE + """\
metrics:
  - name: x
    type: count
    source: orders
    filter: "created_at < :period_end"
""")
    assert "point_in_time: true" in err


def test_valid_specs_load(tmp_path):
    (tmp_path / "ok.yaml").write_text(SOURCE + "metrics:\n  - {name: o, type: count, "
                                      "source: orders}\n", encoding="utf-8")
    reg = load_registry([tmp_path], include_packs=False)
    assert reg.metric("o").location.line == 7


def test_unknown_column_in_source_sql(tmp_path):
    err = single(tmp_path, """\
sources:
  - name: firsts
    sql: SELECT customer_id, MIN(creatd_at) AS first_at FROM orders GROUP BY customer_id
    time: first_at
""")
    assert "bad.yaml:3:10: source 'firsts': sql: Column 'creatd_at' could not be resolved" in err
    assert "did you mean 'created_at'" in err
