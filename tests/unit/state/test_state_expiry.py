"""Resolved conversations are closed for good after their grace (in the conversation's own
event time), forgotten by the live worker and the topic replay (per partition), kept by the
file replay; the live partition's checkpoints drop their records, and dedupe memory stays
at its capacity."""

from __future__ import annotations

import json

import pytest

from schemas.events import EVENT_ADAPTER
from streams.audit.report import AuditRun
from streams.config import CarePulseConfig, WorkerConfig
from streams.kpi.dedupe import RecentIds
from streams.state.partition import PartitionState
from streams.testing import Scenario
from streams.testing.simulate import generate_lines
from tests.unit.state.test_partition_state import checkpoint, crash_and_restore

ONE_HOUR = CarePulseConfig(worker=WorkerConfig(resolved_grace_seconds=3600.0,
                                               late_event_tolerance_seconds=0.0))


def grace_scenario() -> Scenario:
    """c-3 and c-1 are resolved at 10:20 and 10:30 (an hour's grace: closed by an event
    of theirs from 11:20 and 11:30 on); c-5, resolved at 10:25, got a bot reply at 10:45,
    so only from 11:45 on. A worker with no late-event tolerance forgets c-3 and c-1 when
    its partition's newest event time reaches 11:30."""
    s = Scenario()
    s.message("10:00", "c-1")
    s.agent_reply("10:05", "c-1")
    s.message("10:10", "c-3")
    s.message("10:15", "c-5")
    s.resolve("10:20", "c-3")
    s.resolve("10:25", "c-5")
    s.resolve("10:30", "c-1")
    s.bot_reply("10:45", "c-5")
    s.message("11:30", "c-2")  # the newest event time reaches 11:30
    s.message("11:31", "c-1")  # 61 minutes after c-1's last event: a new conversation
    s.reopen("11:40", "c-3")  # 80 minutes after c-3's: closed for good, so ignored
    s.message("11:44", "c-5")  # 59 minutes after c-5's: a reopen
    return s


def run_of(scenario: Scenario, config: CarePulseConfig, topic: bool = False) -> AuditRun:
    """The audit run of the scenario's events: as `replay --input` does, or with `topic`
    as `replay --topic` does (one partition)."""
    run = AuditRun(config)
    if topic:
        run.bound_memory()
    for event in scenario.events:
        run.feed(EVENT_ADAPTER.validate_json(json.dumps(event)))
    return run


def test_a_resolved_conversation_is_closed_for_good_one_grace_after_its_last_event() -> None:
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
    assert report["events"]["ignored"] == 1  # the reopen of c-3, closed for good


def test_within_the_default_grace_of_seven_days_the_same_events_reopen() -> None:
    run = run_of(grace_scenario(), CarePulseConfig())
    report = run.report()
    assert sorted(run.engine.conversations) == ["c-1", "c-2", "c-3", "c-5"]
    totals = report["totals"]
    assert totals["conversations_opened"] == 7
    assert totals["conversations_reopened"] == 3
    assert report["events"]["ignored"] == 0


def test_a_topic_replay_forgets_resolved_conversations_and_a_file_replay_keeps_them() -> None:
    """Simulated traffic (in time order: no event comes late) with a 600 s grace and a
    300 s tolerance: the topic replay forgets as the worker does and holds few resolved
    conversations, the file replay keeps every one it saw; their reports are the same."""
    config = CarePulseConfig(worker=WorkerConfig(resolved_grace_seconds=600.0,
                                                 late_event_tolerance_seconds=300.0))
    topic, file = AuditRun(config), AuditRun(config)
    topic.bound_memory()
    for line in generate_lines(60_000, seed=3):
        event = EVENT_ADAPTER.validate_json(line)
        topic.feed(event)
        file.feed(event)
    resolved_in_topic = sum(1 for conv in topic.engine.conversations.values() if conv.closed)
    resolved_in_file = sum(1 for conv in file.engine.conversations.values() if conv.closed)
    open_in_topic = len(topic.engine.conversations) - resolved_in_topic
    assert resolved_in_file > 10 * resolved_in_topic  # the file replay forgets nothing
    assert open_in_topic == len(file.engine.conversations) - resolved_in_file
    assert topic.report() == file.report()


def test_bound_memory_comes_before_the_first_event() -> None:
    run = run_of(grace_scenario(), ONE_HOUR)
    with pytest.raises(RuntimeError, match=r"bound_memory\(\) after the first event"):
        run.bound_memory()


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
    config = CarePulseConfig(worker=WorkerConfig(resolved_grace_seconds=600.0,
                                                 late_event_tolerance_seconds=300.0))
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


