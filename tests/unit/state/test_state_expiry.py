"""Resolved conversations are forgotten after their grace (in event time), the live
partition's checkpoints drop their records, and dedupe memory stays at its capacity."""

from __future__ import annotations

import json

from schemas.events import EVENT_ADAPTER
from streams.audit.report import AuditRun
from streams.config import CarePulseConfig, WorkerConfig
from streams.kpi.dedupe import RecentIds
from streams.state.partition import PartitionState
from streams.testing import Scenario
from streams.testing.simulate import generate_lines
from tests.unit.state.test_partition_state import checkpoint, crash_and_restore

ONE_HOUR = CarePulseConfig(worker=WorkerConfig(resolved_grace_seconds=3600.0))


def grace_scenario() -> Scenario:
    """c-3 and c-1 are resolved at 10:20 and 10:30 and due at 11:20 and 11:30; c-5,
    resolved at 10:25, got a bot reply at 10:45, so it is due at 11:45 only."""
    s = Scenario()
    s.message("10:00", "c-1")
    s.agent_reply("10:05", "c-1")
    s.message("10:10", "c-3")
    s.message("10:15", "c-5")
    s.resolve("10:20", "c-3")
    s.resolve("10:25", "c-5")
    s.resolve("10:30", "c-1")
    s.bot_reply("10:45", "c-5")
    s.message("11:30", "c-2")  # the newest event time reaches 11:30: c-3 and c-1 go
    s.message("11:31", "c-1")  # a new conversation, not a reopen
    s.reopen("11:40", "c-3")  # a conversation the engine does not know: ignored
    s.message("11:44", "c-5")  # still known: a reopen
    return s


def run_of(scenario: Scenario, config: CarePulseConfig) -> AuditRun:
    run = AuditRun(config)
    for event in scenario.events:
        run.feed(EVENT_ADAPTER.validate_json(json.dumps(event)))
    return run


def test_a_resolved_conversation_is_forgotten_one_grace_after_its_last_event() -> None:
    run = run_of(grace_scenario(), ONE_HOUR)
    report = run.report()
    assert sorted(run.engine.conversations) == ["c-1", "c-2", "c-5"]
    assert run.engine.conversations["c-1"].cycle_start_us == run.engine.last_event_us - (
        13 * 60 * 1_000_000  # the new c-1 opened at 11:31, 13 minutes before 11:44
    )
    totals = report["totals"]
    assert totals["messages_received"] == 6
    assert totals["conversations_opened"] == 6  # c-1, c-3, c-5, c-2, new c-1, c-5 again
    assert totals["conversations_reopened"] == 1  # c-5 only
    assert totals["conversations_resolved"] == 3
    assert report["events"]["ignored"] == 1  # the reopen of the forgotten c-3


def test_within_the_default_grace_of_seven_days_the_same_events_reopen() -> None:
    run = run_of(grace_scenario(), CarePulseConfig())
    report = run.report()
    assert sorted(run.engine.conversations) == ["c-1", "c-2", "c-3", "c-5"]
    totals = report["totals"]
    assert totals["conversations_opened"] == 7
    assert totals["conversations_reopened"] == 3
    assert report["events"]["ignored"] == 0


def test_simulated_traffic_holds_few_resolved_conversations_with_a_short_grace() -> None:
    lines = list(generate_lines(60_000, seed=3))
    runs = {grace: AuditRun(CarePulseConfig(worker=WorkerConfig(resolved_grace_seconds=grace)))
            for grace in (600.0, 7 * 86_400.0)}
    for line in lines:
        event = EVENT_ADAPTER.validate_json(line)
        for run in runs.values():
            run.feed(event)
    short, default = runs[600.0].engine, runs[7 * 86_400.0].engine
    resolved_short = sum(1 for conv in short.conversations.values() if not conv.cycle_open)
    resolved_default = sum(1 for conv in default.conversations.values() if not conv.cycle_open)
    open_short = len(short.conversations) - resolved_short
    open_default = len(default.conversations) - resolved_default
    assert resolved_default > 10 * resolved_short  # nothing resolved is forgotten in 7 days
    # open cycles are never forgotten; a few reopens find a forgotten conversation
    assert open_default - short.ignored + default.ignored <= open_short <= open_default
    assert short.ignored > default.ignored


