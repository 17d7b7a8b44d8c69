"""Compressed input topics: a real producer client (kafka-python) writes simulated events
with each codec Kafka knows, and both `replay --topic` and a live worker read them.

Production producers often compress (`compression.type` lz4, zstd or snappy). Without
the codec libraries among CarePulse's dependencies, kafka-python cannot produce snappy,
lz4 or zstd, and aiokafka's fetcher raises UnsupportedCodecError on such batches: the
worker crashed and `replay --topic` failed (issue 13, point 0b).

One worker per codec topic, all started at once (module fixture) so that their group
joins overlap. The topics also have different partition counts (1, 4, 6, 12) under the
worker's default `[kafka] partitions` (4): a topic with more partitions than configured
crashed the worker too (issue 13, point 0).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition
from kafka import KafkaProducer

from streams.audit.report import AuditRun
from streams.kafka.broker import free_port
from streams.kafka.produce import ensure_topic_at, record_key, records
from streams.testing.simulate import write_file
from tests.live.fixtures import (
    AnyBroker,
    WorkerProcess,
    assert_metrics_equal_replay,
    replayed,
    total,
    worker_config,
)

pytestmark = pytest.mark.broker

EVENTS = 3_000
# codec: (Kafka's codec id in a record batch's attributes, the topic's partitions)
CODECS = {"none": (0, 1), "gzip": (1, 6), "snappy": (2, 12), "lz4": (3, 6), "zstd": (4, 4)}
FETCH_BYTES = 4 * 1024 * 1024


@dataclass
class CodecTopic:
    topic: str
    partitions: int
    worker: WorkerProcess


@pytest.fixture(scope="module")
def codec_topics(
    broker: AnyBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, CodecTopic]]:
    """For each codec: a topic of its own written by a compressing KafkaProducer, and a
    worker (default partitions: 4) started on it before the events are produced."""
    tmp_path = tmp_path_factory.mktemp("codecs")
    events = tmp_path / "events.jsonl"
    write_file(events, EVENTS, seed=21, bad_fraction=0.01)
    started: dict[str, CodecTopic] = {}
    try:
        for codec, (_, partitions) in CODECS.items():
            name = f"codec-{codec}"
            ensure_topic_at(broker.url, f"{name}.events", partitions)
            port = free_port()
            config = worker_config(tmp_path / f"{name}.toml", name, port)
            worker = WorkerProcess(config, broker.url, port, tmp_path / f"{name}.log").start()
            started[codec] = CodecTopic(f"{name}.events", partitions, worker)
        for codec, target in started.items():
            produce_compressed(broker, target.topic, events, codec)
        yield started
    finally:
        for target in started.values():
            process = target.worker.process
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def produce_compressed(broker: AnyBroker, topic: str, path: Path, codec: str) -> None:
    """Every line of `path`, keyed by conversation, through kafka-python's producer with
    `compression_type=codec` (records batched, so each batch is compressed)."""
    producer = KafkaProducer(
        bootstrap_servers=broker.url, compression_type=None if codec == "none" else codec,
        linger_ms=20, batch_size=64 * 1024,
    )
    try:
        for _, value in records(path):
            producer.send(topic, value=value, key=record_key(value))
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)


def batch_codecs(broker: AnyBroker, topic: str) -> set[int]:
    """The codec ids of the record batches of `topic`'s partition 0 as the broker serves
    them (so the test sees that the batches really are compressed)."""

    async def fetch() -> set[int]:
        client = AIOKafkaClient(bootstrap_servers=broker.url)
        await client.bootstrap()
        try:
            await client.force_metadata_update()
            leader = client.cluster.leader_for_partition(TopicPartition(topic, 0))
            request = FetchRequest(100, 1, FETCH_BYTES, 0, [(topic, [(0, 0, FETCH_BYTES)])])
            response = await client.send(leader, request)
        finally:
            await client.close()
        codecs: set[int] = set()
        for _, partitions in response.topics:
            for _, _, _, *answer in partitions:
                data = MemoryRecords(answer[-1])
                while data.has_next():
                    codecs.add(data.next_batch().compression_type)
        return codecs

    return asyncio.run(fetch())


@pytest.mark.parametrize("codec", list(CODECS))
def test_a_compressed_topic_replays_and_a_live_worker_counts_it_exactly(
    codec_topics: dict[str, CodecTopic], broker: AnyBroker, codec: str
) -> None:
    target = codec_topics[codec]
    assert batch_codecs(broker, target.topic) == {CODECS[codec][0]}
    run: AuditRun = replayed(broker, target.topic)
    assert run.read == EVENTS
    assert run.report()["events"]["rejected"] > 0  # the bad lines, read through the codec
    m = target.worker.wait_for(
        lambda m: total(m, "carepulse_events_read_total") == EVENTS, timeout_seconds=60
    )
    assert total(m, "carepulse_partitions_owned") == target.partitions
    assert_metrics_equal_replay(m, run)
    assert target.worker.process is not None and target.worker.process.poll() is None
