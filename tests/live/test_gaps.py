"""Reading a skipped range of the input topic (streams/kafka/gaps.py) on a real broker."""

from __future__ import annotations

import asyncio

import pytest
from kafka import KafkaProducer

from streams.config import KafkaConfig
from streams.kafka.broker import EmbeddedBroker
from streams.kafka.gaps import read_range
from streams.kafka.produce import ensure_topic_at

pytestmark = pytest.mark.broker


def test_a_range_of_offsets_is_read_exactly(embedded_broker: EmbeddedBroker) -> None:
    ensure_topic_at(embedded_broker.url, "gaps.events", 2)
    producer = KafkaProducer(bootstrap_servers=embedded_broker.url)
    for number in range(10):
        producer.send("gaps.events", value=b"record-%d" % number, partition=1)
    producer.flush()
    producer.close()
    kafka = KafkaConfig(bootstrap_servers=embedded_broker.url)
    records = asyncio.run(read_range(kafka, "gaps.events", 1, 3, 7))
    assert [(r.offset, r.value) for r in records] == [
        (3, b"record-3"), (4, b"record-4"), (5, b"record-5"), (6, b"record-6")
    ]
