"""Checkpoint and restore of one partition's live state, without a broker."""

from __future__ import annotations

from streams.config import CarePulseConfig, DedupeConfig, SlaConfig, SlaPolicy, WorkerConfig
from streams.state.partition import PartitionState
from streams.testing import Scenario
from streams.testing.simulate import generate_lines

CONFIG = CarePulseConfig(sla=SlaConfig(policies=(
    SlaPolicy(name="default", first_response_seconds=900, next_response_seconds=600,
              resolution_seconds=7200),
)))


def checkpoint(state: PartitionState, table: dict[bytes, bytes]) -> None:
    data, meta = state.checkpoint()
    for key, value in [*data, meta]:
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value


def crash_and_restore(
    config: CarePulseConfig, lines: list[bytes], crash_after: int, checkpoint_every: int
) -> tuple[PartitionState, PartitionState, int]:
    """A partition applied straight through, and one that crashed after `crash_after`
    lines (checkpointed every `checkpoint_every`), was restored, and was delivered the
    whole partition again; with the offset the restore resumed at."""
    steady = PartitionState(0, config)
    for offset, line in enumerate(lines):
        steady.apply(offset, line)
    table: dict[bytes, bytes] = {}
    first = PartitionState(0, config)
    for offset, line in enumerate(lines[:crash_after]):
        first.apply(offset, line)
        if offset % checkpoint_every == checkpoint_every - 1:
            checkpoint(first, table)
    restored = PartitionState.restore(0, config, table.items())
    resumed_at = restored.next_offset
    for offset, line in enumerate(lines):
        restored.apply(offset, line)
    return steady, restored, resumed_at


def test_a_restored_partition_ends_with_the_totals_of_one_that_never_stopped() -> None:
    lines = list(generate_lines(6_000, seed=11, bad_fraction=0.02))
    steady, restored, resumed_at = crash_and_restore(CONFIG, lines, 2_500, 700)
    assert resumed_at == 2_100  # the last checkpoint before the crash covered < 2100

    assert restored.totals.to_json() == steady.totals.to_json()
    assert restored.rejected == steady.rejected
    assert sum(restored.rejected.values()) == 120
    for name in ("accepted", "duplicates", "ignored", "out_of_order"):
        assert getattr(restored.engine, name) == getattr(steady.engine, name), name
    assert restored.engine.duplicates > 0


def test_id_segments_beyond_the_dedupe_capacity_are_deleted() -> None:
    config = CarePulseConfig(dedupe=DedupeConfig(capacity=1_000))
    state = PartitionState(3, config)
    table: dict[bytes, bytes] = {}
    for offset, line in enumerate(generate_lines(5_000, seed=2)):
        state.apply(offset, line)
        if offset % 400 == 399:
            checkpoint(state, table)
    segments = sorted(key for key in table if key.startswith(b"3/ids/"))
    # 12 segments of about 400 ids: the newest ones holding >= 1,000 ids are listed
    # (10, 11, 12); 9, unlisted by the last checkpoint, is deleted by the next one.
    assert segments == [b"3/ids/10", b"3/ids/11", b"3/ids/12", b"3/ids/9"]
    assert all(key.startswith(b"3/") for key in table)


def test_a_checkpoint_cut_off_before_its_meta_record_is_ignored() -> None:
    lines = list(generate_lines(4_000, seed=4))
    steady = PartitionState(1, CONFIG)
    for offset, line in enumerate(lines):
        steady.apply(offset, line)

    table: dict[bytes, bytes] = {}
    crashed = PartitionState(1, CONFIG)
    for offset, line in enumerate(lines[:3_000]):
        crashed.apply(offset, line)
        if offset in (999, 1999):
            checkpoint(crashed, table)
    data, _ = crashed.checkpoint()  # the crash comes before the meta record is sent
    for key, value in data:
        if value is not None:
            table[key] = value

    restored = PartitionState.restore(1, CONFIG, table.items())
    assert restored.next_offset == 2_000
    for offset, line in enumerate(lines):
        restored.apply(offset, line)
    assert restored.totals.to_json() == steady.totals.to_json()
    assert restored.engine.accepted == steady.engine.accepted


