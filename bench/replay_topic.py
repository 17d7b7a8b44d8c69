"""Events/s of `carepulse replay --topic` against the ceiling of a plain aiokafka reader.

Fills a 4-partition topic on a fresh embedded broker with simulated events (aiokafka
`send_batch`, keyed by conversation_id like `carepulse produce`, in multi-record batches,
so the broker's short ListOffsets answer is present), then measures in the same run:

  (a) a plain aiokafka `getmany` loop reading the whole topic, counting records only
      (in a child process, timed from the consumer's start to the last record);
  (b) `carepulse replay --topic` end to end (process start, read, validation, core, report);
  (c) for reference, `carepulse replay --input` of the same file: (b) cannot beat it by much,
      validation and the core are most of the work, and this shared 2-core machine is noisy.

Usage: python bench/replay_topic.py [--events N] [--runs R] [--seed S] [--profile]
The JSONL file is cached under bench/out/. Measured processes are pinned to core 0 when
`taskset` exists (the broker runs unpinned). Prints each run, the medians, and b/a.
Target for (b): >= 100,000 events/s for 1,000,000 events.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import (
    OUT_DIR,
    PARTITIONS,
    fill_topic,
    keyed_records,
    read_topic_plainly,
    simulated_file,
)

from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.produce import ensure_topic_at
from streams.testing.worker import pinned

TOPIC = "bench.events"
TARGET_EVENTS_PER_SECOND = 100_000


def plain_reader_rate(url: str, events: int) -> float:
    output = subprocess.run(
        pinned([sys.executable, __file__, "--count-only", url]),
        check=True, capture_output=True, text=True,
    ).stdout.split()
    count, seconds = int(output[0]), float(output[1])
    if count != events:
        raise SystemExit(f"plain reader counted {count:,} records, expected {events:,}")
    return count / seconds


def replay_rate(source: list[str], events: int, profile: Path | None = None) -> float:
    command = [sys.executable, "-m", "streams.cli", "replay", *source, "--out", "/dev/null"]
    if profile is not None:
        command[1:1] = ["-m", "cProfile", "-o", str(profile)]
    started = time.perf_counter()
    subprocess.run(pinned(command), check=True)
    return events / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true",
                        help="also write a cProfile of one replay to bench/out/")
    parser.add_argument("--count-only", metavar="BROKER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_only:
        count, started, _, last = asyncio.run(read_topic_plainly(args.count_only, TOPIC))
        print(count, last - started)
        return
    path = simulated_file(args.events, args.seed)
    with EmbeddedBroker(port=free_port()) as broker:
        ensure_topic_at(broker.url, TOPIC, PARTITIONS)
        started = time.perf_counter()
        sent = asyncio.run(fill_topic(broker.url, TOPIC, keyed_records(path)))
        fill_seconds = time.perf_counter() - started
        print(f"filled {TOPIC} with {sent:,} events in {fill_seconds:.1f} s "
              f"({sent / fill_seconds:,.0f}/s)")
        topic_source = ["--topic", TOPIC, "--broker", broker.url]
        plain, replay, from_file = [], [], []
        for index in range(args.runs):
            plain.append(plain_reader_rate(broker.url, sent))
            replay.append(replay_rate(topic_source, sent))
            from_file.append(replay_rate(["--input", str(path)], sent))
            print(f"  run {index + 1}: (a) plain getmany {plain[-1]:,.0f}, "
                  f"(b) replay --topic {replay[-1]:,.0f}, "
                  f"(c) replay --input {from_file[-1]:,.0f} events/s")
        plain_median, replay_median = statistics.median(plain), statistics.median(replay)
        file_median = statistics.median(from_file)
        print(f"median (a) plain getmany:            {plain_median:,.0f} events/s")
        print(f"median (b) carepulse replay --topic: {replay_median:,.0f} events/s "
              f"(target >= {TARGET_EVENTS_PER_SECOND:,})")
        print(f"median (c) carepulse replay --input: {file_median:,.0f} events/s")
        print(f"ratio b/a: {replay_median / plain_median:.2f}, "
              f"b/c: {replay_median / file_median:.2f}")
        if args.profile:
            profile = OUT_DIR / "replay_topic.prof"
            replay_rate(topic_source, sent, profile)
            print(f"profile: {profile} (python -m pstats {profile})")


if __name__ == "__main__":
    main()
