"""`carepulse demo`: the whole live pipeline on one machine, in one command.

Why: someone new to CarePulse (a care lead, a reviewer, a developer on day one) should see
live KPIs move within seconds, with no Kafka, no Docker and no second terminal. The demo
starts the embedded broker, creates the input topic, runs `carepulse worker` as a child
process (processes.py) and feeds it simulated traffic at a live rate (traffic.py), then
shows what the worker's `/metrics` says, read over HTTP exactly as Prometheus would read
it (summary.py).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from streams.cli.demo import (
    DEFAULT_BROKER_PORT,
    DEFAULT_GATEWAY_PORT,
    DEFAULT_METRICS_PORT,
    DEFAULT_RATE_PER_SECOND,
    add_arguments,
    run,
)
from streams.cli.demo.processes import (
    HOST,
    DemoError,
    PartDied,
    choose_port,
    start_gateway,
    start_worker,
    stop_on_signals,
    stop_worker,
    wait_healthy,
)
from streams.cli.demo.summary import Screen, Summary, scrape, summarize, summary_lines
from streams.cli.demo.traffic import ENDLESS_EVENTS, Feeder, open_producer
from streams.cli.demo.webhooks import WebhookFeeder
from streams.config import ConfigError
from streams.kafka.broker import BrokerError, EmbeddedBroker
from streams.kafka.settings import kafka_settings
from streams.testing.simulate import generate_lines
from streams.testing.worker import WorkerProcess

__all__ = ["main", "run_demo"]

BAD_FRACTION = 0.01
TICK_SECONDS = 0.25
PRODUCER_CLOSE_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class _Parts:
    """What runs once the demo has started, watched while it runs."""

    broker: EmbeddedBroker
    worker: WorkerProcess
    feeder: Feeder | WebhookFeeder
    metrics_url: str
    gateway: WorkerProcess | None = None


class _Interrupted(Exception):
    """A stop signal arrived while the demo was starting."""


def _check(stop: threading.Event) -> None:
    if stop.is_set():
        raise _Interrupted


@dataclass
class _Readiness:
    """When the worker first answered and first counted an event (seconds from start)."""

    started_at: float
    metrics_up_seconds: float | None = None
    first_event_seconds: float | None = None

    def notes(self, summary: Summary | None) -> Iterator[str]:
        elapsed_seconds = time.monotonic() - self.started_at
        if summary is not None and self.metrics_up_seconds is None:
            self.metrics_up_seconds = elapsed_seconds
            yield f"worker's /metrics answered {elapsed_seconds:.1f} s after start"
        if summary is not None and summary.customer_messages > 0 \
                and self.first_event_seconds is None:
            self.first_event_seconds = elapsed_seconds
            yield f"worker counted its first events {elapsed_seconds:.1f} s after start"

    @property
    def complete(self) -> bool:
        return self.first_event_seconds is not None


def _watch(screen: Screen, parts: _Parts, stop: threading.Event, started_at: float) -> None:
    """Draws the live summary until `stop`, then once more; raises PartDied if a part
    dies. Until the worker has counted its first event, /metrics is polled every tick so
    the start-up times it reports are accurate."""
    worker, feeder = parts.worker, parts.feeder
    readiness = _Readiness(started_at)
    feeder_done_noted = False
    next_draw_at = time.monotonic()
    while True:
        if not worker.alive():
            assert worker.process is not None
            raise PartDied(f"the worker exited (code {worker.process.returncode}); "
                           f"log tail:\n{worker.log_tail()}")
        gateway = parts.gateway
        if gateway is not None and not gateway.alive():
            assert gateway.process is not None
            raise PartDied(f"the gateway exited (code {gateway.process.returncode}); "
                           f"log tail:\n{gateway.log_tail()}")
        if feeder.error is not None:
            raise PartDied(f"the producer failed: {feeder.error}")
        if not parts.broker.is_running():
            raise PartDied(f"the broker on {parts.broker.url} stopped")
        stopping = stop.is_set()
        due = stopping or time.monotonic() >= next_draw_at
        if due or not readiness.complete:
            samples = scrape(parts.metrics_url)
            summary = summarize(samples) if samples is not None else None
            for note in readiness.notes(summary):
                screen.note(note)
            if not feeder.is_alive() and not feeder_done_noted and not stopping:
                feeder_done_noted = True
                screen.note(f"all {feeder.sent:,} events sent; Ctrl-C stops the demo")
            if due:
                screen.draw(summary_lines(feeder.sent, feeder.failed, summary))
                next_draw_at = max(next_draw_at + screen.refresh_seconds, time.monotonic())
        if stopping:
            return
        stop.wait(TICK_SECONDS)


def run_demo(
    port: int = DEFAULT_BROKER_PORT,
    metrics_port: int = DEFAULT_METRICS_PORT,
    rate_per_second: float = DEFAULT_RATE_PER_SECOND,
    seed: int = 1,
    events: int | None = None,
    source: str = "simulator",
    gateway_port: int = DEFAULT_GATEWAY_PORT,
) -> int:
    """`carepulse demo`: runs until SIGINT, SIGTERM or SIGHUP. Exit code 0 after a clean
    stop (also when stopped during start-up), 1 if the worker, the gateway, the producer
    or the broker died, 2 if the demo could not start."""
    logging.getLogger("kafka").setLevel(logging.CRITICAL)  # its retries would tear the screen
    stop = threading.Event()
    screen = Screen(sys.stdout)
    started_at = time.monotonic()
    parts: _Parts | None = None
    ports = _Ports(port, metrics_port, gateway_port)
    with stop_on_signals(stop), tempfile.TemporaryDirectory(prefix="carepulse-demo-") as tmp:
        try:
            with contextlib.ExitStack() as stack:
                parts = _start(stack, ports, rate_per_second, seed, events, source, stop,
                               Path(tmp))
                screen.note(f"metrics: {parts.metrics_url}")
                stack.callback(screen.note, "stopping: producer, worker, broker ...")
                stack.callback(screen.freeze)
                _watch(screen, parts, stop, started_at)
        except _Interrupted:
            pass
        except DemoError as error:
            print(f"carepulse demo: error: {error}", file=sys.stderr, flush=True)
            return error.exit_code
    sent = parts.feeder.sent if parts is not None else 0
    screen.note(f"stopped after sending {sent:,} " + (
        "webhooks" if source == "chatwoot" else "events"))
    return 0


@dataclass(frozen=True, slots=True)
class _Ports:
    broker: int
    metrics: int
    gateway: int


def _start(
    stack: contextlib.ExitStack, ports: _Ports, rate_per_second: float, seed: int,
    events: int | None, source: str, stop: threading.Event, workdir: Path,
) -> _Parts:
    """Broker, topic, worker, (gateway,) producer, in that order; `stack` stops them in
    reverse."""
    try:
        settings = kafka_settings()
    except ConfigError as error:
        raise DemoError(str(error)) from error
    broker_port = choose_port(ports.broker, "the broker", "--port")
    metrics_port = choose_port(ports.metrics, "the worker's /metrics", "--metrics-port")
    broker = _start_broker(stack, broker_port, settings.input_topic, settings.partitions)
    _check(stop)
    worker = start_worker(broker.url, metrics_port, settings.input_topic, workdir, source)
    stack.callback(stop_worker, worker)
    metrics_url = f"http://{HOST}:{metrics_port}/metrics"
    if source == "chatwoot":
        return _start_chatwoot(stack, broker, worker, ports.gateway, settings.input_topic,
                               rate_per_second, seed, events, stop, workdir, metrics_url)
    print(f"carepulse demo: broker {broker.url} (pid {broker.pid}), worker pid {worker.pid} "
          f"(log {worker.log}), topic {settings.input_topic} "
          f"({settings.partitions} partitions), {rate_per_second:g} events/s",
          file=sys.stderr, flush=True)
    lines = generate_lines(ENDLESS_EVENTS if events is None else events, seed, BAD_FRACTION)
    feeder = _start_feeder(stack, broker.url, settings.input_topic, lines, rate_per_second, stop)
    return _Parts(broker, worker, feeder, metrics_url)


def _start_chatwoot(
    stack: contextlib.ExitStack, broker: EmbeddedBroker, worker: WorkerProcess,
    gateway_port: int, topic: str, rate_per_second: float, seed: int, deliveries: int | None,
    stop: threading.Event, workdir: Path, metrics_url: str,
) -> _Parts:
    """The gateway (`carepulse ingest`, with its translator) and simulated Chatwoot
    webhooks posted to it, signed with a secret made for this run."""
    port = choose_port(gateway_port, "the gateway", "--gateway-port")
    secret = secrets.token_hex(32)
    gateway = start_gateway(broker.url, port, topic, workdir, {
        "CAREPULSE_CHATWOOT_SECRET": secret,
        "CAREPULSE_CHATWOOT_CUSTOMER_KEY": secrets.token_hex(32),
    })
    stack.callback(stop_worker, gateway)
    print(f"carepulse demo: broker {broker.url} (pid {broker.pid}), worker pid {worker.pid} "
          f"(log {worker.log}), gateway pid {gateway.pid} (log {gateway.log}) on "
          f"http://{HOST}:{port}/webhooks/chatwoot, topic {topic}, "
          f"{rate_per_second:g} Chatwoot webhooks/s", file=sys.stderr, flush=True)
    wait_healthy(gateway, stop)
    _check(stop)
    feeder = WebhookFeeder(HOST, port, secret.encode(), seed, rate_per_second, deliveries, stop)
    feeder.start()
    stack.callback(_stop_feeder, feeder, stop)
    return _Parts(broker, worker, feeder, metrics_url, gateway)


def _start_broker(
    stack: contextlib.ExitStack, port: int, topic: str, partitions: int
) -> EmbeddedBroker:
    from streams.kafka.produce import ProduceError, ensure_topic_at

    broker = EmbeddedBroker(port=port, host=HOST)
    try:
        broker.start()
    except BrokerError as error:
        raise DemoError(str(error).splitlines()[0]) from error
    stack.callback(broker.stop)
    try:
        ensure_topic_at(broker.url, topic, partitions)
    except ProduceError as error:
        raise DemoError(str(error)) from error
    return broker


def _start_feeder(
    stack: contextlib.ExitStack, bootstrap_servers: str, topic: str, lines: Iterable[bytes],
    rate_per_second: float, stop: threading.Event,
) -> Feeder:
    from kafka.errors import KafkaError

    try:
        producer = open_producer(bootstrap_servers)
    except KafkaError as error:
        raise DemoError(f"cannot open a producer on {bootstrap_servers}: {error}") from error
    stack.callback(producer.close, timeout=PRODUCER_CLOSE_TIMEOUT_SECONDS)
    feeder = Feeder(producer, topic, lines, rate_per_second, stop)
    feeder.start()
    stack.callback(_stop_feeder, feeder, stop)
    return feeder


def _stop_feeder(feeder: Feeder | WebhookFeeder, stop: threading.Event) -> None:
    stop.set()
    feeder.join()


def main(argv: list[str] | None = None) -> int:
    """`python -m streams.cli.demo.command`: the demo without the rest of the CLI."""
    parser = argparse.ArgumentParser(
        prog="carepulse demo",
        description="Broker, worker and simulated live traffic, with a live KPI summary.",
    )
    return run(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
