"""Fast stand-ins for ``random.Random`` draws made hundreds of thousands of times.

Each one consumes the generator's stream exactly as the stdlib method it replaces (the
same calls to ``random()`` / ``getrandbits()``, in the same order) and returns the same
value, so the demo's files stay byte-identical; it only skips the per-call work those
methods repeat: ``choices`` rebuilding a list and re-checking its weights, ``choice``
going through ``_randbelow``. They mirror CPython's ``random.py`` (3.11 to 3.13 alike);
tests/test_demo_draws.py checks them against the stdlib on the running interpreter.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate
from typing import TypeVar

T = TypeVar("T")


def weighted(rng: random.Random, population: Sequence[T],
             weights: Iterable[float] | None = None, *,
             cum_weights: Sequence[float] | None = None) -> Callable[[], T]:
    """A function drawing what ``rng.choices(population, weights)[0]`` (or with
    ``cum_weights=``) would: one ``random()``, bisected into the cumulative weights."""
    if (weights is None) == (cum_weights is None):
        raise TypeError("give exactly one of weights and cum_weights")
    cum = list(accumulate(weights)) if cum_weights is None else list(cum_weights)
    if len(cum) != len(population):
        raise ValueError("the number of weights does not match the population")
    pop = tuple(population)
    total = cum[-1] + 0.0  # as choices() does: a float total
    hi = len(pop) - 1
    rand = rng.random

    def draw() -> T:
        return pop[bisect_right(cum, rand() * total, 0, hi)]
    return draw


def uniform_choice(rng: random.Random, seq: Sequence[T]) -> Callable[[], T]:
    """A function drawing what ``rng.choice(seq)`` would: ``getrandbits`` of the length's
    bit count, redrawn until below the length (``Random._randbelow``)."""
    pop = tuple(seq)
    n = len(pop)
    if not n:
        raise IndexError("cannot choose from an empty sequence")
    k = n.bit_length()
    bits = rng.getrandbits

    def draw() -> T:
        r = bits(k)
        while r >= n:
            r = bits(k)
        return pop[r]
    return draw
