"""`carepulse replay --topic`: every record of a Kafka topic through the pure core.

Why a hand-rolled fetch loop and not Faust or `AIOKafkaConsumer`: an audit must read exactly
what the topic holds, once, without side effects, and at the speed of the core. So the
reader joins no consumer group and commits nothing: it sends Fetch requests itself over
aiokafka's client and protocol classes and walks the returned record batches with aiokafka's
C decoder, touching only each record's offset and value. Measured on the embedded broker,
1M events: `AIOKafkaConsumer.getmany` builds a `ConsumerRecord` per record and counts
~400k records/s, this loop ~1.1M/s; with validation and the core, ~100k against ~118k
events/s. The next fetch is sent before the current one is fed to the core, so the broker
works while the core does.

What "the whole topic" means: each partition from its earliest offset to its end *as seen
when the read starts*; records produced later are left out, so a replay of a live topic
finishes. The end is the high watermark in the partition's first Fetch response, not
ListOffsets "latest": the embedded broker (Tansu) answers the latter with the base offset of
the last batch + 1, short by the rest of a multi-record batch (docs/operations.md).

Order: each partition is fed in offset order; partitions interleave fetch by fetch. All
events of a conversation share a partition (the key is `conversation_id`) and the report
does not depend on how conversations interleave. Resolved conversations are forgotten per
partition as the live worker forgets them (docs/kpis.md, end of section 8), so the report
equals the worker's counters, and the report of the same records replayed from a file
whenever no record arrives more than the late-event tolerance behind its partition's
newest event time.

Read on a dead-letter topic (`replay --topic care.events.dlq --rejects FILE` lists the
rejected records), a rejected record with CarePulse's dead-letter headers is listed with
its source topic, partition and offset (where the record lies on the input topic, not
its DLQ position), and a reference (a record too large to copy) is counted and listed as
`too_large`, as the worker counted it, not as the empty value it carries. A dead letter
whose source is that of an earlier one is a second copy (dead letters are at least once,
streams/kafka/dlq.py): it is skipped, neither counted nor listed, and `replay_topic`
returns how many were. Only rejected records are looked at, so the per-event path of an
input topic pays nothing for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import (
    BrokerResponseError,
    KafkaConnectionError,
    KafkaError,
    for_code,
)
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.protocol.offset import OffsetRequest
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition

from schemas.rejections import Rejection, parse_event
from streams.audit.replay import collector_paused, reject_entry
from streams.audit.report import AuditRun
from streams.kafka.dlq import DeadLetterHeaders, DeadLetterRepeats, read_dead_letter
from streams.kafka.settings import client_logs_quiet

__all__ = ["TopicReadError", "dead_letter_reject_line", "replay_topic", "topic_reject_line"]

CONNECT_TIMEOUT_SECONDS = 10.0
"""How long the broker may take to answer at start: unreachable is an error, not a hang."""
STALL_TIMEOUT_SECONDS = 30.0
"""How long the read may go on without a record or a newly known partition end."""
FETCH_MAX_WAIT_MS = 5
"""The broker's wait for data on a partition that has none yet. Tansu never answers with
0; a long wait would only delay learning that an empty partition is empty."""
PARTITION_FETCH_BYTES = 4 * 1024 * 1024
FETCH_BYTES = 64 * 1024 * 1024
RETRY_BACKOFF_SECONDS = 0.1
_EARLIEST = -2  # ListOffsets timestamp meaning "the log start offset"
_READ_UNCOMMITTED = 0  # what a default consumer reads; control batches are skipped
_NULL_VALUE = b""
"""A record without a value (a tombstone) is validated as an empty record: rejected."""


class TopicReadError(Exception):
    """The topic cannot be read (broker unreachable, topic missing, read stalled); the
    message is one line that names the broker or the topic."""


def replay_topic(
    bootstrap_servers: str, topic: str, run: AuditRun, rejects: IO[str] | None = None,
    connect_timeout_seconds: float = CONNECT_TIMEOUT_SECONDS,
    stall_timeout_seconds: float = STALL_TIMEOUT_SECONDS,
    security: Mapping[str, Any] | None = None,
) -> int:
    """Feeds every record of `topic` (each partition from its earliest offset to its end at
    start) to `run`; writes each rejected record to `rejects` with partition and offset.
    Returns how many repeated dead letters were skipped (0 on a topic that is not a DLQ).
    `security`: the `client_security` arguments of the configuration."""
    run.bound_memory()
    reader = _TopicReader(bootstrap_servers, topic, connect_timeout_seconds,
                          stall_timeout_seconds, dict(security or {}))
    with client_logs_quiet():
        asyncio.run(reader.replay(run, rejects))
    return reader.dead_letters.repeated


@dataclass(slots=True)
class _Chunk:
    """The record batches of one partition from one Fetch response, and the offsets to
    feed: `[first_offset, end_offset)`."""

    partition: int
    first_offset: int
    end_offset: int
    batches: list[Any]


@dataclass
class _TopicReader:
    bootstrap_servers: str
    topic: str
    connect_timeout_seconds: float
    stall_timeout_seconds: float
    security: dict[str, Any]
    positions: dict[int, int] = field(default_factory=dict)
    """Next offset to fetch, per partition."""
    end_offsets: dict[int, int] = field(default_factory=dict)
    """The high watermark of each partition's first Fetch response."""
    leaders: dict[int, int] = field(default_factory=dict)
    """Node id of each partition's leader."""
    dead_letters: DeadLetterRepeats = field(default_factory=DeadLetterRepeats)

    async def replay(self, run: AuditRun, rejects: IO[str] | None) -> None:
        client = AIOKafkaClient(
            bootstrap_servers=self.bootstrap_servers,
            client_id="carepulse-replay",
            request_timeout_ms=int(self.connect_timeout_seconds * 1000),
            **self.security,
        )
        try:
            await asyncio.wait_for(self._start(client), self.connect_timeout_seconds)
            with collector_paused():
                await self._read(client, run, rejects)
        except TimeoutError as error:
            raise TopicReadError(
                f"broker {self.bootstrap_servers} did not answer within "
                f"{self.connect_timeout_seconds:g} s"
            ) from error
        except KafkaConnectionError as error:
            raise TopicReadError(f"broker {self.bootstrap_servers} unreachable") from error
        except KafkaError as error:
            raise TopicReadError(
                f"topic {self.topic!r} on {self.bootstrap_servers}: {_first_line(error)}"
            ) from error
        finally:
            await client.close()

    async def _start(self, client: AIOKafkaClient) -> None:
        """Connects, finds every partition's leader and earliest offset (bounded by the
        connect timeout)."""
        await client.bootstrap()
        while True:
            partitions = await self._find_leaders(client)
            if not partitions:
                raise TopicReadError(
                    f"topic {self.topic!r} does not exist on {self.bootstrap_servers}"
                )
            if len(self.leaders) == len(partitions):
                break
            await asyncio.sleep(RETRY_BACKOFF_SECONDS)
        by_node: dict[int, list[tuple[int, int]]] = {}
        for partition, node_id in self.leaders.items():
            by_node.setdefault(node_id, []).append((partition, _EARLIEST))
        for node_id, requested in by_node.items():
            request = OffsetRequest(-1, _READ_UNCOMMITTED, [(self.topic, requested)])
            response = await client.send(node_id, request)
            for _, partition_answers in response.topics:
                for partition, error_code, *answer in partition_answers:
                    _raise_for(error_code, self.topic, partition)
                    if response.API_VERSION == 0:  # a list of offsets
                        self.positions[partition] = answer[0][0] if answer[0] else 0
                    else:  # timestamp, offset
                        self.positions[partition] = answer[1]

    async def _find_leaders(self, client: AIOKafkaClient) -> set[int]:
        """Refreshes `leaders` (partitions without a leader now are left out); returns the
        topic's partition numbers."""
        cluster = await client.fetch_all_metadata()
        partitions: set[int] = cluster.partitions_for_topic(self.topic) or set()
        self.leaders = {}
        for partition in partitions:
            leader = cluster.leader_for_partition(TopicPartition(self.topic, partition))
            if leader is not None and leader >= 0:
                self.leaders[partition] = leader
        return partitions

    def _unfinished(self) -> list[int]:
        return [
            partition for partition, position in self.positions.items()
            if position < self.end_offsets.get(partition, position + 1)
        ]

    async def _read(
        self, client: AIOKafkaClient, run: AuditRun, rejects: IO[str] | None
    ) -> None:
        """Pipelined: while the core digests one round of Fetch responses, the next round
        is already on its way."""
        max_record_bytes = run.config.limits.max_record_bytes
        progress_at = time.monotonic()
        pending: asyncio.Future[list[Any]] | None = self._fetch_round(
            client, self._unfinished()
        )
        while pending is not None:
            chunks, leaders_stale = self._decode(await pending)
            if chunks:
                progress_at = time.monotonic()
            if leaders_stale or len(self.leaders) < len(self.positions):
                await asyncio.sleep(RETRY_BACKOFF_SECONDS)
                await self._find_leaders(client)
            unfinished = self._unfinished()
            pending = self._fetch_round(client, unfinished) if unfinished else None
            for chunk in chunks:
                _feed_chunk(self.topic, chunk, run, rejects, max_record_bytes,
                            self.dead_letters)
            if pending is not None and time.monotonic() - progress_at > self.stall_timeout_seconds:
                pending.cancel()
                names = ", ".join(map(str, unfinished))
                raise TopicReadError(
                    f"topic {self.topic!r}: no progress on partitions {names} "
                    f"for {self.stall_timeout_seconds:g} s"
                )

    def _fetch_round(
        self, client: AIOKafkaClient, partitions: list[int]
    ) -> asyncio.Future[list[Any]]:
        """One Fetch request per leader node, for the given partitions at their positions."""
        by_node: dict[int, list[tuple[int, int, int]]] = {}
        for partition in partitions:
            if partition in self.leaders:
                by_node.setdefault(self.leaders[partition], []).append(
                    (partition, self.positions[partition], PARTITION_FETCH_BYTES)
                )
        return asyncio.gather(*(
            client.send(node_id, FetchRequest(
                FETCH_MAX_WAIT_MS, 1, FETCH_BYTES, _READ_UNCOMMITTED,
                [(self.topic, requested)],
            ))
            for node_id, requested in by_node.items()
        ))

    def _decode(self, responses: list[Any]) -> tuple[list[_Chunk], bool]:
        """The chunks to feed, and whether leadership changed (retry after a metadata
        refresh). Advances positions past every batch, and freezes each partition's end at
        its first high watermark."""
        chunks: list[_Chunk] = []
        leaders_stale = False
        for response in responses:
            for _, partition_answers in response.topics:
                for partition, error_code, highwater, *answer in partition_answers:
                    if error_code and getattr(for_code(error_code), "invalid_metadata", False):
                        leaders_stale = True
                        continue
                    _raise_for(error_code, self.topic, partition)
                    end_offset = self.end_offsets.setdefault(partition, highwater)
                    chunk = self._chunk(partition, answer[-1], end_offset)
                    if chunk is not None:
                        chunks.append(chunk)
        return chunks, leaders_stale

    def _chunk(self, partition: int, data: bytes | None, end_offset: int) -> _Chunk | None:
        first_offset = self.positions[partition]
        if first_offset >= end_offset:
            return None
        batches: list[Any] = []
        if data:
            records = MemoryRecords(data)
            while records.has_next():  # a trailing partial batch is not "next"
                batch = records.next_batch()
                if not batch.validate_crc():
                    raise TopicReadError(
                        f"topic {self.topic!r}: corrupt record batch in partition "
                        f"{partition} after offset {self.positions[partition]}"
                    )
                self.positions[partition] = min(batch.next_offset, end_offset)
                if not batch.is_control_batch:
                    batches.append(batch)
            if self.positions[partition] == first_offset:
                raise TopicReadError(
                    f"topic {self.topic!r}: the record batch at partition {partition} offset "
                    f"{first_offset} is larger than {PARTITION_FETCH_BYTES} bytes"
                )
        return _Chunk(partition, first_offset, end_offset, batches) if batches else None