def test_the_live_partition_deletes_forgotten_conversations_one_checkpoint_later() -> None:
    lines = grace_scenario().lines()
    table: dict[bytes, bytes] = {}
    state = PartitionState(0, ONE_HOUR)
    for offset, line in enumerate(lines[:8]):  # up to c-5's bot reply at 10:45
        state.apply(offset, line)
    checkpoint(state, table)
    state.apply(8, lines[8])  # 11:30: c-1 and c-3 are forgotten
    checkpoint(state, table)  # marks them forgotten in the slot free of their state
    assert sorted(key for key in table if b"/c" in key) == [
        b"0/c0/c-1", b"0/c0/c-3", b"0/c1/c-1", b"0/c1/c-2", b"0/c1/c-3", b"0/c1/c-5",
    ]
    assert table[b"0/c0/c-3"] == b"[2,null]"
    restored = PartitionState.restore(0, ONE_HOUR, table.items())
    assert sorted(restored.engine.conversations) == ["c-2", "c-5"]
    state.apply(9, lines[9])  # 11:31: a new c-1
    checkpoint(state, table)
    assert sorted(key for key in table if b"/c" in key) == [
        b"0/c0/c-1", b"0/c1/c-1", b"0/c1/c-2", b"0/c1/c-5",  # c-3 gone; c-1 is the new one
    ]
    restored = PartitionState.restore(0, ONE_HOUR, table.items())
    assert sorted(restored.engine.conversations) == ["c-1", "c-2", "c-5"]
    assert restored.engine.conversations["c-1"].cycle_open


def test_a_restored_partition_with_a_short_grace_ends_like_one_that_never_stopped() -> None:
    config = CarePulseConfig(worker=WorkerConfig(resolved_grace_seconds=600.0))
    lines = list(generate_lines(8_000, seed=21))
    steady, restored, resumed_at = crash_and_restore(config, lines, 5_000, 900)
    assert resumed_at == 4_500
    assert restored.totals.to_json() == steady.totals.to_json()
    assert sorted(restored.engine.conversations) == sorted(steady.engine.conversations)
    assert restored.engine.ignored == steady.engine.ignored


def test_dedupe_memory_never_exceeds_its_capacity_and_keeps_the_newest_half() -> None:
    recent = RecentIds(1_000)
    sizes = []
    for number in range(10_000):
        assert not recent.seen_before(f"e-{number}")
        sizes.append(len(recent))
    assert max(sizes) == 999  # the young set turns old at 500, before the capacity
    assert all(recent.seen_before(f"e-{number}") for number in range(9_500, 10_000))
    assert not recent.seen_before("e-0")  # long forgotten: counted again


def test_a_partition_running_a_month_ahead_forgets_nothing_of_another() -> None:
    s = Scenario()
    s.message("10:00", "c-1")  # partition 0
    s.resolve("10:30", "c-1")  # partition 0
    s.survey("2026-12-20T10:00:00Z", "csat", 5, conversation="books")  # partition 1
    s.reopen("11:00", "c-1")  # partition 0: 30 minutes after its resolution
    partitions = [0, 0, 1, 0]

    def fed(lanes: list[int]) -> dict[str, int]:
        run = AuditRun(CarePulseConfig())
        for event, lane in zip(s.events, lanes, strict=True):
            run.feed(EVENT_ADAPTER.validate_json(json.dumps(event)), lane)
        report = run.report()
        return {"reopened": report["totals"]["conversations_reopened"],
                "ignored": report["events"]["ignored"]}

    assert fed(partitions) == {"reopened": 1, "ignored": 0}  # as the live worker counts
    assert fed([0, 0, 0, 0]) == {"reopened": 0, "ignored": 1}  # one lane: a month passed
