"""Chaos: 3 workers sharing 6 partitions through SIGKILLs (one and two at once), a
SIGTERM and restarts while others are still restoring; after catch-up every counter,
histogram count and sum summed over the workers equals the replay of the topic, no
worker exits by itself and the group never stalls (tests/live/chaos.py; bench/chaos.py runs
random schedules of the same harness)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.chaos import KILL, TERM, Fault, Schedule, run_schedule
from tests.live.fixtures import AnyBroker

# Fixed schedules: production lasts ~10 s (25,000 events at 2,500/s, plus re-sends).
SCHEDULES = [
    Schedule("one, then two at once, then SIGTERM", seed=131, events=25_000,
             rate_per_second=2_500, faults=(
                 Fault(2.0, KILL, (1.0,), targets=(0,)),
                 Fault(5.0, KILL, (0.0, 3.0), targets=(1, 2)),
                 Fault(8.5, TERM, (2.0,), targets=(0,)),
             )),
    Schedule("killed again while restoring", seed=257, events=25_000,
             rate_per_second=2_500, faults=(
                 Fault(1.5, KILL, (0.5,), targets=(1,)),
                 Fault(4.0, KILL, (0.0,), targets=(1,), restoring_first=True),
                 Fault(6.0, KILL, (4.0, 1.0), targets=(0, 2)),
                 Fault(9.0, KILL, (0.5,), restoring_first=True),
             )),
    Schedule("a SIGTERM during a restore, then two at once", seed=389, events=25_000,
             rate_per_second=2_500, faults=(
                 Fault(1.0, KILL, (0.0,), targets=(2,)),
                 Fault(3.0, TERM, (1.0,), targets=(2,), restoring_first=True),
                 Fault(6.0, KILL, (2.0, 2.5), targets=(0, 1)),
             )),
]


@pytest.mark.broker
@pytest.mark.parametrize("schedule", SCHEDULES, ids=[s.name for s in SCHEDULES])
def test_counts_equal_the_replay_through_kills_and_restarts(
    schedule: Schedule, broker: AnyBroker, tmp_path: Path
) -> None:
    result = run_schedule(schedule, broker.url, tmp_path)
    assert result.passed, "\n".join([
        result.describe(), schedule.describe(), *result.actions,
        *(inc.describe() for inc in result.incarnations),
    ])