def _feed_chunk(
    topic: str, chunk: _Chunk, run: AuditRun, rejects: IO[str] | None, max_record_bytes: int,
    dead_letters: DeadLetterRepeats,
) -> None:
    """The per-record path: an offset check, validation, the core."""
    feed, partition = run.feed, chunk.partition
    first_offset, end_offset = chunk.first_offset, chunk.end_offset
    for batch in chunk.batches:
        for record in batch:
            offset = record.offset
            if offset < first_offset or offset >= end_offset:
                continue  # before the fetch position (whole batches come back) or after the end
            value = record.value
            parsed = parse_event(_NULL_VALUE if value is None else value, max_record_bytes)
            if isinstance(parsed, Rejection):
                letter = read_dead_letter(record.headers)
                if letter is not None:
                    if dead_letters.is_repeat(letter):
                        continue
                    parsed = letter.rejection(parsed)
                run.reject(parsed.reason)
                if rejects is not None:
                    rejects.write((topic_reject_line(partition, offset, parsed, value)
                                   if letter is None else
                                   dead_letter_reject_line(letter, parsed, value)) + "\n")
            else:
                feed(parsed, partition)


def _raise_for(error_code: int, topic: str, partition: int) -> None:
    if error_code:
        error: type[BrokerResponseError] = for_code(error_code)
        raise TopicReadError(f"topic {topic!r} partition {partition}: {error.__name__}")


def topic_reject_line(
    partition: int, offset: int, rejection: Rejection, raw: bytes | None
) -> str:
    """One JSON object per rejected record, naming where it lies on the topic."""
    return reject_entry({"partition": partition, "offset": offset}, rejection, raw)


def dead_letter_reject_line(
    letter: DeadLetterHeaders, rejection: Rejection, raw: bytes | None
) -> str:
    """One JSON object per dead letter, naming where its rejected record lies on the
    input topic (its headers' source topic, partition and offset), not its DLQ position."""
    return reject_entry({"topic": letter.topic, "partition": letter.partition,
                         "offset": letter.offset}, rejection, raw)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
