"""Delay from producing an event to seeing it counted in `carepulse worker`'s /metrics.

A worker (child process, configuration of its own; pinned to core 0 with --pin) runs on
a fresh embedded broker. Once it owns all 4 partitions and has counted a
warm-up message, an aiokafka producer offers simulated events (streams.testing.simulate, in
order, re-stamped with `occurred_at` = now, keyed by conversation_id) at --rate events/s
for --duration seconds, in small batches every --batch-ms. Meanwhile /metrics is scraped
in a tight loop (a scrape starts every --scrape-ms). For every batch holding a new
(non-duplicate) `message.received`, the delay is: the end of the first scrape whose
`carepulse_messages_received_total` (summed over channels) reaches the cumulative count
of such events sent up to and including that batch, minus the time the batch was handed
to the producer. So a delay includes the producer, the broker, Faust's fetch, the agent
and the scrape, and is an upper bound within one scrape interval plus one scrape time
(the resolution, printed).

Each scrape runs on the worker's event loop; its mean time is printed too, since the
scrape loop is part of the load it measures. With the example configuration /metrics
holds ~5,000 series and a scrape costs the worker ~20 ms: scraping every 20 ms left it
too little time for the events (the backlog grew for the whole run), so the default is
one scrape every 100 ms (Prometheus scrapes every few seconds).

Usage: python bench/latency.py [--rate R] [--duration D] [--scrape-ms MS] [--batch-ms MS]
                               [--seed S] [--config FILE] [--pin]
Defaults: 1,000 events/s for 60 s, scrapes every 100 ms, batches every 10 ms,
examples/carepulse.toml for the KPI sections (`--config none`: built-in defaults).
Prints p50, p99 and max of the delay in ms. Target: p99 <= 1,000 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiokafka import AIOKafkaProducer
from common import EXAMPLE_CONFIG, PARTITIONS, WorkerProcess, bench_worker, write_worker_config

from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.produce import ensure_topic_at
from streams.testing.simulate import generate_lines

TOPIC = "bench.latency.events"
MESSAGES = "carepulse_messages_received_total"
TARGET_P99_MS = 1000.0
READY_TIMEOUT_SECONDS = 120.0
SETTLE_TIMEOUT_SECONDS = 60.0


@dataclass
class Offer:
    """The events to send, in order, with what each adds to the counter."""

    keys: list[bytes]
    bodies: list[dict[str, Any]]
    new_messages: list[int]  # 1 for a message.received whose event_id is new, else 0


@dataclass
class Timeline:
    sends: list[tuple[float, int]] = field(default_factory=list)  # (handed over, cumulative)
    scrape_ends: list[float] = field(default_factory=list)
    scrape_values: list[float] = field(default_factory=list)
    scrape_seconds: list[float] = field(default_factory=list)


def offer(events: int, seed: int) -> Offer:
    keys, bodies, new_messages = [], [], []
    seen: set[str] = set()
    for line in generate_lines(events, seed):
        body = orjson.loads(line)
        event_id = body["event_id"]
        keys.append(body["conversation_id"].encode())
        bodies.append(body)
        new_messages.append(int(body["type"] == "message.received" and event_id not in seen))
        seen.add(event_id)
    return Offer(keys, bodies, new_messages)


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def messages_counted(text: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(MESSAGES):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def scrape_messages(session: aiohttp.ClientSession, url: str) -> float | None:
    try:
        async with session.get(url) as response:
            return messages_counted(await response.text())
    except aiohttp.ClientError:
        return None


async def wait_counted(session: aiohttp.ClientSession, url: str, at_least: float,
                       timeout_seconds: float) -> float:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        value = await scrape_messages(session, url)
        if value is not None and value >= at_least:
            return value
        await asyncio.sleep(0.05)
    raise SystemExit(f"{MESSAGES} did not reach {at_least:,.0f} in {timeout_seconds:.0f} s")


async def produce(producer: AIOKafkaProducer, events: Offer, rate: float, batch_seconds: float,
                  timeline: Timeline, baseline: float) -> list[asyncio.Future[Any]]:
    """Paced by the clock: at each tick, everything due by then, as one batch."""
    deliveries: list[asyncio.Future[Any]] = []
    total, sent, cumulative = len(events.bodies), 0, baseline
    started = time.monotonic()
    while sent < total:
        due = min(total, int((time.monotonic() - started) * rate) + 1)
        if due > sent:
            handed_at, stamp = time.monotonic(), now_text()
            for index in range(sent, due):
                body = events.bodies[index]
                body["occurred_at"] = stamp
                cumulative += events.new_messages[index]
                deliveries.append(await producer.send(
                    TOPIC, orjson.dumps(body), key=events.keys[index]))
            timeline.sends.append((handed_at, int(cumulative)))
            sent = due
        await asyncio.sleep(batch_seconds)
    return deliveries


async def scrape_loop(session: aiohttp.ClientSession, url: str, interval_seconds: float,
                      timeline: Timeline, stop: asyncio.Event) -> None:
    while not stop.is_set():
        began = time.monotonic()
        value = await scrape_messages(session, url)
        ended = time.monotonic()
        if value is not None:
            timeline.scrape_ends.append(ended)
            timeline.scrape_values.append(value)
            timeline.scrape_seconds.append(ended - began)
        await asyncio.sleep(max(0.0, interval_seconds - (ended - began)))


async def measure(url: str, metrics_url: str, events: Offer, args: argparse.Namespace
                  ) -> Timeline:
    timeline = Timeline()
    producer = AIOKafkaProducer(bootstrap_servers=url, linger_ms=0)
    await producer.start()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            warm_up = {"event_id": "warm-up", "type": "message.received",
                       "occurred_at": now_text(), "conversation_id": "warm-up",
                       "channel": "x", "customer_id": "u-warm-up"}
            await producer.send_and_wait(TOPIC, orjson.dumps(warm_up), key=b"warm-up")
            baseline = await wait_counted(session, metrics_url, 1, READY_TIMEOUT_SECONDS)
            stop = asyncio.Event()
            scraper = asyncio.create_task(
                scrape_loop(session, metrics_url, args.scrape_ms / 1000, timeline, stop))
            deliveries = await produce(producer, events, args.rate, args.batch_ms / 1000,
                                       timeline, baseline)
            await asyncio.gather(*deliveries)
            final = timeline.sends[-1][1]
            deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
            while not timeline.scrape_values or timeline.scrape_values[-1] < final:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            stop.set()
            await scraper
    finally:
        await producer.stop()
    return timeline


def delays_ms(timeline: Timeline) -> tuple[list[float], int]:
    """Per batch that added a new message: ms until the first scrape counting it; and how
    many such batches were never seen counted."""
    delays, unseen, previous = [], 0, None
    values, ends = timeline.scrape_values, timeline.scrape_ends
    for handed_at, cumulative in timeline.sends:
        if previous is not None and cumulative == previous:
            continue  # no new message in this batch: nothing to wait for
        previous = cumulative
        index = bisect_left(values, cumulative)
        if index == len(values):
            unseen += 1
        else:
            delays.append(1000 * (ends[index] - handed_at))
    return delays, unseen


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def wait_ready(worker: WorkerProcess) -> float:
    """Seconds from process start until the worker owns every partition."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        worker.check_alive()
        sums = worker.sums()
        if sums and sums.get("carepulse_partitions_owned") == PARTITIONS:
            return time.monotonic() - worker.started_at
        time.sleep(0.05)
    raise SystemExit(f"worker not ready in {READY_TIMEOUT_SECONDS:.0f} s; log: {worker.log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="events/s (default 1000)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--scrape-ms", type=float, default=100.0)
    parser.add_argument("--batch-ms", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--config", default=str(EXAMPLE_CONFIG),
                        help="KPI sections from this TOML file, or 'none' "
                             "(default: examples/carepulse.toml)")
    parser.add_argument("--pin", action="store_true",
                        help="pin the worker to core 0 (when `taskset` exists)")
    args = parser.parse_args()
    config_base = None if args.config == "none" else Path(args.config)
    events = offer(round(args.rate * args.duration), args.seed)
    with tempfile.TemporaryDirectory(prefix="carepulse-latency-") as scratch, \
            EmbeddedBroker(port=free_port()) as broker:
        workdir = Path(scratch)
        ensure_topic_at(broker.url, TOPIC, PARTITIONS)
        port = free_port()
        name = f"latency-{os.getpid()}"
        config = write_worker_config(workdir / f"{name}.toml", config_base, name, TOPIC, port)
        worker = bench_worker(config, broker.url, port, workdir, pin=args.pin).start()
        try:
            ready_seconds = wait_ready(worker)
            print(f"worker owns {PARTITIONS} partitions {ready_seconds:.1f} s after start; "
                  f"offering {len(events.bodies):,} events at {args.rate:,.0f}/s "
                  f"for {args.duration:g} s", flush=True)
            timeline = asyncio.run(measure(broker.url, worker.url, events, args))
            worker.check_alive()
        finally:
            worker.stop()
        print(worker.log_problems())
    delays, unseen = delays_ms(timeline)
    if not delays:
        raise SystemExit("no batch was seen counted")
    scrape_ms = 1000 * statistics.mean(timeline.scrape_seconds)
    gaps = [b - a for a, b in zip(timeline.scrape_ends, timeline.scrape_ends[1:], strict=False)]
    interval_ms = 1000 * statistics.median(gaps) if gaps else float("nan")
    p50, p99 = percentile(delays, 0.5), percentile(delays, 0.99)
    print(f"batches with a new message.received: {len(delays) + unseen:,} "
          f"({unseen} never seen counted)")
    print(f"scrapes: {len(timeline.scrape_ends):,}, median interval {interval_ms:.1f} ms, "
          f"mean scrape {scrape_ms:.1f} ms (resolution ~{interval_ms + scrape_ms:.0f} ms)")
    print(f"delay produce -> counted in /metrics: p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
          f"max {max(delays):.0f} ms")
    tenths = [delays[len(delays) * i // 10:len(delays) * (i + 1) // 10] for i in range(10)]
    print("p50 by tenth of the run (ms; a rising series means a growing backlog): "
          + " ".join(f"{percentile(part, 0.5):.0f}" for part in tenths if part))
    print(f"summary: {args.rate:,.0f} events/s for {args.duration:g} s: p50 {p50:.0f} ms, "
          f"p99 {p99:.0f} ms (target <= {TARGET_P99_MS:,.0f} ms), resolution "
          f"~{interval_ms + scrape_ms:.0f} ms")


if __name__ == "__main__":
    main()
