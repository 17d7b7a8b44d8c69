"""STATS of docs/kpis.md section 3 and the canonical rounding of the audit report."""

from __future__ import annotations

from math import isqrt
from operator import truediv
from typing import Any, Final

from streams.kpi.timeutil import US_PER_SECOND

DECIMALS = 6
Stats = dict[str, float | int | None]
PROBES: Final = 16_384
"""About this many evenly spaced samples locate a rank in a list of at least twice as
many; a shorter list is sorted whole."""


def nearest_rank_index(count: int, percent: int) -> int:
    """Where rank ceil(percent/100 x count) lies in the samples in ascending order."""
    return max(1, -(-percent * count // 100)) - 1


def duration_stats(samples_us: list[int]) -> Stats:
    """count, mean, p50, p90, max in seconds; `None` for a statistic over nothing."""
    count = len(samples_us)
    if not count:
        return {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}
    total_us, max_us, p50_us, p90_us = _sum_max_p50_p90(samples_us)
    return {
        "count": count,
        "mean": exact_quotient(total_us, count * US_PER_SECOND),
        "p50": p50_us / US_PER_SECOND,
        "p90": p90_us / US_PER_SECOND,
        "max": max_us / US_PER_SECOND,
    }


def _sum_max_p50_p90(samples: list[Any]) -> tuple[int, int, int, int]:
    """The sum, the maximum and the values at the nearest ranks of 50 % and 90 %, exact,
    visiting each sample once and sorting few (a report's lists hold up to millions of
    durations, spread over memory): an evenly spaced subset, sorted, gives two values
    that bracket each rank with a margin of about eight standard deviations of the
    estimate; the pass counts the samples below each bracket and keeps those within, and
    only these are sorted. Should a bracket miss its rank (an input whose spacing fooled
    the subset), the samples are sorted whole. `samples` (typed `Any` so that compiled
    code keeps their objects instead of boxing their values again) is not changed."""
    count = len(samples)
    p50_index, p90_index = nearest_rank_index(count, 50), nearest_rank_index(count, 90)
    step = count // PROBES
    if step < 2:
        ordered = sorted(samples)
        return sum(ordered), ordered[-1], ordered[p50_index], ordered[p90_index]
    probes: list[int] = sorted(samples[::step])
    low_50, high_50 = _bracket(probes, p50_index * len(probes) // count)
    low_90, high_90 = _bracket(probes, p90_index * len(probes) // count)
    total = below_50 = below_90 = 0
    maximum: int = samples[0]
    within_50: list[Any] = []
    within_90: list[Any] = []
    for sample in samples:
        value: int = sample
        total += value
        if value > maximum:
            maximum = value
        if value < low_50:
            below_50 += 1
        elif value <= high_50:
            within_50.append(sample)
        if value < low_90:
            below_90 += 1
        elif value <= high_90:
            within_90.append(sample)
    if below_50 <= p50_index < below_50 + len(within_50) and (
        below_90 <= p90_index < below_90 + len(within_90)
    ):
        within_50.sort()
        within_90.sort()
        return total, maximum, within_50[p50_index - below_50], within_90[p90_index - below_90]
    ordered = sorted(samples)
    return total, maximum, ordered[p50_index], ordered[p90_index]


def _bracket(probes: list[int], where: int) -> tuple[int, int]:
    margin = 4 * isqrt(len(probes))
    return probes[max(0, where - margin)], probes[min(len(probes) - 1, where + margin)]


def exact_quotient(numerator: int, denominator: int) -> float:
    """`numerator / denominator` rounded once, as Python divides integers: compiled code
    turns each integer into a float first, which rounds a sum of microseconds above
    2**53 (some 285 years) before dividing, so compiled and interpreted would differ."""
    quotient: float = truediv(numerator, denominator)
    return quotient


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
