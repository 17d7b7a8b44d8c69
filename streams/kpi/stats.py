"""STATS of docs/kpis.md section 3 and the canonical rounding of the audit report."""

from __future__ import annotations

from typing import Any

from streams.kpi.timeutil import US_PER_SECOND

DECIMALS = 6
Stats = dict[str, float | int | None]


def nearest_rank(ordered: list[int], percent: int) -> int:
    """The value at rank ceil(percent/100 x n) of the sorted samples (exact integers)."""
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]


def duration_stats(samples_us: list[int]) -> Stats:
    """count, mean, p50, p90, max in seconds; `None` for a statistic over nothing. Sorts
    the samples in place (the report's tallies are read once; a merge of sorted lists
    sorts again in about linear time)."""
    count = len(samples_us)
    if not count:
        return {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}
    samples_us.sort()
    ordered = samples_us
    return {
        "count": count,
        "mean": sum(ordered) / (count * US_PER_SECOND),
        "p50": nearest_rank(ordered, 50) / US_PER_SECOND,
        "p90": nearest_rank(ordered, 90) / US_PER_SECOND,
        "max": ordered[-1] / US_PER_SECOND,
    }


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def canonical(value: Any) -> Any:
    """Floats rounded to 6 decimals (and -0.0 made 0.0), recursively."""
    if isinstance(value, float):
        return round(value, DECIMALS) + 0.0
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    return value