def test_records_of_a_failed_checkpoint_never_count_when_its_sequence_is_reused() -> None:
    s = Scenario()
    s.message("10:00", "X")  # offset 0
    s.message("10:01", "Y")  # offset 1
    s.agent_reply("10:05", "X")  # offset 2: X's first response
    lines = s.lines()
    table: dict[bytes, bytes] = {}
    first = PartitionState(0, CONFIG)
    first.apply(0, lines[0])
    checkpoint(first, table)  # checkpoint 1 committed
    first.apply(1, lines[1])
    first.apply(2, lines[2])
    data, _ = first.checkpoint()  # checkpoint 2: crash before its meta record
    table.update((key, value) for key, value in data if value is not None)

    second = PartitionState.restore(0, CONFIG, table.items())
    second.apply(1, lines[1])
    checkpoint(second, table)  # a new checkpoint 2, covering offset 1 only, commits
    third = PartitionState.restore(0, CONFIG, table.items())  # another crash
    for offset, line in enumerate(lines):
        third.apply(offset, line)

    histogram = third.totals.histograms[("first_response_seconds", "default", "facebook")]
    assert (histogram.count, histogram.sum_us) == (1, 300_000_000)
    assert third.engine.conversations["X"].first_reply_done


def test_events_of_conversations_never_opened_checkpoint_and_restore() -> None:
    s = Scenario()
    s.resolve("09:00", "never-opened")  # ignored: no state is created
    s.resolve("09:00", "assigned-first")  # ignored too
    # contract 1.1: an assignment before the first message is kept for the first cycle
    s.add("conversation.assigned", "09:01", "assigned-first", agent_id="a-1", team="t-1")
    s.message("10:00", "opened")
    lines = s.lines()
    table: dict[bytes, bytes] = {}
    state = PartitionState(0, CONFIG)
    for offset, line in enumerate(lines):
        state.apply(offset, line)
    checkpoint(state, table)
    restored = PartitionState.restore(0, CONFIG, table.items())
    assert sorted(restored.engine.conversations) == ["assigned-first", "opened"]
    assigned = restored.engine.conversations["assigned-first"]
    assert (assigned.assignee, assigned.team, assigned.has_had_cycle) == ("a-1", "t-1", False)
    assert restored.engine.ignored == 2
    assert restored.next_offset == 4


def test_a_restore_from_part_of_the_changelog_writes_above_every_sequence_it_saw() -> None:
    """A restore that sees only the tail of the changelog (no meta record: it starts at
    offset 0) must still write later checkpoints above the sequences of the records it
    did not see, or a full restore afterwards would take those older records as newer.
    (Only for conversations it wrote again: it cannot know of the others, so a
    conversation it forgets must not have older records it never saw; the grace is
    long here. The worker reads the whole changelog, changelog.py.)"""
    config = CONFIG.model_copy(update={"worker": WorkerConfig(resolved_grace_seconds=1e9)})
    lines = list(generate_lines(3_000, seed=5))
    steady = PartitionState(0, config)
    for offset, line in enumerate(lines):
        steady.apply(offset, line)
    table: dict[bytes, bytes] = {}
    first = PartitionState(0, config)
    for offset, line in enumerate(lines[:2_050]):
        first.apply(offset, line)
        if offset % 100 == 99:
            checkpoint(first, table)
    tail: dict[bytes, bytes] = {}
    data, _ = first.checkpoint()  # checkpoint 21's data: the tail, its meta never read
    checkpoint_21 = [(key, value) for key, value in data if value is not None]
    assert checkpoint_21
    tail.update(checkpoint_21)
    table.update(checkpoint_21)

    second = PartitionState.restore(0, config, tail.items())
    assert second.next_offset == 0
    for offset, line in enumerate(lines[:2_500]):
        second.apply(offset, line)
        if offset % 700 == 699:
            checkpoint(second, table)
    third = PartitionState.restore(0, config, table.items())
    assert third.next_offset == 2_100
    for offset, line in enumerate(lines):
        third.apply(offset, line)
    assert third.totals.to_json() == steady.totals.to_json()
    assert third.engine.accepted == steady.engine.accepted
