"""The demo's fast draws give what the stdlib's random methods give, from the same stream.

The demo files are byte-identical across releases only if demo/draws.py and
Timeline.random_moments consume a generator exactly as the calls they replace; these
tests check that on the running interpreter, value by value and by the generator's state.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from datetime import date, datetime, timedelta
from itertools import accumulate

import pytest

from kpi_engine.demo.draws import uniform_choice, weighted
from kpi_engine.demo.timeline import HOUR_WEIGHTS, OFFICE_HOURS, Timeline

DRAWS = 3000
WEIGHTS = [(45, 18, 12, 8, 8, 6, 3), (0.6, 0.35, 0.05), (0, 30, 70, 0), (1,), (0.35, 0.65),
           (2, 1, 1, 2, 2, 3, 5, 10, 20, 24, 30)]


def _twins(seed: int) -> tuple[random.Random, random.Random]:
    return random.Random(seed), random.Random(seed)


@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("seed", [1, 7, "kpi-engine-demo:7:web"])
def test_weighted_matches_choices_with_weights(seed, weights) -> None:
    ours, stdlib = _twins(seed)
    population = [f"item{i}" for i in range(len(weights))]
    draw = weighted(ours, population, weights)
    got = [draw() for _ in range(DRAWS)]
    assert got == [stdlib.choices(population, weights)[0] for _ in range(DRAWS)]
    assert ours.getstate() == stdlib.getstate()
    assert len(set(got)) == sum(1 for w in weights if w)  # every weighted item drawn


@pytest.mark.parametrize("weights", WEIGHTS)
def test_weighted_matches_choices_with_cumulative_weights(weights) -> None:
    ours, stdlib = _twins(11)
    cum = list(accumulate(weights))
    draw = weighted(ours, range(len(weights)), cum_weights=cum)
    got = [draw() for _ in range(DRAWS)]
    assert got == [stdlib.choices(range(len(weights)), cum_weights=cum)[0]
                   for _ in range(DRAWS)]
    assert ours.getstate() == stdlib.getstate()


def test_interleaved_draws_keep_the_stream_in_step() -> None:
    """Mixed with other calls on the same generator, as in demo/web.py."""
    ours, stdlib = _twins(5)
    pick = weighted(ours, "abc", (1, 2, 3))
    choose = uniform_choice(ours, ["x", "y", "z", "w", "v"])
    got, want = [], []
    for _ in range(DRAWS):
        got += [pick(), ours.random(), choose(), ours.expovariate(0.5)]
        want += [stdlib.choices("abc", (1, 2, 3))[0], stdlib.random(),
                 stdlib.choice(["x", "y", "z", "w", "v"]), stdlib.expovariate(0.5)]
    assert got == want


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8, 17, 100, 1000])
def test_uniform_choice_matches_choice(size) -> None:
    ours, stdlib = _twins(size)
    seq = list(range(size))
    draw = uniform_choice(ours, seq)
    assert [draw() for _ in range(DRAWS)] == [stdlib.choice(seq) for _ in range(DRAWS)]
    assert ours.getstate() == stdlib.getstate()


def test_bad_arguments_are_refused() -> None:
    rng = random.Random(1)
    with pytest.raises(TypeError):
        weighted(rng, "ab")
    with pytest.raises(TypeError):
        weighted(rng, "ab", (1, 1), cum_weights=(1, 2))
    with pytest.raises(ValueError):
        weighted(rng, "ab", (1, 1, 1))
    with pytest.raises(IndexError):
        uniform_choice(rng, [])


@pytest.mark.parametrize("hours", [HOUR_WEIGHTS, OFFICE_HOURS])
def test_random_moments_match_the_stdlib_formula(hours) -> None:
    """An hour by weight (bisect_left on the running total), then randrange(3600)."""
    tl = Timeline(date(2024, 2, 28), 3)
    ours, stdlib = _twins(3)
    cum = list(accumulate(hours))
    n = 20_000  # enough that getrandbits(12) lands on 3600 itself a few times
    got = tl.random_moments(ours, 1, n, hours)
    want = [datetime(2024, 2, 29) + timedelta(
        seconds=bisect_left(cum, stdlib.random() * cum[-1]) * 3600 + stdlib.randrange(3600))
        for _ in range(n)]
    assert got == want
    assert ours.getstate() == stdlib.getstate()
    assert tl.random_moment(ours, 2, hours) == (datetime(2024, 3, 1) + timedelta(
        seconds=bisect_left(cum, stdlib.random() * cum[-1]) * 3600 + stdlib.randrange(3600)))
