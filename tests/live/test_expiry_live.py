"""The live worker forgets resolved conversations after the grace plus the late-event
tolerance, as `replay --topic` does: same totals; on traffic in time order both equal
`replay --input` of the file the topic was filled from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from streams.audit.replay import replay_file
from streams.audit.report import AuditRun
from streams.config import CarePulseConfig, WorkerConfig
from tests.live.fixtures import (
    AnyBroker,
    WorkerProcess,
    assert_metrics_equal_replay,
    produce_simulated,
    replayed,
    total,
)

pytestmark = pytest.mark.broker


def test_a_worker_with_a_short_grace_holds_few_conversations_and_equals_the_replay(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    produce_simulated(broker, "expiry.events", tmp_path / "events.jsonl", 20_000, seed=41,
                      bad_fraction=0.005)
    config = CarePulseConfig(worker=WorkerConfig(resolved_grace_seconds=600.0,
                                                 late_event_tolerance_seconds=300.0))
    run = replayed(broker, "expiry.events", config)
    opened = run.report()["totals"]["conversations_opened"]
    from_file = AuditRun(config)
    replay_file(tmp_path / "events.jsonl", from_file)
    assert from_file.report() == run.report()
    worker = start_worker("expiry", resolved_grace_seconds=600,
                          late_event_tolerance_seconds=300, checkpoint_events=2000)
    m = worker.wait_for(lambda m: total(m, "carepulse_events_read_total") == 20_000)
    m = worker.wait_for(lambda _: True)  # one more scrape once caught up
    assert_metrics_equal_replay(m, run)
    assert run.report()["events"]["ignored"] > 0  # reopens of conversations closed for good
    in_memory = total(m, "carepulse_conversations_in_memory")
    # both forget by each partition's newest event time: the same conversations
    assert in_memory == len(run.engine.conversations) < opened / 2
    assert worker.stop() == 0
