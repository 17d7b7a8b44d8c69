"""Checkpoint and restore of one partition's live state, without a broker."""

from __future__ import annotations

from streams.config import CarePulseConfig, DedupeConfig, SlaConfig, SlaPolicy
from streams.live.partition import PartitionState, Record
from streams.simulate import generate_lines

CONFIG = CarePulseConfig(sla=SlaConfig(policies=(
    SlaPolicy(name="default", first_response_seconds=900, next_response_seconds=600,
              resolution_seconds=7200),
)))


def checkpoint(state: PartitionState, table: dict[bytes, bytes]) -> None:
    records: list[Record] = [*state.checkpoint_records(), state.meta_record()]
    for key, value in records:
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value


def test_a_restored_partition_ends_with_the_totals_of_one_that_never_stopped() -> None:
    lines = list(generate_lines(6_000, seed=11, bad_fraction=0.02))
    steady = PartitionState(0, CONFIG)
    for offset, line in enumerate(lines):
        steady.apply(offset, line)

    table: dict[bytes, bytes] = {}
    first = PartitionState(0, CONFIG)
    for offset, line in enumerate(lines[:2_500]):
        first.apply(offset, line)
        if offset % 700 == 699:
            checkpoint(first, table)
    # crash after offset 2499: the last checkpoint covered offsets < 2100
    restored = PartitionState.restore(0, CONFIG, table.items())
    assert restored.next_offset == 2_100
    for offset, line in enumerate(lines):  # the whole partition is delivered again
        restored.apply(offset, line)

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
    for key, value in crashed.checkpoint_records():  # the crash comes before the meta record
        if value is not None:
            table[key] = value

    restored = PartitionState.restore(1, CONFIG, table.items())
    assert restored.next_offset == 2_000
    for offset, line in enumerate(lines):
        restored.apply(offset, line)
    assert restored.totals.to_json() == steady.totals.to_json()
    assert restored.engine.accepted == steady.engine.accepted
