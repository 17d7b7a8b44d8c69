"""Exact STATS without sorting every sample (streams/kpi/stats.py): the percentiles equal
the sorted list's values at the nearest ranks, for the orders and distributions a report
meets and for an input built to mislead the evenly spaced subset that brackets them."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.kpi.formulas import mean_seconds
from streams.kpi.stats import PROBES, Stats, duration_stats, exact_quotient, nearest_rank_index

LARGE = 50_000
STEP = LARGE // PROBES  # the subset's spacing for LARGE samples


def sorted_stats(samples_us: list[int]) -> Stats:
    """docs/kpis.md's definition, by sorting."""
    ordered, count = sorted(samples_us), len(samples_us)
    return {
        "count": count,
        "mean": sum(ordered) / (count * 1_000_000),
        "p50": ordered[nearest_rank_index(count, 50)] / 1_000_000,
        "p90": ordered[nearest_rank_index(count, 90)] / 1_000_000,
        "max": ordered[-1] / 1_000_000,
    }


def _random(count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(0, 10**11) for _ in range(count)]


def _misleading(count: int) -> list[int]:
    """Every sample the subset visits is huge, all others small."""
    step = count // PROBES
    return [10**12 + index if index % step == 0 else index % 1000 for index in range(count)]


@pytest.mark.parametrize("samples", [
    _random(LARGE, 1),
    sorted(_random(LARGE, 2)),
    sorted(_random(LARGE, 3), reverse=True),
    [0] * LARGE,
    [0, 5 * 10**9] * (LARGE // 2),
    [index % 7 for index in range(LARGE)],
    _misleading(LARGE),
    _random(2 * PROBES - 1, 4),
    _random(2 * PROBES, 5),
], ids=["random", "ascending", "descending", "all-equal", "two-values", "few-values",
        "misleading", "sorted-whole", "smallest-bracketed"])
def test_stats_equal_the_sorted_lists(samples: list[int]) -> None:
    before = list(samples)
    assert duration_stats(samples) == sorted_stats(samples)
    assert samples == before  # not reordered


def test_misleading_input_still_exact() -> None:
    samples = _misleading(LARGE)
    median_us = sorted(samples)[nearest_rank_index(LARGE, 50)]
    assert min(samples[::STEP]) > median_us  # the subset holds no value near the median
    assert duration_stats(samples)["p50"] == median_us / 1_000_000 < 0.001


@given(st.lists(st.integers(min_value=-(2**62), max_value=2**62), min_size=1, max_size=300))
def test_small_lists(samples: list[int]) -> None:
    assert duration_stats(samples) == sorted_stats(samples)


def test_a_large_list_by_hand() -> None:
    samples = [1_000_000 * (index % 100 + 1) for index in range(LARGE)]  # 1..100 s
    assert duration_stats(samples) == {
        "count": LARGE, "mean": 50.5, "p50": 50.0, "p90": 90.0, "max": 100.0,
    }


def test_nearest_rank_index() -> None:
    assert [nearest_rank_index(10, percent) for percent in (0, 50, 90, 100)] == [0, 4, 8, 9]
    assert nearest_rank_index(1, 50) == 0


def test_a_mean_above_two_to_the_53_is_rounded_once() -> None:
    """A sum of microseconds beyond 2**53, as Python divides integers (compiled code would
    round the sum to a float first: 3215415804.790936)."""
    total_us = 862_537_430_701 + 2 * 4_822_692_438_471_053
    assert float(total_us) / 3_000_000 != total_us / 3_000_000
    assert exact_quotient(total_us, 3_000_000) == 3215415804.7909355 == total_us / 3_000_000
    assert mean_seconds(total_us, 3) == total_us / 1_000_000 / 3 == 3215415804.7909355
