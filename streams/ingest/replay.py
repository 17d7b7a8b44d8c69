"""`carepulse bridge replay`: the mapping applied again to a raw topic's history.

Why: the raw topics keep what the help desk sent, untouched, so a fixed or extended
mapping can be re-applied to every delivery since the beginning (or since an instant):
the events go to the input topic, or to a fresh topic (`--topic`) that
`carepulse replay --topic` audits or a new worker counts. Events the mapping made before
carry the same event ids (they derive from the help desk's ids), so on the input topic
the worker counts them as duplicates; only what is new counts.

It reads each partition of the raw topic with the side-topic reader
(`streams.kafka.reader`: from the beginning to the end as of the start, in offset order;
records arriving meanwhile are the translator's), and waits for the broker's
acknowledgement of everything it produced before it reports. `--since` compares each
raw record's timestamp: when the gateway wrote it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer

from streams.bridge.platforms import Platform
from streams.kafka.dlq import dead_letter
from streams.kafka.reader import Record, read_side_topic
from streams.kafka.topics import admin_client, ensure_topic

MAX_REQUEST_BYTES = 1_048_576  # kafka-python's default max_request_size


@dataclass(frozen=True)
class ReplayTarget:
    bootstrap_servers: str
    raw_topic: str
    events_topic: str
    events_partitions: int
    dlq_topic: str
    security: Mapping[str, Any]


def replay_raw(target: ReplayTarget, platform: Platform, settings: Any,
               since_ms: int | None) -> Counter[str]:
    """Counts: `deliveries` read, `events` produced, `ignored`, `dead_lettered`."""
    with admin_client(target.bootstrap_servers, target.security,
                      client_id="carepulse-bridge-replay") as admin:
        ensure_topic(admin, target.events_topic, target.events_partitions)
        ensure_topic(admin, target.dlq_topic, 1)
    producer = KafkaProducer(bootstrap_servers=target.bootstrap_servers, acks="all",
                             enable_idempotence=True, client_id="carepulse-bridge-replay",
                             **target.security)
    counts: Counter[str] = Counter()
    failures: list[BaseException] = []

    def on_record(record: Record) -> None:
        if since_ms is None or record.timestamp >= since_ms:
            _replay_one(target, platform, settings, producer, record, counts, failures)

    try:
        read_side_topic(target.bootstrap_servers, target.raw_topic, on_record, follow=False,
                        security=target.security)
        producer.flush()
    finally:
        producer.close()
    if failures:
        raise RuntimeError(f"{len(failures):,} records were not acknowledged: {failures[0]}")
    return counts


def _replay_one(target: ReplayTarget, platform: Platform, settings: Any,
                producer: KafkaProducer, record: Record, counts: Counter[str],
                failures: list[BaseException]) -> None:
    counts["deliveries"] += 1
    translation = platform.translate(record.value or b"", settings)
    if translation.rejected is not None:
        key, value, headers = dead_letter(translation.rejected, record.topic, record.partition,
                                          record.offset, record.key, record.value,
                                          MAX_REQUEST_BYTES)
        producer.send(target.dlq_topic, key=key, value=value, headers=headers).add_errback(
            failures.append)
        counts["dead_lettered"] += 1
        return
    if translation.ignored is not None:
        counts["ignored"] += 1
    for key, value in translation.records():
        producer.send(target.events_topic, key=key, value=value).add_errback(failures.append)
        counts["events"] += 1