def test_dedupe_without_capacity_remembers_every_id() -> None:
    recent = RecentIds(None)
    assert not any(recent.seen_before(f"e-{number}") for number in range(10_000))
    assert len(recent) == 10_000
    assert all(recent.seen_before(f"e-{number}") for number in range(10_000))
    assert len(recent) == 10_000


def test_a_partition_running_a_month_ahead_forgets_nothing_of_another() -> None:
    s = Scenario()
    s.message("10:00", "c-1")  # partition 0
    s.resolve("10:30", "c-1")  # partition 0
    s.survey("2026-12-20T10:00:00Z", "csat", 5, conversation="books")  # partition 1
    s.reopen("11:00", "c-1")  # partition 0: 30 minutes after its resolution
    partitions = [0, 0, 1, 0]

    def fed(lanes: list[int], topic: bool) -> dict[str, int]:
        run = AuditRun(CarePulseConfig())
        if topic:
            run.bound_memory()
        for event, lane in zip(s.events, lanes, strict=True):
            run.feed(EVENT_ADAPTER.validate_json(json.dumps(event)), lane)
        report = run.report()
        return {"reopened": report["totals"]["conversations_reopened"],
                "ignored": report["events"]["ignored"]}

    reopen = {"reopened": 1, "ignored": 0}
    assert fed(partitions, topic=True) == reopen  # as the live worker counts
    assert fed([0, 0, 0, 0], topic=False) == reopen  # a file: section 1, whatever the order
    # one partition: the reopen arrives a month behind its newest event, far beyond the
    # late-event tolerance; c-1 was forgotten, so it is ignored
    assert fed([0, 0, 0, 0], topic=True) == {"reopened": 0, "ignored": 1}


HOUR_AND_HALF_HOUR = CarePulseConfig(worker=WorkerConfig(
    resolved_grace_seconds=3600.0, late_event_tolerance_seconds=1800.0))


def late_events() -> Scenario:
    """Grace 1 h, tolerance 30 min: c-1 is forgotten once its partition's newest event
    time reaches its last event time + 1 h 30."""
    s = Scenario()
    s.message("10:00", "c-1")
    s.resolve("10:30", "c-1")
    s.message("11:45", "c-2")  # newest 11:45: c-1 (due 12:00) is kept
    s.message("11:20", "c-1")  # 25 min behind, within the tolerance: a reopen (50 min)
    s.resolve("11:25", "c-1")  # c-1 due at 12:55
    s.message("13:00", "c-3")  # newest 13:00: c-1 is forgotten
    s.message("12:10", "c-1")  # 50 min behind, beyond the tolerance
    return s


def test_the_worker_forgets_after_the_grace_plus_the_tolerance() -> None:
    lines = late_events().lines()
    state = PartitionState(0, HOUR_AND_HALF_HOUR)
    held = []
    for offset, line in enumerate(lines):
        state.apply(offset, line)
        held.append(sorted(state.engine.conversations))
    assert held[2] == ["c-1", "c-2"]  # 11:45: c-1 kept (its forgetting is due at 12:00)
    assert held[5] == ["c-2", "c-3"]  # 13:00: c-1 forgotten (due at 12:55)
    assert held[6] == ["c-1", "c-2", "c-3"]  # c-1 again, as a new conversation
    totals = state.totals.to_json()
    topic = run_of(late_events(), HOUR_AND_HALF_HOUR, topic=True).report()["totals"]
    assert (topic["conversations_opened"], topic["conversations_reopened"]) == (5, 1)
    assert sum(row[-1] for row in totals["opened"]) == topic["conversations_opened"]


def test_only_an_event_later_than_the_tolerance_makes_the_worker_differ_from_the_file() -> None:
    """The file replay follows docs/kpis.md section 1 alone: c-1's 12:10 message comes
    45 minutes after its last event time (11:25), so it is a second reopen there; the
    worker and the topic replay had forgotten c-1 and open a new conversation."""
    topic = run_of(late_events(), HOUR_AND_HALF_HOUR, topic=True).report()["totals"]
    file = run_of(late_events(), HOUR_AND_HALF_HOUR).report()["totals"]
    assert (topic["conversations_opened"], topic["conversations_reopened"]) == (5, 1)
    assert (file["conversations_opened"], file["conversations_reopened"]) == (5, 2)
    on_time = late_events()
    del on_time.events[-1]  # without the event that arrived too late, all three agree
    assert (run_of(on_time, HOUR_AND_HALF_HOUR, topic=True).report()
            == run_of(on_time, HOUR_AND_HALF_HOUR).report())
