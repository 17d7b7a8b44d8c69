"""10,000 malformed records of many kinds mixed into valid traffic on Kafka: every one is
in the DLQ untouched with its reason, the counts by reason are exact, the valid events
give exactly the KPIs of their own replay, and the worker's agent never restarts."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas.rejections import REJECT_REASONS
from streams.audit.replay import replay_lines
from streams.audit.report import AuditRun
from streams.config import CarePulseConfig
from streams.kafka.produce import ensure_topic_at
from streams.testing.simulate import generate_lines
from tests.live.fixtures import (
    AnyBroker,
    WorkerProcess,
    assert_metrics_equal_replay,
    read_topic,
    replayed,
    total,
)
from tests.malformed import Malformed, malformed_records

pytestmark = pytest.mark.broker

VALID_EVENTS = 20_000
BAD_RECORDS = 10_000
MAX_RECORD_BYTES = 40_000  # configured: records of 40,001 to 65,536 bytes are too large
HUGE_RECORD_BYTES = 1_020_000
"""Above the worker's producer limit (1,000,000 bytes), below Apache Kafka's default
message limit (1,048,588 bytes)."""
Sent = tuple[Malformed | None, int, int]  # the bad record (None if valid), partition, offset


def produce(broker: AnyBroker, topic: str, records: list[tuple[bytes | None, bytes | None,
                                                               Malformed | None]]) -> list[Sent]:
    """Sends in order; returns where each record landed."""
    ensure_topic_at(broker.url, topic, 4)
    producer = KafkaProducer(bootstrap_servers=broker.url, linger_ms=5, batch_size=256 * 1024,
                             max_request_size=4 * HUGE_RECORD_BYTES)
    futures = [(producer.send(topic, key=key, value=value), bad)
               for key, value, bad in records]
    producer.flush(timeout=60)
    producer.close()
    sent = []
    for future, bad in futures:
        metadata = future.get(timeout=10)
        sent.append((bad, metadata.partition, metadata.offset))
    return sent


def huge_records(valid: list[bytes]) -> list[Malformed]:
    """Records too large even for a dead-letter copy: the DLQ gets a reference."""
    body = orjson.loads(valid[0])
    return [
        Malformed(key, orjson.dumps({**body, "event_id": "h" * HUGE_RECORD_BYTES}),
                  "too_large", "")
        for key in (str(body["conversation_id"]).encode(), None)
    ]


def kpis(run: AuditRun) -> dict[str, Any]:
    """The report without the input counts (and the digest over them)."""
    return {key: value for key, value in run.report().items()
            if key not in ("events", "digest")}


def test_ten_thousand_bad_records_are_dead_lettered_exactly_and_change_no_kpi(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    valid = list(generate_lines(VALID_EVENTS, seed=21))
    bad = malformed_records(valid, BAD_RECORDS, 22, MAX_RECORD_BYTES) + huge_records(valid)
    rng = random.Random(23)
    mixed: list[tuple[bytes | None, bytes | None, Malformed | None]] = [
        (orjson.loads(line)["conversation_id"].encode(), line, None) for line in valid
    ]
    for record in bad:  # each at a random place; valid events keep their order
        mixed.insert(rng.randrange(len(mixed) + 1), (record.key, record.value, record))
    expected = Counter(record.reason for record in bad)
    assert len(expected) == len(REJECT_REASONS)  # every reason is exercised

    limits = f"[limits]\nmax_record_bytes = {MAX_RECORD_BYTES}\n"
    worker = start_worker("badinput", limits, checkpoint_events=2000)
    sent = produce(broker, "badinput.events", mixed)
    config = CarePulseConfig.model_validate({"limits": {"max_record_bytes": MAX_RECORD_BYTES}})
    run = replayed(broker, "badinput.events", config)
    assert run.rejected == expected
    assert any(MAX_RECORD_BYTES < len(record.value or b"") <= 65_536 for record in bad)
    valid_only = AuditRun(config)
    replay_lines(iter(valid), valid_only)
    assert kpis(run) == kpis(valid_only)

    m = worker.wait_for(
        lambda m: total(m, "carepulse_events_read_total") == len(mixed), timeout_seconds=120
    )
    for reason in REJECT_REASONS:
        assert total(m, "carepulse_events_rejected_total", reason=reason) == expected[reason]
    assert_metrics_equal_replay(m, run)

    dead = read_topic(broker, "badinput.dlq", expected=len(bad))
    assert len(dead) == len(bad)
    where = {(partition, offset): record for record, partition, offset in sent if record}
    for letter in dead:
        headers = dict(letter.headers)
        assert headers["carepulse-source-topic"] == b"badinput.events"
        source = (int(headers["carepulse-source-partition"]),
                  int(headers["carepulse-source-offset"]))
        record = where.pop(source)
        assert (headers["carepulse-reason"].decode(), headers["carepulse-field"].decode()) == (
            record.reason, record.field)
        if record.value is not None and len(record.value) >= HUGE_RECORD_BYTES:
            assert (letter.key, letter.value) == (None, b"")
            assert int(headers["carepulse-value-bytes"]) == len(record.value)
            assert source_value(broker, "badinput.events", *source) == record.value
        else:
            assert (letter.key, letter.value) == (record.key, record.value)  # untouched
    assert where == {}  # every bad record has its dead letter, none has two

    log = worker.log.read_text(errors="replace")
    assert worker.process is not None and worker.process.poll() is None
    assert "Restarting dead" not in log and "crash" not in log.lower()
    assert "Traceback" not in log
    pids = set(re.findall(r"^\[[\d\- :,]+\] \[(\d+)\]", log, re.MULTILINE))
    assert pids == {str(worker.process.pid)}  # one process throughout
    assert worker.stop() == 0


def source_value(broker: AnyBroker, topic: str, partition: int, offset: int) -> bytes | None:
    consumer = KafkaConsumer(bootstrap_servers=broker.url, fetch_max_bytes=8 * HUGE_RECORD_BYTES,
                             max_partition_fetch_bytes=8 * HUGE_RECORD_BYTES)
    where = TopicPartition(topic, partition)
    consumer.assign([where])
    consumer.seek(where, offset)
    record = next(iter(consumer.poll(timeout_ms=10_000, max_records=1).values()))[0]
    consumer.close()
    value: bytes | None = record.value
    return value
