"""The live state of one input partition, and its checkpoint records (their key layout:
streams/state/checkpoint/keys.py; their encoding, version and migrations: codec.py).

All events of a conversation share a partition (the key is `conversation_id`), so each
partition has its own engine and totals and moves between workers as a whole. Hot state
stays in memory; checkpoint N turns what changed into table records: one per changed
conversation, one segment of newly remembered event ids, and last a `meta` record with
the counts, the totals, the sequence N and the next offset to apply. Events below that
offset are skipped when they are delivered again after a restart: nothing counts twice.

A crash can stop a checkpoint half-way, after some conversation records but before its
meta record. So a checkpoint never overwrites the last committed state of anything:
each conversation has two table slots and is written to the one not holding its
committed state, every record carries its checkpoint sequence, and a restore takes, per
conversation, the newest record of a sequence the last meta record covers. Id segments
no longer listed are deleted only by the next checkpoint. A conversation the engine
forgot (resolved, past its grace) gets a `null` record in its free slot, so a restore
never brings back an older state of it; the next checkpoint deletes both slots.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from schemas.rejections import Rejection, RejectReason, parse_event
from streams.config import CarePulseConfig
from streams.kpi.conversation import Conversation
from streams.kpi.engine import Engine
from streams.kpi.labels import LabelValues
from streams.kpi.sink import TeeSink
from streams.state.checkpoint.codec import (
    FORMAT_VERSION,
    decode_conversation,
    decode_meta,
    decode_segment,
    dump_counters,
    encode_conversation,
    encode_meta,
    encode_segment,
    load_conversation,
    load_counters,
)
from streams.state.checkpoint.keys import (
    CONVERSATION_KINDS,
    META,
    SEGMENTS,
    WINDOWS,
    Record,
    conversation_key,
    key_prefix,
    meta_key,
    segment_key,
    split_name,
)
from streams.state.open_gauges import OpenGauges
from streams.state.totals import LiveTotals
from streams.state.watch import DeadlineWatch, SlaAlert
from streams.state.windows import WindowTotals


class PartitionState:
    def __init__(self, partition: int, config: CarePulseConfig) -> None:
        self.partition = partition
        settings = config.kpi_settings()
        labels = LabelValues(settings.labels)
        self._legacy_brand = labels.default_brand
        self.totals = LiveTotals(labels)
        self.windows = WindowTotals(settings.thresholds)
        sink = TeeSink(self.totals, self.windows)
        conversations: dict[str, Conversation] = {}
        self.watch = DeadlineWatch(conversations, sink)
        self.gauges = OpenGauges(conversations)
        self.engine = Engine(
            settings, sink, watch=self.watch, keep_forgotten=True, gauges=self.gauges,
            conversations=conversations,
        )
        self.engine.bound_memory(settings.forget_after_us)
        self.alerts: list[SlaAlert] = []  # raised, for the worker to send
        self._clock_us = self.engine.last_event_us  # the newest `advance` (wall clock)
        self.produced_at_us: int | None = None  # Kafka timestamp of the newest record
        self.lag_records = 0  # behind the partition's high watermark at the last tick
        self.rejected: Counter[RejectReason] = Counter()
        self.next_offset = 0
        self._max_record_bytes = config.limits.max_record_bytes
        self._dedupe_capacity = config.dedupe.capacity
        self._prefix = key_prefix(partition)
        self._changed: set[str] = set()
        self._new_ids: list[str] = []
        self._segments: list[list[int]] = []  # [checkpoint sequence, id count], oldest first
        self._unlisted_segments: list[int] = []  # to delete at the next checkpoint
        self._uncommitted_keys: list[bytes] = []  # of a failed checkpoint: delete next
        self._forgotten: list[str] = []  # marked forgotten by the last checkpoint
        self._sequence = 0  # the highest checkpoint sequence written
        self._slot_flips: list[tuple[Conversation, int]] = []
        self._checkpointed_offset = 0
        self.restored_version: int | None = None
        """The format version of the checkpoint this state was restored from, if any."""

    def apply(
        self, offset: int, value: bytes | None, produced_at_us: int | None = None
    ) -> Rejection | None:
        """Applies the record at `offset` (with its Kafka timestamp); a rejection to route
        to the DLQ, else None. A record below `next_offset` was applied before a restart
        and is skipped; a record without value is an empty (invalid) one."""
        if offset < self.next_offset:
            return None
        self.next_offset = offset + 1
        if produced_at_us is not None:
            self.produced_at_us = produced_at_us
        parsed = parse_event(value or b"", self._max_record_bytes)
        if isinstance(parsed, Rejection):
            self.rejected[parsed.reason] += 1
            return parsed
        if self.engine.apply(parsed):
            self._changed.add(parsed.conversation_id)
            self._new_ids.append(parsed.event_id)
            if self.watch.alerts:
                self._take_alerts()
        return None

    def advance(self, now_us: int) -> None:
        """SLA clocks see `now_us` (the wall clock, once the partition is caught up)."""
        self._clock_us = now_us
        self.watch.advance(self.now_us)
        self._take_alerts()

    def replays_history(self, backfill_delay_us: int) -> bool:
        """Its newest record was produced long after its newest event time."""
        produced_at_us = self.produced_at_us
        return produced_at_us is not None and (
            produced_at_us - self.engine.last_event_us > backfill_delay_us
        )

    @property
    def now_us(self) -> int:
        """The partition's now: its newest event time, or the wall clock once caught up."""
        return max(self._clock_us, self.engine.last_event_us)

    def _take_alerts(self) -> None:
        """Alerts change the state of their conversation: it goes into the checkpoint."""
        for alert in self.watch.alerts:
            self._changed.add(alert.conversation_id)
        self.alerts += self.watch.alerts
        self.watch.alerts.clear()

    @property
    def dirty(self) -> bool:
        return self.next_offset != self._checkpointed_offset or bool(self._changed)

    def checkpoint(self) -> tuple[list[Record], Record]:
        """The next checkpoint: its data records and the meta record that commits them,
        both taken now, in one step; events applied while they are being sent belong to
        the next checkpoint. The caller sends the data records, flushes, then the meta
        record (and flushes before acking the events applied so far)."""
        records = self._data_records()
        return records, self._meta_record()

    def _data_records(self) -> list[Record]:
        sequence = self._sequence + 1
        conversations = self.engine.conversations
        records: list[Record] = [
            (self._segment_key(old), None) for old in self._unlisted_segments
        ]
        records += [(key, None) for key in self._uncommitted_keys]
        self._uncommitted_keys = []
        records += self._forgotten_records(sequence, conversations)
        self._unlisted_segments = []
        for conversation_id in sorted(self._changed):
            conv = conversations.get(conversation_id)
            if conv is None:  # an event of a conversation never opened (an orphan resolve)
                continue
            slot = 0 if conv.checkpoint_slot == 1 else 1
            self._slot_flips.append((conv, slot))
            value = encode_conversation(sequence, conv)
            records.append(
                (conversation_key(self._prefix, slot, conversation_id.encode()), value)
            )
        self._changed.clear()
        if self._new_ids:
            records.append((self._segment_key(sequence), encode_segment(self._new_ids)))
            self._segments.append([sequence, len(self._new_ids)])
            self._new_ids = []
            while sum(size for _, size in self._segments[1:]) >= self._dedupe_capacity:
                self._unlisted_segments.append(self._segments.pop(0)[0])
        records += self.windows.checkpoint_records(self._prefix, sequence)
        return records

    def _forgotten_records(
        self, sequence: int, conversations: dict[str, Conversation]
    ) -> list[Record]:
        """Deletes both slots of the conversations marked forgotten by the last checkpoint
        (unless a new conversation took the id since), and marks the newly forgotten:
        `null` in the slot not holding their committed state. A new conversation that
        took the id writes to that slot instead, and its record supersedes the old."""
        records: list[Record] = [
            (conversation_key(self._prefix, slot, conversation_id.encode()), None)
            for conversation_id in self._forgotten if conversation_id not in conversations
            for slot in (0, 1)
        ]
        assert self.engine.forgotten is not None
        forgotten, self.engine.forgotten = self.engine.forgotten, []
        self._forgotten = [conversation_id for conversation_id, _ in forgotten]
        for conversation_id, conv in forgotten:
            successor = conversations.get(conversation_id)
            if successor is not None:
                if successor.checkpoint_slot == -1:
                    successor.checkpoint_slot = conv.checkpoint_slot
            elif conv.checkpoint_slot != -1:
                slot = 0 if conv.checkpoint_slot == 1 else 1
                key = conversation_key(self._prefix, slot, conversation_id.encode())
                records.append((key, encode_conversation(sequence, None)))
        return records

    def _meta_record(self) -> Record:
        self._sequence += 1
        for conv, slot in self._slot_flips:
            conv.checkpoint_slot = slot
        self._slot_flips = []
        self._checkpointed_offset = self.next_offset
        meta = {
            "sequence": self._sequence,
            "next_offset": self.next_offset,
            "counters": dump_counters(self.engine),
            "rejected": dict(self.rejected),
            "totals": self.totals.to_json(),
            "windows": self.windows.commit(),
            "segments": self._segments,
            "produced_at_us": self.produced_at_us,
        }
        return meta_key(self._prefix), encode_meta(meta)

    def _segment_key(self, sequence: int) -> bytes:
        return segment_key(self._prefix, sequence)

    @classmethod
    def restore(
        cls, partition: int, config: CarePulseConfig, records: Iterable[tuple[bytes, bytes]]
    ) -> PartitionState:
        """The state of the last committed checkpoint in this partition's table records
        (any order); records of a checkpoint that was not committed are ignored."""
        state = cls(partition, config)
        meta: dict[str, Any] = {"sequence": 0, "windows": None, "version": FORMAT_VERSION}
        segments: dict[int, bytes] = {}
        versions: dict[bytes, list[tuple[int, int, Any]]] = {}  # id -> (sequence, slot, data)
        window_records: list[tuple[bytes, bytes]] = []
        highest_sequence = 0  # of the conversation and segment records
        for key, value in records:
            kind, name = split_name(key.removeprefix(state._prefix))
            if kind in CONVERSATION_KINDS:
                sequence, data = decode_conversation(value)
                versions.setdefault(name, []).append((sequence, int(kind[1:]), data))
                highest_sequence = max(highest_sequence, sequence)
            elif kind == SEGMENTS:
                segments[int(name)] = value
                highest_sequence = max(highest_sequence, int(name))
            elif kind == META:
                meta = decode_meta(value)
            elif kind == WINDOWS:
                window_records.append((key.removeprefix(state._prefix), value))
        state._restore_conversations(versions, meta["sequence"])
        state.watch.rearm()
        state.gauges.recount()
        highest_window_sequence = state.windows.restore(
            window_records, meta["sequence"], meta["windows"], state._legacy_brand
        )
        if meta["sequence"]:
            state._restore_meta(meta, segments)
            state.restored_version = meta["version"]
        state._uncommitted_keys += [
            state._segment_key(sequence) for sequence in segments if sequence > meta["sequence"]
        ]
        # The next checkpoint's sequence is above every record's, committed or not: a
        # record of an interrupted checkpoint can never pass for a newer committed one.
        state._sequence = max(meta["sequence"], highest_window_sequence, highest_sequence)
        state.engine.rearm_expiry()
        assert state.engine.forgotten is not None
        state._forgotten += [conversation_id for conversation_id, _ in state.engine.forgotten]
        state.engine.forgotten = []
        return state

    def _restore_conversations(
        self, versions: dict[bytes, list[tuple[int, int, Any]]], committed_sequence: int
    ) -> None:
        sla = self.engine.sla
        for name, candidates in versions.items():
            committed = [c for c in candidates if c[0] <= committed_sequence]
            self._uncommitted_keys += [
                conversation_key(self._prefix, slot, name)
                for sequence, slot, _ in candidates if sequence > committed_sequence
            ]
            if not committed:
                continue
            _, slot, data = max(committed)
            if data is None:  # forgotten
                self._forgotten.append(name.decode())
                continue
            conv = load_conversation(data, sla, self._legacy_brand)
            conv.checkpoint_slot = slot
            self.engine.conversations[name.decode()] = conv

    def _restore_meta(self, meta: dict[str, Any], segments: dict[int, bytes]) -> None:
        self._sequence = meta["sequence"]
        self.next_offset = self._checkpointed_offset = meta["next_offset"]
        load_counters(self.engine, meta["counters"])
        self.rejected.update(meta["rejected"])
        self.totals.load_json(meta["totals"], meta["version"])
        self._segments = meta["segments"]
        self.produced_at_us = meta["produced_at_us"]
        for sequence, _ in self._segments:
            self.engine.remember(decode_segment(segments[sequence]))

