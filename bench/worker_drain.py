"""Events/s of `carepulse worker` draining a backlog, against a bare Faust agent and a
plain aiokafka reader on the same topic, in the same run.

Fills a 4-partition topic on a fresh embedded broker with N simulated events (aiokafka
`send_batch`, keyed by conversation_id; the JSONL file is cached under bench/out/), then,
R times, each reader on a fresh consumer group:

  (a) a bare Faust agent (defined here, run as `worker_drain.py --bare-agent` in a child,
      with the worker's own Faust settings): raw bytes, counts records per key in a dict,
      no table; reports when it has seen all N;
  (b) `carepulse worker` (child, configuration of its own: unique app_id, DLQ and
      alerts topics, checkpoint_events 5000) until its /metrics shows the final values:
      every `*_total` and `*_count` sample summed over labels equals what the same
      records give when applied in-process to one `PartitionState` per partition and
      read through the worker's own collector (only events after the last one that
      moves a counter, e.g. a trailing `conversation.assigned`, are not observable);
  (c) a plain aiokafka `getmany` loop counting records (child, no consumer group).

Every rate is N / (time of the last event - time of the first event seen), so start-up
(group join, recovery) is excluded and printed separately, from process start. The worker
is timed by scraping /metrics: every 50 ms until the first event shows, then at half the
estimated time left, never more often than every --poll-seconds (the end is seen within
that resolution); scrapes run on the worker's event loop, so their number and mean time
are printed. Measured processes are pinned to core 0 when `taskset` exists (not with --no-pin).

Usage: python bench/worker_drain.py [--events N] [--runs R] [--seed S] [--config FILE]
                                    [--poll-seconds P] [--no-pin]
Defaults: 1,000,000 events, 3 runs, examples/carepulse.toml for the KPI sections
(`--config none` for the built-in defaults). Prints each run, the medians and the ratio
worker / bare Faust (target >= 0.7).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from common import (
    EXAMPLE_CONFIG,
    PARTITIONS,
    bench_worker,
    fill_topic,
    keyed_records,
    median,
    read_topic_plainly,
    simulated_file,
    stop_child,
    write_worker_config,
)
from prometheus_client import CollectorRegistry, generate_latest

from streams import core_runs
from streams.config import CarePulseConfig, load_config
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.produce import ensure_topic_at
from streams.live.fetch_wait import FetchWait
from streams.metrics.collector import WorkerCollector
from streams.state.partition import PartitionState
from streams.testing.worker import metric_sums, pinned

TOPIC = "bench.drain.events"
TARGET_RATIO = 0.7
RESULT = "RESULT"
FIRST_EVENT_POLL_SECONDS = 0.05
MAX_POLL_SECONDS = 5.0


# --- (a) the bare Faust agent, in its own process ---------------------------------------

def run_bare_agent(url: str, topic: str, app_id: str, events: int) -> None:
    """Prints `RESULT count start first last keys` (time.monotonic, system-wide on Linux)
    once `events` records were seen, then keeps running until the parent stops it."""
    import faust

    from streams.live.settings import faust_settings

    started = time.monotonic()
    config = CarePulseConfig.model_validate(
        {"kafka": {"bootstrap_servers": url, "app_id": app_id, "partitions": PARTITIONS}})
    app = faust.App(app_id, **faust_settings(config))
    source = app.topic(topic, key_type=bytes, value_type=bytes, key_serializer="raw",
                       value_serializer="raw", partitions=PARTITIONS)
    counts: dict[bytes | None, int] = {}

    async def count(stream: Any) -> None:
        seen, first = 0, 0.0
        async for key, _ in stream.items():
            if not seen:
                first = time.monotonic()
            counts[key] = counts.get(key, 0) + 1
            seen += 1
            if seen == events:
                fields = (RESULT, seen, started, first, time.monotonic(), len(counts))
                # Faust's worker turns print() into log lines: straight to fd 1.
                os.write(1, (" ".join(map(str, fields)) + "\n").encode())

    app.agent(source, name="count")(count)
    faust.Worker(app, loglevel="warning", quiet=True).execute_from_commandline()


# --- (c) the plain aiokafka reader, in its own process ----------------------------------

async def plain_read(url: str, topic: str) -> None:
    """Prints `RESULT count start first last` (time.monotonic() seconds)."""
    count, started, first, last = await read_topic_plainly(url, topic)
    print(RESULT, count, started, first, last, flush=True)


# --- the parent -------------------------------------------------------------------------

def child_result(command: list[str], workdir: Path, name: str, timeout_seconds: float,
                 pin: bool) -> list[str]:
    """Runs `command`, waits for its RESULT line, stops it; the line's fields."""
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(pinned(command) if pin else command, stdout=out,
                                   stderr=subprocess.STDOUT, cwd=workdir)
    deadline = time.monotonic() + timeout_seconds
    try:
        while True:
            for line in log.read_text(errors="replace").splitlines():
                at = line.find(RESULT + " ")  # after Faust's terminal escapes, if any
                if at >= 0:
                    return line[at:].split()[1:]
            if process.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
                raise SystemExit(f"{name}: no result (exit {process.poll()}); log:\n{tail}")
            time.sleep(0.05)
    finally:
        stop_child(process)


