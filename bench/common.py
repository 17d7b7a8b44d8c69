"""Shared pieces of the live-worker benchmarks (worker_drain, latency,
memory_per_conversation): the cached simulated file, fast topic loading, configuration
files for `carepulse worker`, and a worker child process (streams.testing.worker, the
harness the tests and the demo use too) with cheap scrapes of its /metrics (`sums`).

Not a benchmark itself; the scripts import it as `common` (they run as
`python bench/NAME.py`, so bench/ is on sys.path).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import signal
import statistics
import subprocess
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import murmur2

from streams.config import load_config
from streams.kafka.produce import record_key
from streams.testing import simulate
from streams.testing.simulate import write_file
from streams.testing.worker import WorkerProcess

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = Path(__file__).resolve().parent / "out"
EXAMPLE_CONFIG = REPO / "examples" / "carepulse.toml"
PARTITIONS = 4
BATCH_BYTES = 512 * 1024
LIVE_SECTIONS = frozenset({"kafka", "metrics", "worker"})
_SECTION = re.compile(r"^\s*\[+\s*([A-Za-z0-9_\-]+)")


def simulated_file(events: int, seed: int) -> Path:
    """The simulated file for (events, seed), generated once into bench/out/ by this
    version of the simulator (its name carries a digest of simulate.py, so a changed
    simulator never reuses a file an older one wrote)."""
    version = hashlib.sha256(Path(simulate.__file__).read_bytes()).hexdigest()[:12]
    path = OUT_DIR / f"sim-{events}-seed{seed}-{version}.jsonl"
    if not path.exists():
        OUT_DIR.mkdir(exist_ok=True)
        started = time.perf_counter()
        write_file(path, events, seed)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def partition_of(key: bytes | None, line_number: int, cache: dict[bytes, int]) -> int:
    """murmur2 of the key, as kafka-python, aiokafka and Java producers place keyed records."""
    if key is None:
        return line_number % PARTITIONS
    partition = cache.get(key)
    if partition is None:
        partition = cache[key] = (murmur2(key) & 0x7FFFFFFF) % PARTITIONS
    return partition


def keyed_records(path: Path) -> Iterator[tuple[int, bytes | None, bytes]]:
    """(partition, key, value) of every non-blank line, keyed by conversation_id."""
    cache: dict[bytes, int] = {}
    with path.open("rb") as source:
        for line_number, line in enumerate(source, 1):
            value = line.rstrip(b"\r\n")
            if not value.strip():
                continue
            key = record_key(value)
            yield partition_of(key, line_number, cache), key, value


async def fill_topic(url: str, topic: str, records: Iterable[tuple[int, bytes | None, bytes]]
                     ) -> int:
    """Multi-record batches via `create_batch`/`send_batch` (~100x kafka-python's speed);
    returns how many records the broker acknowledged."""
    producer = AIOKafkaProducer(bootstrap_servers=url, max_batch_size=BATCH_BYTES,
                                max_request_size=2 * BATCH_BYTES, acks="all")
    await producer.start()
    try:
        batches = [producer.create_batch() for _ in range(PARTITIONS)]
        pending: list[asyncio.Future[object]] = []
        sent = 0
        for partition, key, value in records:
            if batches[partition].append(key=key, value=value, timestamp=None) is None:
                batches[partition].close()
                pending.append(await producer.send_batch(
                    batches[partition], topic, partition=partition))
                batches[partition] = producer.create_batch()
                batches[partition].append(key=key, value=value, timestamp=None)
            sent += 1
        for partition, batch in enumerate(batches):
            if batch.record_count():
                batch.close()
                pending.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*pending)
        return sent
    finally:
        await producer.stop()


async def read_topic_plainly(url: str, topic: str) -> tuple[int, float, float, float]:
    """The plain aiokafka ceiling: (records, start, first record, last record) in
    time.monotonic() seconds, counting only. The fetch high watermark gives the end (the
    embedded broker's ListOffsets "latest" is short after multi-record batches)."""
    started = time.monotonic()
    consumer = AIOKafkaConsumer(bootstrap_servers=url, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                fetch_max_wait_ms=5,
                                max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    try:
        await consumer.topics()
        partitions = [TopicPartition(topic, p)
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        active = set(partitions)
        count, first, last = 0, 0.0, 0.0
        while active:
            batch = await consumer.getmany(timeout_ms=100, max_records=10_000)
            for records in batch.values():
                if records:
                    last = time.monotonic()
                    if not count:
                        first = last
                    count += len(records)
            for tp in list(active):
                end = consumer.highwater(tp)
                if end is not None and await consumer.position(tp) >= end:
                    consumer.pause(tp)
                    active.discard(tp)
        return count, started, first, last
    finally:
        await consumer.stop()


def base_config_text(path: Path | None) -> str:
    """The configuration file without its [kafka], [metrics] and [worker] sections (the
    benchmark writes its own)."""
    if path is None:
        return ""
    kept: list[str] = []
    skipping = False
    for line in path.read_text(encoding="utf-8").splitlines():
        header = _SECTION.match(line)
        if header:
            skipping = header.group(1) in LIVE_SECTIONS
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


def write_worker_config(path: Path, base: Path | None, app_id: str, input_topic: str,
                        metrics_port: int, checkpoint_events: int = 5000,
                        worker_toml: str = "") -> Path:
    """A configuration with its own consumer group, changelog and output topics;
    `worker_toml` adds lines to its [worker] section."""
    path.write_text(
        base_config_text(base)
        + f'\n[kafka]\napp_id = "{app_id}"\ninput_topic = "{input_topic}"\n'
        f'dlq_topic = "{app_id}.dlq"\nalerts_topic = "{app_id}.alerts"\n'
        f"partitions = {PARTITIONS}\n"
        f'[metrics]\nhost = "127.0.0.1"\nport = {metrics_port}\n'
        f"[worker]\ncheckpoint_events = {checkpoint_events}\n{worker_toml}",
        encoding="utf-8",
    )
    load_config(path)  # fail here, not in the child, if the merge broke something
    return path


def bench_worker(config: Path, broker_url: str, metrics_port: int, workdir: Path,
                 pin: bool = True) -> WorkerProcess:
    """A worker whose working directory is `workdir`, logging to <config stem>.log there,
    pinned to core 0 unless `pin` is False (streams.testing.worker)."""
    return WorkerProcess(config, broker_url, metrics_port, workdir / f"{config.stem}.log",
                         cwd=workdir, pin=pin)


def stop_child(process: subprocess.Popen[bytes], timeout_seconds: float = 30.0) -> None:
    """SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
