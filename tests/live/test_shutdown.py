"""SIGTERM: a clean shutdown that checkpoints, and a restart that counts nothing twice."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from streams.kafka.produce import produce_file
from streams.testing.simulate import generate_lines
from tests.live.fixtures import (
    AnyBroker,
    WorkerProcess,
    assert_metrics_equal_replay,
    replayed,
    total,
)
from tests.live.test_faults import wait_for_log


def restored_offsets(log_text: str) -> dict[int, int]:
    return {int(partition): int(offset) for partition, offset in
            re.findall(r"partition (\d+): restored at offset (\d+)", log_text)}


@pytest.mark.broker
def test_sigterm_checkpoints_everything_and_a_restart_counts_nothing_twice(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    lines = list(generate_lines(9_000, seed=31, bad_fraction=0.005))
    first_part, second_part = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first_part.write_bytes(b"\n".join(lines[:6_000]) + b"\n")
    second_part.write_bytes(b"\n".join(lines[6_000:]) + b"\n")
    produce_file(first_part, broker.url, "sigterm.events")
    run = replayed(broker, "sigterm.events")
    assert run.read == 6_000
    # no checkpoint by count or time before the SIGTERM: only the one at shutdown
    first = start_worker("sigterm", checkpoint_events=1_000_000, checkpoint_seconds=60)
    first.wait_for(lambda m: total(m, "carepulse_events_read_total") == 6_000)
    assert first.stop() == 0
    assert "checkpoint at shutdown" in first.log.read_text()
    assert restored_offsets(first.log.read_text()) == {0: 0, 1: 0, 2: 0, 3: 0}

    second = start_worker("sigterm")
    second.wait_for(lambda m: total(m, "carepulse_partitions_owned") == 4)
    restored = wait_for_log(second, r"(?s)(restored at offset.*){4}")
    assert sum(restored_offsets(restored).values()) == 6_000  # nothing to apply again
    produce_file(second_part, broker.url, "sigterm.events")
    run = replayed(broker, "sigterm.events")
    m = second.wait_for(lambda m: total(m, "carepulse_events_read_total") == 9_000)
    assert_metrics_equal_replay(m, run)
    assert second.stop() == 0
