"""The token bucket that paces `carepulse produce --rate`: exact pacing on a fake clock."""

from __future__ import annotations

import pytest

from streams.kafka.produce import TokenBucket


def test_token_bucket_does_not_drift_when_sleeps_overshoot() -> None:
    now_seconds = [0.0]

    def oversleep(seconds: float) -> None:
        now_seconds[0] += seconds * 1.3 + 0.0001

    bucket = TokenBucket(1000.0, clock=lambda: now_seconds[0], sleep=oversleep)
    for _ in range(100_001):
        bucket.take()
    assert now_seconds[0] == pytest.approx(100.0, abs=0.01)


def test_token_bucket_bounds_the_catch_up_burst_after_a_stall() -> None:
    now_seconds = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now_seconds[0] += seconds

    bucket = TokenBucket(100.0, burst_seconds=0.1, clock=lambda: now_seconds[0], sleep=sleep)
    bucket.take()
    now_seconds[0] += 60.0  # a minute-long stall
    for _ in range(10):  # ten tokens (0.1 s worth) are banked, not 6,000
        bucket.take()
    assert slept == []
    bucket.take()
    assert slept == [pytest.approx(0.01)]