def bare_faust(url: str, events: int, workdir: Path, name: str, timeout_seconds: float,
               pin: bool) -> tuple[float, float]:
    """(events/s, start-up seconds)."""
    fields = child_result(
        [sys.executable, __file__, "--bare-agent", url, TOPIC, name, str(events)],
        workdir, name, timeout_seconds, pin)
    count, (started, first, last) = int(fields[0]), map(float, fields[1:4])
    if count != events:
        raise SystemExit(f"bare agent counted {count:,} records, expected {events:,}")
    return count / (last - first), first - started


def plain_reader(url: str, events: int, workdir: Path, name: str, timeout_seconds: float,
                 pin: bool) -> tuple[float, float]:
    fields = child_result([sys.executable, __file__, "--plain-reader", url, TOPIC],
                          workdir, name, timeout_seconds, pin)
    count, (started, first, last) = int(fields[0]), map(float, fields[1:4])
    if count != events:
        raise SystemExit(f"plain reader counted {count:,} records, expected {events:,}")
    return count / (last - first), first - started


def expected_metrics(path: Path, config: CarePulseConfig) -> dict[str, float]:
    """The `*_total` and `*_count` sums the worker shows once it applied every record:
    the same records through one PartitionState per partition and the worker's own
    collector."""
    states = {p: PartitionState(p, config) for p in range(PARTITIONS)}
    offsets = [0] * PARTITIONS
    for partition, _, value in keyed_records(path):
        states[partition].apply(offsets[partition], value)
        offsets[partition] += 1
    fake_worker: Any = SimpleNamespace(states=states, owned=set(states), config=config,
                                       fetch_wait=FetchWait(), topic_partitions=PARTITIONS,
                                       recovering=0)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkerCollector(fake_worker))
    sums = metric_sums(generate_latest(registry).decode())
    return {name: value for name, value in sums.items()
            if name.endswith(("_total", "_count"))}


def progress(sums: dict[str, float], expected: dict[str, float]) -> float:
    return sum(sums.get(name, 0.0) for name in expected)


def worker_drain(url: str, events: int, config_base: Path | None, expected: dict[str, float],
                 workdir: Path, name: str, poll_seconds: float, timeout_seconds: float,
                 pin: bool) -> tuple[float, float, float, float, int]:
    """(events/s, seconds to /metrics, seconds to the first event, mean scrape ms,
    scrapes)."""
    port = free_port()
    config = write_worker_config(workdir / f"{name}.toml", config_base, name, TOPIC, port)
    worker = bench_worker(config, url, port, workdir, pin).start()
    target = progress(expected, expected)
    metrics_at = first_at = 0.0
    scrape_seconds: list[float] = []
    deadline = time.monotonic() + timeout_seconds
    try:
        while True:
            worker.check_alive()
            before = time.monotonic()
            sums = worker.sums()
            now = time.monotonic()
            if sums is not None:
                scrape_seconds.append(now - before)
                metrics_at = metrics_at or now
                done = progress(sums, expected)
                if done and not first_at:
                    first_at = now
                if all(sums.get(key) == value for key, value in expected.items()):
                    break
                if done > target:
                    raise SystemExit(f"{name}: counted more than expected: {sums}")
            if now > deadline:
                shown = {key: sums.get(key) for key in expected} if sums else None
                raise SystemExit(f"{name}: not drained in {timeout_seconds:.0f} s "
                                 f"(expected {expected}, last scrape {shown}); "
                                 f"log: {worker.log}")
            time.sleep(next_poll_seconds(now, first_at, done if sums else 0.0, target,
                                         poll_seconds))
    finally:
        worker.stop()
    print(f"    {worker.log_problems()}", flush=True)
    rate = events / (now - first_at)
    return (rate, metrics_at - worker.started_at, first_at - worker.started_at,
            1000 * sum(scrape_seconds) / len(scrape_seconds), len(scrape_seconds))


