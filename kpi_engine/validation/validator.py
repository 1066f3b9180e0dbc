"""Run the default rules and the rules plugins registered."""

from __future__ import annotations

from ..errors import KpiError
from ..registry import Registry
from .driver_rules import DriverRule
from .rules import DEFAULT_RULES


def validate_registry(registry: Registry) -> list[KpiError]:
    from ..extensions import extensions

    errors: list[KpiError] = []
    for rule in (*DEFAULT_RULES, DriverRule(), *extensions().rules):
        errors.extend(rule.check(registry))
    return errors
