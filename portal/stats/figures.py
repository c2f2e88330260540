"""Median and 90th percentile of lead times (pure functions, hand-checkable)."""

import statistics


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p90_rank(n: int) -> int:
    """The 1-based rank of the 90th percentile by nearest rank among ``n`` values:
    ceil(0.9 n), in integers."""
    return (9 * n + 9) // 10


def p90(values: list[float]) -> float | None:
    """The 90th percentile by nearest rank: the smallest value ≥ 90 % of the values."""
    if not values:
        return None
    return sorted(values)[p90_rank(len(values)) - 1]
