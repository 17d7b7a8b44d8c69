"""How fast a worker holding many conversations is back after SIGKILL.

Sets up what a crashed worker leaves behind, without draining millions of events
through Faust first: CONVERSATIONS conversations (a customer message and an agent reply
each) are produced to the input topic, applied in this process to one PartitionState per
partition (the worker's own code), checkpointed to the changelog exactly as the worker
writes it (data records, a flush, then each partition's meta record alone), and the
group's offsets committed where the checkpoints end. Then a `carepulse worker` is started,
killed with SIGKILL once ready, and started again, RESTARTS times; each start prints the
seconds to its first /metrics answer and to ready (every partition owned and restored,
all conversations in memory).

    python bench/restart.py [--conversations 1000000] [--restarts 3]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
from aiokafka import AIOKafkaProducer
from common import (
    PARTITIONS,
    WorkerProcess,
    bench_worker,
    fill_topic,
    median,
    partition_of,
    write_worker_config,
)
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from streams.config import CarePulseConfig
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.topics import changelog_topic_name, prepare_topics
from streams.state.partition import PartitionState

APP_ID = "restart-bench"
TOPIC = "restart-bench.events"
READY_TIMEOUT_SECONDS = 300.0


def events(conversations: int) -> Iterator[tuple[bytes, bytes]]:
    """(key, value): a message and, a minute later, an agent reply per conversation."""
    start_s = 1_795_000_000
    for number in range(conversations):
        conversation = f"c-{number}"
        at_s = start_s + number // 100
        for kind, offset_s, extra in (
            ("message.received", 0, {"customer_id": f"u-{number % 50_000}"}),
            ("reply.sent", 60, {"author_type": "agent", "agent_id": f"a-{number % 40}"}),
        ):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at_s + offset_s))
            yield conversation.encode(), orjson.dumps({
                "event_id": f"{conversation}-{kind}", "type": kind, "occurred_at": stamp,
                "conversation_id": conversation, "channel": "facebook", **extra,
            })


async def leave_a_crashed_worker_behind(url: str, config: CarePulseConfig,
                                        conversations: int) -> dict[int, int]:
    """The input topic, the changelog of a checkpoint covering all of it, and the
    group's committed offsets; returns each partition's next offset."""
    cache: dict[bytes, int] = {}
    keyed = [(partition_of(key, n, cache), key, value)
             for n, (key, value) in enumerate(events(conversations))]
    started = time.perf_counter()
    await fill_topic(url, TOPIC, keyed)
    print(f"produced {len(keyed):,} events in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    states = {p: PartitionState(p, config) for p in range(PARTITIONS)}
    offsets = dict.fromkeys(range(PARTITIONS), 0)
    for partition, _, value in keyed:
        states[partition].apply(offsets[partition], value)
        offsets[partition] += 1
    del keyed
    checkpoints = {p: state.checkpoint() for p, state in states.items()}
    print(f"applied and checkpointed in {time.perf_counter() - started:.1f} s", flush=True)
    changelog = changelog_topic_name(config.kafka)
    records = [(p, key, value) for p, (data, _) in checkpoints.items() for key, value in data]
    await fill_topic(url, changelog, records)
    producer = AIOKafkaProducer(bootstrap_servers=url, acks="all")
    await producer.start()
    try:
        for partition, (_, (key, value)) in checkpoints.items():
            await producer.send_and_wait(changelog, value, key=key, partition=partition)
    finally:
        await producer.stop()
    print(f"changelog: {len(records) + PARTITIONS:,} records", flush=True)
    return offsets


def commit_offsets(url: str, offsets: dict[int, int]) -> None:
    consumer = KafkaConsumer(bootstrap_servers=url, group_id=APP_ID, enable_auto_commit=False)
    try:
        consumer.commit({TopicPartition(TOPIC, p): OffsetAndMetadata(offset, "", -1)
                         for p, offset in offsets.items()})
    finally:
        consumer.close()


def time_to_ready(worker: WorkerProcess, conversations: int) -> tuple[float, float]:
    """Seconds from the process start to its first /metrics answer and to ready."""
    first_answer = None
    while time.monotonic() - worker.started_at < READY_TIMEOUT_SECONDS:
        worker.check_alive()
        sums = worker.sums()
        now = time.monotonic() - worker.started_at
        if sums is not None:
            first_answer = now if first_answer is None else first_answer
            if (sums.get("carepulse_partitions_owned") == PARTITIONS
                    and sums.get("carepulse_partitions_recovering") == 0
                    and sums.get("carepulse_conversations_in_memory") == conversations):
                return first_answer, now
        time.sleep(0.2)
    raise SystemExit(f"not ready in {READY_TIMEOUT_SECONDS:.0f} s; log {worker.log}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--restarts", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="carepulse-restart-"))
    with EmbeddedBroker(port=free_port()) as broker:
        port = free_port()
        config_path = write_worker_config(workdir / "worker.toml", None, APP_ID, TOPIC, port)
        from streams.config import load_config

        config = load_config(config_path)
        config = config.model_copy(update={"kafka": config.kafka.model_copy(
            update={"bootstrap_servers": broker.url})})
        prepare_topics(config)
        offsets = asyncio.run(leave_a_crashed_worker_behind(broker.url, config,
                                                            args.conversations))
        commit_offsets(broker.url, offsets)
        firsts, readies = [], []
        for run in range(args.restarts + 1):
            worker = bench_worker(config_path, broker.url, port, workdir, pin=False).start()
            first, ready = time_to_ready(worker, args.conversations)
            label = "first start" if run == 0 else f"restart {run} after SIGKILL"
            print(f"{label}: /metrics after {first:.1f} s, ready after {ready:.1f} s "
                  f"({args.conversations:,} conversations)", flush=True)
            if run:
                firsts.append(first)
                readies.append(ready)
            assert worker.process is not None
            worker.process.send_signal(signal.SIGKILL)
            worker.process.wait()
        print(f"median of {args.restarts} restarts: /metrics after {median(firsts):.1f} s, "
              f"ready after {median(readies):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
