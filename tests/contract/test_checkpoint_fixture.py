"""Checkpoints written by commits be04154 (format version 1) and f230d81 (version 2, the
last before contract 1.1) still restore, to exactly their totals, with the 1.1 fields
at their defaults.

`fixtures/checkpoint-be04154.jsonl` and `fixtures/checkpoint-f230d81.jsonl` each hold the
changelog table of input partition 2 (the latest value of each key, tombstones applied,
as the worker's changelog reader gives them to a restore) after that commit's
PartitionState applied the first 900 lines of `fixtures/checkpoint-input-seed5.jsonl`
(1,200 lines of seeded simulated traffic, as the simulator of those commits wrote them)
and checkpointed every 250 lines, then applied 100 more and wrote the data records of a
checkpoint whose meta record never came (a crash): those must be ignored. One JSON
object per record: {"key": base64, "value": base64}.

The configuration is examples/carepulse.toml with agent series on, a resolved grace of
30 minutes and no late-event tolerance (be04154 forgot at the grace), so the table holds
SLA clocks on business-hours calendars, at-risk flags, forgotten conversations (null
records), agent families, window buckets and id segments. The expected values below were
read from be04154's restored state (f230d81's restore gave the same); the totals' digest
covers the families those versions had, and the families added since must restore empty.

`python tests/contract/test_checkpoint_fixture.py --write FILE` writes such a fixture with
the current code: only for a deliberate new format, never to make this test pass.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from streams.config import CarePulseConfig, load_config
from streams.kpi.conversation import OPEN
from streams.state.partition import PartitionState

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# fixture -> the format version its meta record says
WRITTEN_BEFORE_1_1 = {"checkpoint-be04154.jsonl": 1, "checkpoint-f230d81.jsonl": 2}
INPUT = FIXTURES / "checkpoint-input-seed5.jsonl"
PARTITION = 2
EVENTS = 1_200
COMMITTED_LINES, CHECKPOINT_EVERY, UNCOMMITTED_LINES = 900, 250, 100
# the totals' families of formats 1 and 2 (LiveTotals.to_json keys)
TOTALS_1_0 = ("messages", "replies", "opened", "resolved", "sla_breaches", "sla_met",
              "surveys", "topics", "quick_replies", "agent_replies", "agent_resolutions")
HISTOGRAMS_1_0 = ("first_response_seconds", "reply_wait_seconds", "resolution_seconds",
                  "agent_first_response_seconds")
PRODUCED_FROM_US = 1_793_577_600_000_000  # Kafka timestamp of offset 0; +1 s per offset


def fixture_config() -> CarePulseConfig:
    example = load_config(ROOT / "examples" / "carepulse.toml")
    return example.model_copy(update={
        # be04154 had no late-event tolerance: it forgot at the grace
        "worker": example.worker.model_copy(update={"resolved_grace_seconds": 1_800.0,
                                                    "late_event_tolerance_seconds": 0.0}),
        "metrics": example.metrics.model_copy(update={"agent_series": True}),
    })


def lines() -> list[bytes]:
    """The simulated lines the fixtures were written from (1 % malformed)."""
    found = INPUT.read_bytes().split(b"\n")[:-1]
    assert len(found) == EVENTS
    return found


def produced_at(offset: int) -> int:
    return PRODUCED_FROM_US + offset * 1_000_000


def read_fixture(name: str) -> list[tuple[bytes, bytes]]:
    records = []
    with (FIXTURES / name).open(encoding="utf-8") as source:
        for line in source:
            entry = json.loads(line)
            records.append((base64.b64decode(entry["key"]), base64.b64decode(entry["value"])))
    return records


def sha256_json(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def summary(state: PartitionState) -> dict[str, Any]:
    """What a restored partition holds, as plain values."""
    engine = state.engine
    totals = state.totals.to_json()
    return {
        "next_offset": state.next_offset,
        "counters": [engine.accepted, engine.duplicates, engine.ignored, engine.out_of_order,
                     engine.first_event_us, engine.last_event_us],
        "rejected": dict(sorted(state.rejected.items())),
        "conversations": len(engine.conversations),
        "open": sum(state.gauges.open.values()),
        "waiting": sum(state.gauges.waiting.values()),
        "at_risk": sum(state.watch.at_risk.values()),
        "produced_at_us": state.produced_at_us,
        "messages": sum(state.totals.messages.values()),
        "replies": sum(state.totals.replies.values()),
        "sla_met_breached": [sum(state.totals.sla_met.values()),
                             sum(state.totals.sla_breaches.values())],
        "windows_now_us": state.windows.now_us,
        "totals_sha256": sha256_json({
            **{name: totals[name] for name in TOTALS_1_0},
            "histograms": [row for row in totals["histograms"] if row[0] in HISTOGRAMS_1_0],
        }),
        "windows_24h_sha256": sha256_json(
            [[*series, row] for series, row in sorted(state.windows.window_rows("24h").items())]
        ),
        "windows_30d_sha256": sha256_json(
            [[*series, row] for series, row in sorted(state.windows.window_rows("30d").items())]
        ),
    }


EXPECTED: dict[str, Any] = {  # read from be04154's restore of the fixture
    "next_offset": 750,
    "counters": [741, 2, 0, 0, 1793577606000000, 1793579960929559],
    "rejected": {"invalid_json": 4, "invalid_utf8": 2, "missing_field": 1},
    "conversations": 195,
    "open": 151,
    "waiting": 133,
    "at_risk": 1,
    "produced_at_us": 1793578349000000,
    "messages": 275,
    "replies": 206,
    "sla_met_breached": [110, 9],
    "windows_now_us": 1793579960929559,
    "totals_sha256": "ad360b29c5954140deaee42fa1dbff22831869d856fc04a7687ba079e8ce88df",
    "windows_24h_sha256": "eef8985a14ab08df279cf365e55d39586a1810679a85998b7355e2bebe622177",
    "windows_30d_sha256": "eef8985a14ab08df279cf365e55d39586a1810679a85998b7355e2bebe622177",
}


@pytest.mark.parametrize("name", sorted(WRITTEN_BEFORE_1_1))
def test_a_checkpoint_written_before_1_1_restores_to_its_totals(name: str) -> None:
    state = PartitionState.restore(PARTITION, fixture_config(), read_fixture(name))
    assert state.restored_version == WRITTEN_BEFORE_1_1[name]
    assert summary(state) == EXPECTED


@pytest.mark.parametrize("name", sorted(WRITTEN_BEFORE_1_1))
def test_a_checkpoint_written_before_1_1_restores_the_new_fields_at_their_defaults(
    name: str,
) -> None:
    state = PartitionState.restore(PARTITION, fixture_config(), read_fixture(name))
    conversations = state.engine.conversations.values()
    assert len(conversations) == EXPECTED["conversations"]
    assert {(conv.status, conv.pending_us, conv.resolution_left_us, conv.agent_replies,
             conv.assignee, conv.team, conv.team_since_us, conv.team_history)
            for conv in conversations} == {(OPEN, 0, None, 0, None, None, 0, None)}
    assert all(conv.status_since_us == conv.cycle_start_us for conv in conversations)
    assert {status for (_, _, status), count in state.gauges.by_status.items()
            if count} == {OPEN}
    assert sum(state.gauges.by_status.values()) == EXPECTED["open"]
    totals = state.totals.to_json()
    assert {name: rows for name, rows in totals.items()
            if name not in TOTALS_1_0 and rows} == {"histograms": totals["histograms"]}
    assert {row[0] for row in totals["histograms"]} == set(HISTOGRAMS_1_0)


@pytest.mark.parametrize("name", sorted(WRITTEN_BEFORE_1_1))
def test_the_restored_partition_goes_on_as_one_that_never_stopped(name: str) -> None:
    """The events after the checkpoint, delivered again from its offset, give the state
    of a partition that applied the whole file straight through (its 1.1 totals apart:
    the restored conversations do not know their assignees and agent replies before
    the upgrade)."""
    config, all_lines = fixture_config(), lines()
    restored = PartitionState.restore(PARTITION, config, read_fixture(name))
    steady = PartitionState(PARTITION, config)
    for offset, line in enumerate(all_lines):
        restored.apply(offset, line, produced_at(offset))
        steady.apply(offset, line, produced_at(offset))
    assert restored.next_offset == steady.next_offset == EVENTS
    assert summary(restored) == summary(steady)


def write_fixture(path: Path) -> None:
    config, all_lines = fixture_config(), lines()
    state = PartitionState(PARTITION, config)
    table: dict[bytes, bytes] = {}

    def store(records: Iterable[tuple[bytes, bytes | None]]) -> None:
        for key, value in records:
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value

    for offset, line in enumerate(all_lines[:COMMITTED_LINES]):
        state.apply(offset, line, produced_at(offset))
        if offset % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1:
            data, meta = state.checkpoint()
            store([*data, meta])
    for offset in range(COMMITTED_LINES, COMMITTED_LINES + UNCOMMITTED_LINES):
        state.apply(offset, all_lines[offset], produced_at(offset))
    data, _ = state.checkpoint()  # its meta record is never written
    store(data)
    with path.open("w", encoding="utf-8") as out:
        for key, value in table.items():
            out.write(json.dumps({"key": base64.b64encode(key).decode("ascii"),
                                  "value": base64.b64encode(value).decode("ascii")}) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--write":
        sys.exit("usage: python tests/contract/test_checkpoint_fixture.py --write FILE")
    write_fixture(Path(sys.argv[2]))
    restored = PartitionState.restore(PARTITION, fixture_config(),
                                      read_fixture(str(Path(sys.argv[2]).resolve())))
    print(json.dumps(summary(restored), indent=4))
