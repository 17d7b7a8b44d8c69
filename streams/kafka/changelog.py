"""The changelog of the partition states: CarePulse's own topic, read by CarePulse.

Why not a Faust table: Faust reads a table's changelog once and, when a partition comes
back to a worker, resumes where it stopped, so a state restored from the table (and then
dropped from it) could not be restored again; its recovery also read about 2,500
records/s here. The worker instead reads the changelog partitions of the input partitions
it is assigned with a plain consumer (no group, no commits), from the beginning to the
end, keeping the last value of each key (what a compacted topic would keep), and restores
from those records whatever happened before: a restart, a takeover, a partition that
left and came back.

The topic is named as Faust named the table's changelog in earlier versions
(`<app_id>-state-changelog`), so their checkpoints restore. Changelog partition p holds
the state of input partition p: both topics have the same partition count (topics.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from streams.config import KafkaConfig
from streams.kafka.settings import client_security

Record = tuple[bytes, bytes]
READ_TIMEOUT_SECONDS = 300.0
FETCH_BYTES = 16 * 1024 * 1024  # per partition and request: a restore reads big batches


def latest_values(values: dict[bytes, bytes | None]) -> list[Record]:
    """The last value of each key (`values` filled in offset order); a `None` value (a
    tombstone) deletes its key, as compaction would."""
    return [(key, value) for key, value in values.items() if value is not None]


async def read_partitions(
    kafka: KafkaConfig, topic: str, partitions: Iterable[int],
    known_ends: Mapping[int, int] | None = None,
) -> dict[int, tuple[list[Record], int]]:
    """Each changelog partition's latest records and its end offset, read from its
    beginning to its end as the broker gives it when the read starts. Records written
    after that belong to nobody: only the partition's owner writes, and it writes after
    its restore. A partition whose end is still its entry in `known_ends` (where this
    worker's own last checkpoint ended) is not read and not in the result: nobody wrote
    since.

    The embedded broker answers an end offset of *base offset of the last batch + 1*:
    a checkpoint's `meta` record is always sent alone after a flush (worker.py), so a
    committed checkpoint is read whole; records of a checkpoint a crash interrupted may
    be cut off, and they are ignored by the restore anyway."""
    wanted = [TopicPartition(topic, partition) for partition in sorted(set(partitions))]
    if not wanted:
        return {}
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False,
        max_partition_fetch_bytes=FETCH_BYTES, fetch_max_bytes=FETCH_BYTES * len(wanted),
        auto_offset_reset="earliest", **client_security(kafka),
    )
    try:  # a restore cancelled while the consumer starts must still stop it
        await consumer.start()
        consumer.assign(wanted)
        ends = await consumer.end_offsets(wanted)
        known = known_ends or {}
        wanted = [tp for tp in wanted if known.get(tp.partition) != ends[tp]]
        if not wanted:
            return {}
        consumer.assign(wanted)
        await consumer.seek_to_beginning(*wanted)
        pending = {tp for tp in wanted if ends[tp] > 0}
        latest: dict[TopicPartition, dict[bytes, bytes | None]] = {tp: {} for tp in wanted}
        async with asyncio.timeout(READ_TIMEOUT_SECONDS):
            while pending:
                batches = await consumer.getmany(*pending, timeout_ms=500)
                for tp, batch in batches.items():
                    values = latest[tp]
                    for record in batch:
                        if record.key is not None:
                            values[record.key] = record.value
                for tp in list(pending):
                    if await consumer.position(tp) >= ends[tp]:
                        pending.discard(tp)
                        consumer.pause(tp)
        return {tp.partition: (latest_values(values), ends[tp]) for tp, values in latest.items()}
    finally:
        await consumer.stop()

