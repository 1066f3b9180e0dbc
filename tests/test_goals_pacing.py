"""Pacing, status and anomalies worked by hand (docs/goals.md): the pure functions
``kpi check`` is built from."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kpi_engine.goals.anomalies import checked_period, comparable_periods, detect
from kpi_engine.goals.config import parse_amount
from kpi_engine.goals.pacing import accumulates, elapsed_share, pace
from kpi_engine.goals.periods import containing, parse_period, period_of, previous
from kpi_engine.goals.status import attainment, status_of

Q1 = parse_period("2025-Q1")  # 90 days


def test_periods_parse_and_shift():
    assert (Q1.start, Q1.end, Q1.grain, Q1.days) == (date(2025, 1, 1), date(2025, 4, 1),
                                                    "quarter", 90)
    assert parse_period(2026).label == "2026" and parse_period(2026).days == 365
    assert parse_period("2024-02").days == 29
    assert Q1.shifted_years(-1) == parse_period("2024-Q1")
    assert previous(parse_period("2025-01")) == parse_period("2024-12")
    assert containing(date(2025, 5, 17), "quarter") == parse_period("2025-Q2")
    assert containing(date(2025, 5, 17), "week").start == date(2025, 5, 12)  # a Monday
    assert containing(date(2025, 5, 17), "week", "sunday").start == date(2025, 5, 11)
    for bad in ("2025-Q5", "2025-13", "25", "2025-1", "next year"):
        with pytest.raises(ValueError):
            parse_period(bad)
    with pytest.raises(ValueError, match="does not start a quarter"):
        period_of(date(2025, 2, 1), "quarter")


def test_amounts_in_people_notation():
    assert parse_amount("1.2M", "value") == 1_200_000
    assert parse_amount("500k", "value") == 500_000
    assert parse_amount("+50%", "change") == 0.5
    assert parse_amount("-5%", "change") == -0.05
    assert parse_amount("1,250", "value") == 1250
    with pytest.raises(ValueError, match="not a number"):
        parse_amount("lots", "value")


def test_linear_pacing_half_way():
    # 45 of 90 days gone (as of 15 Feb: 1 Jan .. 14 Feb), 6,750 sold, target 15,000:
    # 7,500 expected by now, 6,750 / 0.5 = 13,500 projected.
    as_of = date(2025, 2, 15)
    assert elapsed_share(Q1, as_of) == 0.5
    p = pace(6750, 15000, Q1, as_of, accumulates=True)
    assert (p.method, p.expected, p.projection) == ("linear", 7500, 13500)


def test_seasonal_pacing_follows_last_years_shape():
    # Last year the same 45 days brought 9,000 of the quarter's 15,000 (60%): 60% of the
    # target is expected by now, and 6,750 / 0.6 = 11,250 is projected.
    p = pace(6750, 15000, Q1, date(2025, 2, 15), True, "seasonal", (9000, 15000))
    assert p.method == "seasonal"
    assert p.expected == pytest.approx(9000) and p.projection == pytest.approx(11250)
    # without last year's data it falls back to linear, and says so
    fallback = pace(6750, 15000, Q1, date(2025, 2, 15), True, "seasonal", (None, None))
    assert (fallback.method, fallback.projection) == ("linear", 13500)
    assert pace(6750, 15000, Q1, date(2025, 2, 15), True, "seasonal", (0, 0)).method == \
        "linear"


def test_levels_and_finished_periods_are_not_extrapolated():
    rate = pace(0.031, 0.03, Q1, date(2025, 2, 15), accumulates=False)
    assert (rate.method, rate.expected, rate.projection) == ("level", 0.03, 0.031)
    done = pace(14000, 15000, Q1, date(2025, 4, 1), accumulates=True)
    assert (done.method, done.expected, done.projection) == ("final", 15000, 14000)


def test_which_metrics_accumulate():
    from kpi_engine.registry import load_registry

    catalog = load_registry()
    assert accumulates(catalog, "sessions") and accumulates(catalog, "net_sales")
    assert accumulates(catalog, "gross_profit")  # net_sales - cogs
    assert not accumulates(catalog, "conversion_rate") and not accumulates(catalog, "aov")


@pytest.mark.parametrize(("projection", "target", "direction", "expected", "status"), [
    (13500, 15000, "higher_is_better", 0.9, "at_risk"),  # exactly at the at-risk line
    (15000, 15000, "higher_is_better", 1.0, "on_track"),
    (11250, 15000, "higher_is_better", 0.75, "off_track"),
    (0.10, 0.08, "lower_is_better", 0.8, "off_track"),  # 10% abandonment, target 8%
    (0.10, 0.095, "lower_is_better", 0.95, "at_risk"),
    (0.07, 0.08, "lower_is_better", 8 / 7, "on_track"),  # below a lower-is-better target
    (110, 100, "neutral", 0.9, "at_risk"),
    (90, 100, "neutral", 0.9, "at_risk"),
    (-5, 0, "higher_is_better", 0.0, "off_track"),  # a zero target: which side of it
    (0, 0, "lower_is_better", 1.0, "on_track"),
])
def test_status_both_directions(projection, target, direction, expected, status):
    got = attainment(projection, target, direction)
    assert got == pytest.approx(expected)
    assert status_of(got) == status


def test_thresholds_are_configurable():
    assert status_of(0.97, on_track=0.95, at_risk=0.8) == "on_track"
    assert status_of(0.85, on_track=0.95, at_risk=0.8) == "at_risk"
    assert status_of(0.79, on_track=0.95, at_risk=0.8) == "off_track"
    assert status_of(None) == "no_target"


def _days(start: date, values: list[float]) -> dict[str, float]:
    return {(start + timedelta(days=i)).isoformat(): v for i, v in enumerate(values)}


def test_anomaly_compares_the_same_weekday():
    # Eight weeks: weekdays 100, Saturdays 400. A Saturday of 400 is normal; a Friday of
    # 300 is not (Fridays were 100), though 300 is within the range of all days.
    week = [100, 100, 100, 100, 100, 400, 100]  # Monday .. Sunday
    start = date(2025, 1, 6)  # a Monday
    series = _days(start, week * 8 + [100, 100, 100, 100, 300, 400])
    friday = checked_period(date(2025, 3, 8), "day")  # as of Saturday 8 March
    assert friday.start == date(2025, 3, 7) and friday.start.weekday() == 4
    assert [p.start.weekday() for p in comparable_periods(friday, 8)] == [4] * 8
    found = detect(series, friday, 8, "higher_is_better")
    assert (found.side, found.value, found.low, found.high) == ("above", 300, 100, 100)
    assert found.bad is False  # more sales than usual is not bad news
    assert len(found.comparable) == 8
    saturday = checked_period(date(2025, 3, 9), "day")
    assert detect(series, saturday, 8, "higher_is_better") is None
    assert detect(series, friday, 8, "lower_is_better").bad is True
    assert detect(series, friday, 8, "neutral").bad is None


def test_anomaly_needs_three_comparable_values_and_handles_months():
    series = _days(date(2025, 2, 14), [100, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 999])
    day = checked_period(date(2025, 3, 1), "day")
    assert detect(series, day, 8, "higher_is_better") is None  # only two Fridays before
    months = {"2025-01-01": 10.0, "2024-12-01": 12.0, "2024-11-01": 11.0, "2025-02-01": 5.0}
    feb = checked_period(date(2025, 3, 10), "month")
    assert feb == parse_period("2025-02")
    found = detect(months, feb, 3, "higher_is_better")
    assert (found.side, found.low, found.high, found.bad) == ("below", 10, 12, True)
