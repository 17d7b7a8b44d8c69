"""The live state of one input partition, and its checkpoint records.

All events of a conversation share a partition (the key is `conversation_id`), so each
partition has its own engine and totals and moves between workers as a whole. Hot state
stays in memory; a checkpoint turns what changed into table records: one per changed
conversation, one segment of newly remembered event ids, and last a `meta` record with
the counts, the totals and the next offset to apply. Events below that offset are
skipped when they are delivered again after a restart, so nothing counts twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from schemas.rejections import Rejection, RejectReason, parse_event
from streams.config import CarePulseConfig
from streams.core.engine import Engine
from streams.core.snapshot import (
    dump_conversation,
    dump_counters,
    load_conversation,
    load_counters,
)
from streams.core.totals import LiveTotals

Record = tuple[bytes, bytes | None]  # table key, value (None deletes)


def key_prefix(partition: int) -> bytes:
    return b"%d/" % partition


class PartitionState:
    def __init__(self, partition: int, config: CarePulseConfig) -> None:
        self.partition = partition
        self.totals = LiveTotals()
        self.engine = Engine(config, self.totals)
        self.rejected: Counter[RejectReason] = Counter()
        self.next_offset = 0
        self._max_record_bytes = config.limits.max_record_bytes
        self._dedupe_capacity = config.dedupe.capacity
        self._prefix = key_prefix(partition)
        self._changed: set[str] = set()
        self._new_ids: list[str] = []
        self._segments: list[list[int]] = []  # [sequence, id count], oldest first
        self._next_segment = 0
        self._checkpointed_offset = 0

    def apply(self, offset: int, value: bytes) -> Rejection | None:
        """Applies the record at `offset`; a rejection to route to the DLQ, else None.
        A record below `next_offset` was applied before a restart and is skipped."""
        if offset < self.next_offset:
            return None
        self.next_offset = offset + 1
        parsed = parse_event(value, self._max_record_bytes)
        if isinstance(parsed, Rejection):
            self.rejected[parsed.reason] += 1
            return parsed
        if self.engine.apply(parsed):
            self._changed.add(parsed.conversation_id)
            self._new_ids.append(parsed.event_id)
        return None

    @property
    def dirty(self) -> bool:
        return self.next_offset != self._checkpointed_offset

    def checkpoint_records(self) -> list[Record]:
        """Changed conversations and the new id segment, with tombstones for segments
        beyond the dedupe capacity. The meta record comes separately, last."""
        conversations = self.engine.conversations
        records: list[Record] = [
            (self._prefix + b"c/" + conversation_id.encode(),
             orjson.dumps(dump_conversation(conversations[conversation_id])))
            for conversation_id in sorted(self._changed)
        ]
        self._changed.clear()
        if self._new_ids:
            sequence = self._next_segment
            self._next_segment += 1
            records.append((self._segment_key(sequence), orjson.dumps(self._new_ids)))
            self._segments.append([sequence, len(self._new_ids)])
            self._new_ids = []
            while sum(size for _, size in self._segments[1:]) >= self._dedupe_capacity:
                records.append((self._segment_key(self._segments.pop(0)[0]), None))
        return records

    def meta_record(self) -> Record:
        self._checkpointed_offset = self.next_offset
        meta = {
            "next_offset": self.next_offset,
            "counters": dump_counters(self.engine),
            "rejected": dict(self.rejected),
            "totals": self.totals.to_json(),
            "segments": self._segments,
            "next_segment": self._next_segment,
        }
        return self._prefix + b"meta", orjson.dumps(meta)

    def _segment_key(self, sequence: int) -> bytes:
        return self._prefix + b"ids/%d" % sequence

    @classmethod
    def restore(
        cls, partition: int, config: CarePulseConfig, records: Iterable[tuple[bytes, bytes]]
    ) -> PartitionState:
        """The state from this partition's table records (any order)."""
        state = cls(partition, config)
        prefix = state._prefix
        meta: dict[str, Any] | None = None
        segments: dict[int, bytes] = {}
        sla = state.engine.sla
        for key, value in records:
            kind, _, name = key.removeprefix(prefix).partition(b"/")
            if kind == b"c":
                conversation = load_conversation(orjson.loads(value), sla)
                state.engine.conversations[name.decode()] = conversation
            elif kind == b"ids":
                segments[int(name)] = value
            elif kind == b"meta":
                meta = orjson.loads(value)
        if meta is not None:
            state._restore_meta(meta, segments)
        return state

    def _restore_meta(self, meta: dict[str, Any], segments: dict[int, bytes]) -> None:
        self.next_offset = self._checkpointed_offset = meta["next_offset"]
        load_counters(self.engine, meta["counters"])
        self.rejected.update(meta["rejected"])
        self.totals.load_json(meta["totals"])
        self._segments = meta["segments"]
        self._next_segment = meta["next_segment"]
        for sequence, _ in self._segments:
            self.engine.remember(orjson.loads(segments[sequence]))


def partition_records(
    items: Iterable[tuple[bytes, bytes]], partition: int
) -> Iterator[tuple[bytes, bytes]]:
    prefix = key_prefix(partition)
    return ((key, value) for key, value in items if key.startswith(prefix))
