"""Percentiles and durations for lead times (pure functions, hand-checkable)."""

import math
import statistics
from datetime import datetime


def hours_between(start: datetime | None, end: datetime | None) -> float | None:
    """Hours from ``start`` to ``end``; None when either is missing or ``end`` is earlier."""
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 3600


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: list[float]) -> float | None:
    """The 90th percentile by nearest rank: the smallest value ≥ 90 % of the values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]
