"""Throughput and latency of `carepulse ingest`: from a POST to the answer, which comes
only once Kafka acknowledged the records, beside plain `carepulse produce`.

One embedded broker; one gateway process (`carepulse ingest --no-translator`: the
translator is not on the path being measured). Each run, on topics of its own:

1. produce: the simulated events (valid, streams.testing.simulate) written to a file and
   sent by `carepulse produce`'s code (`produce_file`, kafka-python, keyed by
   conversation) until all are acknowledged: events/s.
2. batch route: the same events in NDJSON batches of --batch events, POSTed to
   `/v1/events` by --clients concurrent clients (aiohttp) until all are answered 200:
   events/s, and p50/p99 of a request (POST to the answer, i.e. to the broker's ack).
3. webhook route: simulated Chatwoot deliveries (streams.testing.chatwoot_traffic), one
   per request, signed, POSTed to `/webhooks/chatwoot` at --webhook-rate requests/s for
   --webhook-seconds (open loop: each request leaves on its schedule, whatever the
   answers before it): the rate achieved and p50/p99 of a request.

Usage: python bench/ingest.py [--events 20000] [--batch 100] [--clients 4] [--runs 3]
                              [--webhook-rate 200] [--webhook-seconds 10] [--seed 7]
Prints each run and the medians. Targets: batch route >= 0.5x the produce rate; webhook
route p99 <= 50 ms at 200 requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

from streams.bridge.chatwoot import signed_headers
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.produce import produce_file
from streams.testing.chatwoot_traffic import endless_deliveries
from streams.testing.simulate import generate_lines

TOKEN = "bench-token"
SECRET = "bench-chatwoot-secret"
TARGET_RATIO = 0.5
TARGET_WEBHOOK_P99_MS = 50.0


@dataclass
class Run:
    produce_eps: float
    batch_eps: float
    batch_p50_ms: float
    batch_p99_ms: float
    webhook_rps: float
    webhook_p50_ms: float
    webhook_p99_ms: float


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start_gateway(broker_url: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    config = workdir / "ingest.toml"
    config.write_text(f'[kafka]\ninput_topic = "bench.ingest.events"\n[ingest]\nport = {port}\n'
                      'raw_topic_prefix = "bench.raw."\nmax_events_per_request = 1000\n',
                      encoding="utf-8")
    environment = {**os.environ, "CAREPULSE_INGEST_TOKEN": TOKEN,
                   "CAREPULSE_CHATWOOT_SECRET": SECRET}
    log = (workdir / "ingest.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "streams.cli", "ingest", "--config",
                                str(config), "--broker", broker_url, "--no-translator"],
                               env=environment, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the gateway did not become healthy; see {workdir / 'ingest.log'}")


async def batch_route(url: str, lines: list[bytes], batch: int, clients: int) -> tuple[
        float, list[float]]:
    bodies = [b"\n".join(lines[i:i + batch]) for i in range(0, len(lines), batch)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}

    async def client(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            sent = time.perf_counter()
            async with session.post(url + "/v1/events", data=body, headers=headers) as answer:
                await answer.read()
                if answer.status != 200:
                    raise SystemExit(f"/v1/events answered {answer.status}")
            latencies.append(time.perf_counter() - sent)

    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return len(lines) / elapsed, latencies


async def webhook_route(url: str, bodies: list[bytes], rate: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    secret = SECRET.encode()

    async def deliver(session: aiohttp.ClientSession, number: int, body: bytes) -> None:
        headers = signed_headers(secret, int(time.time()), body, f"bench-{number}")
        sent = time.perf_counter()
        async with session.post(url + "/webhooks/chatwoot", data=body,
                                headers=headers) as answer:
            await answer.read()
            if answer.status != 200:
                raise SystemExit(f"/webhooks/chatwoot answered {answer.status}")
        latencies.append(time.perf_counter() - sent)

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = []
        started = time.perf_counter()
        for number, body in enumerate(bodies):
            due = started + number / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(deliver(session, number, body)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return len(bodies) / elapsed, latencies


def one_run(args: argparse.Namespace, broker: EmbeddedBroker, url: str, run: int,
            workdir: Path) -> Run:
    lines = list(generate_lines(args.events, seed=args.seed + run))
    path = workdir / f"events-{run}.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    started = time.perf_counter()
    produce_file(path, broker.url, f"bench.produce.{run}")
    produce_eps = args.events / (time.perf_counter() - started)
    batch_eps, batch = asyncio.run(batch_route(url, lines, args.batch, args.clients))
    clock = iter(range(10**15))
    deliveries = endless_deliveries(args.seed + run, lambda: 1_796_000_000_000_000 + next(clock))
    count = int(args.webhook_rate * args.webhook_seconds)
    bodies = [orjson.dumps(next(deliveries)) for _ in range(count)]
    webhook_rps, webhook = asyncio.run(webhook_route(url, bodies, args.webhook_rate))
    return Run(produce_eps, batch_eps, percentile(batch, 0.5) * 1000,
               percentile(batch, 0.99) * 1000, webhook_rps, percentile(webhook, 0.5) * 1000,
               percentile(webhook, 0.99) * 1000)


def describe(run: Run) -> str:
    return (f"produce {run.produce_eps:,.0f} events/s | /v1/events {run.batch_eps:,.0f} "
            f"events/s ({run.batch_eps / run.produce_eps:.2f}x), request p50 "
            f"{run.batch_p50_ms:.1f} ms p99 {run.batch_p99_ms:.1f} ms | /webhooks/chatwoot "
            f"{run.webhook_rps:,.0f} requests/s, p50 {run.webhook_p50_ms:.1f} ms p99 "
            f"{run.webhook_p99_ms:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000,
                        help="simulated events per run (default 20000)")
    parser.add_argument("--batch", type=int, default=100,
                        help="events per /v1/events request (default 100)")
    parser.add_argument("--clients", type=int, default=4,
                        help="concurrent clients of /v1/events (default 4)")
    parser.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    parser.add_argument("--webhook-rate", type=float, default=200.0,
                        help="webhook requests per second (default 200)")
    parser.add_argument("--webhook-seconds", type=float, default=10.0,
                        help="seconds of webhook traffic per run (default 10)")
    parser.add_argument("--seed", type=int, default=7, help="simulation seed (default 7)")
    args = parser.parse_args()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as directory, EmbeddedBroker(port=free_port()) as broker:
        workdir = Path(directory)
        port = free_port()
        gateway = start_gateway(broker.url, port, workdir)
        try:
            for run in range(args.runs):
                runs.append(one_run(args, broker, f"http://127.0.0.1:{port}", run, workdir))
                print(f"run {run + 1}: {describe(runs[-1])}", flush=True)
        finally:
            gateway.terminate()
            gateway.wait(timeout=30)

    def median(field: str) -> float:
        return statistics.median(getattr(run, field) for run in runs)

    medians = Run(*(median(field) for field in Run.__dataclass_fields__))
    print(f"median of {len(runs)}: {describe(medians)}")
    ratio = medians.batch_eps / medians.produce_eps
    print(f"targets: /v1/events >= {TARGET_RATIO}x produce: {ratio:.2f}x "
          f"({'met' if ratio >= TARGET_RATIO else 'NOT met'}); webhook p99 <= "
          f"{TARGET_WEBHOOK_P99_MS:g} ms at {args.webhook_rate:g}/s: "
          f"{medians.webhook_p99_ms:.1f} ms "
          f"({'met' if medians.webhook_p99_ms <= TARGET_WEBHOOK_P99_MS else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