def next_poll_seconds(now: float, first_at: float, done: float, target: float,
                      poll_seconds: float) -> float:
    """Fast until the first event shows; then half the estimated time left (at most
    MAX_POLL_SECONDS), never below `poll_seconds`: a scrape runs on the worker's loop
    and costs it tens of ms with 100k+ conversations, so a drain is scraped a few dozen
    times, densely only near its end."""
    if not first_at:
        return FIRST_EVENT_POLL_SECONDS
    if done <= 0 or now <= first_at:
        return poll_seconds
    left_seconds = (target - done) / (done / (now - first_at))
    return max(poll_seconds, min(left_seconds / 2, MAX_POLL_SECONDS))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--config", default=str(EXAMPLE_CONFIG),
                        help="KPI sections from this TOML file, or 'none' "
                             "(default: examples/carepulse.toml)")
    parser.add_argument("--poll-seconds", type=float, default=0.25,
                        help="scrape interval while the worker drains (default 0.25)")
    parser.add_argument("--no-pin", action="store_true",
                        help="do not pin the measured processes to core 0 (use when "
                             "something else is pinned there)")
    parser.add_argument("--bare-agent", nargs=4, metavar=("BROKER", "TOPIC", "APP", "N"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--plain-reader", nargs=2, metavar=("BROKER", "TOPIC"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_agent:
        url, topic, app_id, count = args.bare_agent
        run_bare_agent(url, topic, app_id, int(count))
        return
    if args.plain_reader:
        asyncio.run(plain_read(*args.plain_reader))
        return

    config_base = None if args.config == "none" else Path(args.config)
    pin = not args.no_pin
    path = simulated_file(args.events, args.seed)
    with tempfile.TemporaryDirectory(prefix="carepulse-drain-") as scratch:
        workdir = Path(scratch)
        probe = write_worker_config(workdir / "probe.toml", config_base, "probe", TOPIC, 0)
        started = time.perf_counter()
        expected = expected_metrics(path, load_config(probe))
        print(f"expected final metrics from an in-process PartitionState run in "
              f"{time.perf_counter() - started:.1f} s: messages_received "
              f"{expected.get('carepulse_messages_received_total', 0):,.0f}, "
              f"replies_sent {expected.get('carepulse_replies_sent_total', 0):,.0f}",
              flush=True)
        with EmbeddedBroker(port=free_port()) as broker:
            ensure_topic_at(broker.url, TOPIC, PARTITIONS)
            started = time.perf_counter()
            sent = asyncio.run(fill_topic(broker.url, TOPIC, keyed_records(path)))
            fill_seconds = time.perf_counter() - started
            print(f"filled {TOPIC} ({PARTITIONS} partitions) with {sent:,} events in "
                  f"{fill_seconds:.1f} s ({sent / fill_seconds:,.0f}/s); "
                  f"config: {config_base or 'built-in defaults'}; the core runs {core_runs()}",
                  flush=True)
            timeout_seconds = 120 + sent / 1000
            bare, live, plain = [], [], []
            for run in range(1, args.runs + 1):
                tag = f"drain{run}-{os.getpid()}"
                rate, startup = bare_faust(broker.url, sent, workdir, f"bare-{tag}",
                                           timeout_seconds, pin)
                bare.append(rate)
                print(f"  run {run}: (a) bare Faust agent   {rate:>9,.0f} events/s "
                      f"(first event {startup:.1f} s after process start)", flush=True)
                rate, metrics_s, first_s, scrape_ms, scrapes = worker_drain(
                    broker.url, sent, config_base, expected, workdir, f"worker-{tag}",
                    args.poll_seconds, timeout_seconds, pin)
                live.append(rate)
                print(f"  run {run}: (b) carepulse worker   {rate:>9,.0f} events/s "
                      f"(/metrics up {metrics_s:.1f} s, first event {first_s:.1f} s after "
                      f"process start; {scrapes} scrapes of {scrape_ms:.1f} ms on average)",
                      flush=True)
                rate, startup = plain_reader(broker.url, sent, workdir, f"plain-{tag}",
                                             timeout_seconds, pin)
                plain.append(rate)
                print(f"  run {run}: (c) plain aiokafka     {rate:>9,.0f} events/s "
                      f"(first record {startup:.1f} s after process start)", flush=True)
    bare_median, live_median, plain_median = median(bare), median(live), median(plain)
    print(f"median (a) bare Faust agent: {bare_median:,.0f} events/s")
    print(f"median (b) carepulse worker: {live_median:,.0f} events/s")
    print(f"median (c) plain aiokafka:   {plain_median:,.0f} events/s")
    ratio = live_median / bare_median
    print(f"summary: {sent:,} events x {args.runs} runs: worker {live_median:,.0f}/s, "
          f"bare Faust {bare_median:,.0f}/s, plain aiokafka {plain_median:,.0f}/s; "
          f"worker/bare Faust = {ratio:.2f} (target >= {TARGET_RATIO})")


if __name__ == "__main__":
    main()
