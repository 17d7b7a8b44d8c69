"""The checkpoint format's version: a meta record without one is version 1, a meta record
written now carries FORMAT_VERSION, and a newer version is refused by name."""

from __future__ import annotations

import orjson
import pytest

from streams.config import CarePulseConfig
from streams.kpi.conversation import Conversation
from streams.kpi.sla import SlaBook
from streams.state.checkpoint.codec import (
    FORMAT_VERSION,
    LEGACY_VERSION,
    CheckpointVersionError,
    decode_meta,
    decode_totals,
    dump_conversation,
    encode_meta,
    load_conversation,
)
from streams.state.checkpoint.keys import meta_key
from streams.state.partition import PartitionState
from streams.testing.simulate import generate_lines
from tests.contract.test_checkpoint_fixture import PARTITION, fixture_config, read_fixture

CONFIG = CarePulseConfig()
CONTRACT_1_1_FIELDS = (
    "status", "status_since_us", "pending_since_us", "pending_us",
    "resolution_left_us", "agent_replies", "assignee", "team", "team_since_us", "team_history",
)


def written_table(events: int = 200) -> dict[bytes, bytes]:
    state = PartitionState(0, CONFIG)
    for offset, line in enumerate(generate_lines(events, 3, 0.0)):
        state.apply(offset, line)
    data, meta = state.checkpoint()
    return {key: value for key, value in [*data, meta] if value is not None}


def test_the_current_version_is_3_and_unversioned_is_1() -> None:
    assert (LEGACY_VERSION, FORMAT_VERSION) == (1, 3)


def test_a_meta_record_without_version_restores_as_version_1() -> None:
    records = read_fixture("checkpoint-be04154.jsonl")  # before the version field
    meta = dict(records)[meta_key(b"%d/" % PARTITION)]
    assert "version" not in orjson.loads(meta)
    assert decode_meta(meta)["version"] == 1
    restored = PartitionState.restore(PARTITION, fixture_config(), records)
    assert restored.restored_version == 1
    # its next checkpoint is written in the current version
    _, (_, value) = restored.checkpoint()
    assert value is not None and orjson.loads(value)["version"] == FORMAT_VERSION


def test_a_meta_record_written_now_carries_the_current_version_and_restores_as_it() -> None:
    table = written_table()
    meta = orjson.loads(table[b"0/meta"])
    assert meta["version"] == FORMAT_VERSION == 3
    # the only addition to the version-1 layout: the same keys, then "version"
    assert list(meta) == ["sequence", "next_offset", "counters", "rejected", "totals",
                          "windows", "segments", "produced_at_us", "version"]
    restored = PartitionState.restore(0, CONFIG, table.items())
    assert restored.restored_version == FORMAT_VERSION
    assert restored.next_offset == 200
    assert PartitionState.restore(0, CONFIG, []).restored_version is None


def test_an_unknown_future_version_is_refused_naming_the_version() -> None:
    table = written_table()
    meta = orjson.loads(table[b"0/meta"])
    table[b"0/meta"] = orjson.dumps({**meta, "version": 4})
    with pytest.raises(CheckpointVersionError, match=r"checkpoint format version 4 is newer "
                       r"than this CarePulse can read \(versions 1 to 3\)"):
        PartitionState.restore(0, CONFIG, table.items())
    with pytest.raises(CheckpointVersionError, match="version 'two' is not valid"):
        decode_meta(orjson.dumps({"sequence": 1, "version": "two"}))
    with pytest.raises(CheckpointVersionError, match="version 7 is newer"):
        decode_totals({"histograms": []}, 7, "default")


def test_encode_meta_adds_only_the_version() -> None:
    meta = {"sequence": 4, "windows": None}
    assert encode_meta(meta) == orjson.dumps({**meta, "version": FORMAT_VERSION})
    assert decode_meta(encode_meta(meta)) == {**meta, "version": FORMAT_VERSION}


def test_version_1_totals_are_migrated_and_version_2_totals_are_taken_as_written() -> None:
    brandless = {"messages": [["x", 2]], "histograms": [["reply_wait_seconds", "x", [[1], 7]]]}
    assert decode_totals(brandless, 1, "default") == {
        "messages": [["default", "x", 2]],
        "histograms": [["reply_wait_seconds", "default", "x", [[1], 7]]],
    }
    branded = {"messages": [["acme", "x", 2]],
               "histograms": [["reply_wait_seconds", "acme", "x", [[1], 7]]]}
    assert decode_totals(branded, 1, "default") == branded
    assert decode_totals(branded, 2, "default") is branded


def test_version_3_keeps_the_contract_1_1_fields_and_older_records_start_from_defaults() -> None:
    conv = Conversation()
    conv.cycle_open, conv.cycle_start_us, conv.cycle_brand = True, 1_000, "default"
    conv.status, conv.status_since_us, conv.pending_since_us = "pending", 2_000, 2_000
    conv.pending_us, conv.resolution_left_us, conv.agent_replies = 500, 9_000, 1
    conv.assignee, conv.last_event_us = "a-1", 1_800
    conv.set_team("tier2", 1_500)
    conv.set_team("tier3", 1_800)
    sla = CONFIG.kpi_settings().sla_policies
    restored = load_conversation(dump_conversation(conv), SlaBook(sla), "default")
    assert [getattr(restored, name) for name in CONTRACT_1_1_FIELDS] == [
        "pending", 2_000, 2_000, 500, 9_000, 1, "a-1", "tier3", 1_800, [(1_500, "tier2")],
    ]
    assert [restored.team_at(us) for us in (1_499, 1_500, 1_799, 1_800)] == [
        None, "tier2", "tier2", "tier3"
    ]
    # a version-2 record (the fields before 1.1) restores with their defaults: open since
    # the cycle start, nothing else known
    version_2 = dump_conversation(conv)[: -len(CONTRACT_1_1_FIELDS)]
    old = load_conversation(version_2, SlaBook(sla), "default")
    assert old.cycle_open and old.cycle_start_us == 1_000 and old.last_event_us == 1_800
    assert [getattr(old, name) for name in CONTRACT_1_1_FIELDS] == [
        "open", 1_000, 0, 0, None, 0, None, None, 0, None,
    ]
