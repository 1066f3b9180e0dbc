"""Dividing a change among drivers so the parts add up exactly.

Sum (``y = a + b - c``): each driver contributes its own change, with its sign. Exact.

Product (``y = a × b × c``): the logarithmic mean Divisia index (LMDI-I). With
``L(p, q) = (p - q) / (ln p - ln q)`` (and ``L(p, p) = p``), driver ``i`` contributes
``L(y1, y0) × ln(x1_i / x0_i)``. The contributions add up to ``L(y1, y0) × ln(y1 / y0) =
y1 - y0`` exactly, no residual and no order among the drivers. The logarithms need every
value positive; when one is zero or negative the Shapley decomposition is used instead:
each driver's average effect over every order in which the drivers could change one at a
time (also exact and order-free, and a product has at most MAX_DRIVERS drivers).
"""

from __future__ import annotations

import math
from itertools import combinations

LMDI, SHAPLEY, SUM = "log-mean (LMDI)", "Shapley", "sum"


def log_mean(p: float, q: float) -> float:
    """The logarithmic mean of two positive numbers."""
    if p == q:
        return p
    return (p - q) / (math.log(p) - math.log(q))


def sum_contributions(signs: list[int], prior: list[float], current: list[float]
                      ) -> list[float]:
    return [s * (c - p) for s, p, c in zip(signs, prior, current, strict=True)]


def product_contributions(prior: list[float], current: list[float]
                          ) -> tuple[list[float], str]:
    """Each factor's part of ``prod(current) - prod(prior)``, and the method used."""
    if all(v > 0 for v in (*prior, *current)):
        weight = log_mean(math.prod(current), math.prod(prior))
        return [weight * math.log(c / p) for p, c in zip(prior, current, strict=True)], LMDI
    return _shapley(prior, current), SHAPLEY


def _shapley(prior: list[float], current: list[float]) -> list[float]:
    n = len(prior)
    out = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        total = 0.0
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for changed in combinations(others, size):
                rest = math.prod(current[j] if j in changed else prior[j] for j in others)
                total += weight * rest * (current[i] - prior[i])
        out.append(total)
    return out


def product_scale(prior: float, current: float, parent_prior: float, parent_current: float,
                  contribution: float, method: str) -> float:
    """How much one unit of change of a product's driver is worth in the product's units,
    so the driver's own drivers can be weighed the same way: ``L(y) / L(x)`` for LMDI
    (then nested products attribute exactly like one flat product), else the driver's
    contribution per unit of its change."""
    if method == LMDI:
        return log_mean(parent_current, parent_prior) / log_mean(current, prior)
    change = current - prior
    return contribution / change if change else 0.0
