"""Reading a side topic (the alerts, the dead letters) from its beginning: up to its end
as seen at start, or on until told to stop.

A plain consumer: no group, no commits, so a reader changes nothing on the broker and
several can read at once. The end of each partition is the high watermark of the first
Fetch response that answers for it, not ListOffsets "latest": the embedded broker answers
the latter with the base offset of the last batch + 1, short of the true end when that
batch held several records (the worker writes its alerts and dead letters in batches).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaConnectionError, KafkaError
from aiokafka.structs import ConsumerRecord, TopicPartition

from streams.kafka.settings import client_logs_quiet

__all__ = ["CONNECT_TIMEOUT_SECONDS", "Record", "TopicUnavailable", "read_side_topic"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

CONNECT_TIMEOUT_SECONDS = 10.0
"""How long the broker may take to answer at start: unreachable is an error, not a hang."""
POLL_TIMEOUT_MS = 200
"""How long one poll waits for records: also how soon a stop request is seen."""
PARTITION_FETCH_BYTES = 4 * 1024 * 1024
"""Above the largest dead-letter copy (the producer's 1,000,000-byte request limit)."""
Record: TypeAlias = "ConsumerRecord[bytes, bytes]"


class TopicUnavailable(Exception):
    """The topic cannot be read (broker unreachable, topic missing, a broker error); the
    message is one line that names the broker or the topic."""


def read_side_topic(
    bootstrap_servers: str, topic: str, on_record: Callable[[Record], None], *,
    follow: bool, security: Mapping[str, Any] | None = None,
    connect_timeout_seconds: float = CONNECT_TIMEOUT_SECONDS,
) -> None:
    """Calls `on_record` with each record of `topic`, each partition in offset order, up
    to each partition's end as seen at start, or with `follow` until SIGINT (Ctrl-C) or
    SIGTERM: either ends the read after the current poll, without an exception."""
    with client_logs_quiet():
        asyncio.run(_read(bootstrap_servers, topic, on_record, follow,
                          dict(security or {}), connect_timeout_seconds))


async def _read(
    bootstrap_servers: str, topic: str, on_record: Callable[[Record], None], follow: bool,
    security: dict[str, Any], connect_timeout_seconds: float,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:  # the loop removes its handlers when asyncio.run closes it
        loop.add_signal_handler(signum, stop.set)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, client_id="carepulse-reader",
        enable_auto_commit=False, auto_offset_reset="earliest",
        request_timeout_ms=int(connect_timeout_seconds * 1000),
        max_partition_fetch_bytes=PARTITION_FETCH_BYTES, **security,
    )
    try:
        try:
            partitions = await asyncio.wait_for(_start(consumer, topic),
                                                connect_timeout_seconds)
        except TimeoutError as error:
            raise TopicUnavailable(f"broker {bootstrap_servers} did not answer within "
                                   f"{connect_timeout_seconds:g} s") from error
        if not partitions:
            raise TopicUnavailable(f"topic {topic!r} does not exist on {bootstrap_servers}")
        await _poll(consumer, partitions, on_record, follow, stop)
    except KafkaConnectionError as error:
        raise TopicUnavailable(f"broker {bootstrap_servers} unreachable") from error
    except KafkaError as error:
        raise TopicUnavailable(f"topic {topic!r} on {bootstrap_servers}: "
                               f"{type(error).__name__}") from error
    finally:
        await consumer.stop()


async def _start(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """Connects and assigns every partition of `topic` from its beginning (none: the
    topic does not exist; asking for all topics' metadata creates none)."""
    await consumer.start()
    await consumer.topics()
    partitions = [TopicPartition(topic, number)
                  for number in sorted(consumer.partitions_for_topic(topic) or ())]
    if partitions:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
    return partitions


async def _poll(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition],
    on_record: Callable[[Record], None], follow: bool, stop: asyncio.Event,
) -> None:
    ends: dict[TopicPartition, int] = {}
    while not stop.is_set():
        batches = await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS)
        for partition in partitions:
            highwater = consumer.highwater(partition)
            if highwater is not None:
                ends.setdefault(partition, highwater)
        for partition, records in sorted(batches.items()):
            end = None if follow else ends.get(partition)
            for record in records:
                if end is None or record.offset < end:
                    on_record(record)
        if not follow and len(ends) == len(partitions) and all(
            [await consumer.position(partition) >= end for partition, end in ends.items()]
        ):
            return
