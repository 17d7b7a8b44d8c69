"""The demo's processes: the worker (the harness of streams.testing.worker, in a process
group of its own, with the configuration of configuration.py), the ports, and the
signals that stop the demo.

Nothing outlives the demo: broker and worker run in process groups of their own (a
Ctrl-C in the terminal reaches only the demo, which stops producer, worker and broker
in that order) and ask Linux to kill them when the demo dies, so even a SIGKILLed demo
leaves nothing behind. The worker is SIGKILLed, not SIGTERMed, if the demo dies: its
broker dies with the demo, and a graceful Faust shutdown would wait for a broker that
is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import streams
from streams.cli.demo.configuration import write_demo_config
from streams.kafka.broker import BrokerError, free_port, port_in_use
from streams.testing.worker import WorkerProcess

HOST = "127.0.0.1"
WORKER_STOP_TIMEOUT_SECONDS = 10.0
GATEWAY_START_SECONDS = 60.0


class DemoError(Exception):
    """The demo cannot start; the message says why."""

    exit_code = 2


class PartDied(DemoError):
    """The worker, the producer or the broker died while the demo ran."""

    exit_code = 1


def _environment(topic: str) -> dict[str, str]:
    """The input topic, and this source tree importable even where CarePulse is not
    installed."""
    source_root = Path(streams.__file__).resolve().parent.parent
    return {
        "CAREPULSE_INPUT_TOPIC": topic,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(source_root), os.environ.get("PYTHONPATH")])),
    }


def start_worker(
    broker_url: str, metrics_port: int, topic: str, workdir: Path, source: str = "simulator"
) -> WorkerProcess:
    """`carepulse worker` on `topic`, logging to worker.log in `workdir` (its working
    directory: nothing it writes lands in the user's folder), the demo's configuration."""
    environment = {**_environment(topic), "CAREPULSE_METRICS_HOST": HOST}
    config = write_demo_config(workdir / "carepulse.toml", source)
    return WorkerProcess(config, broker_url, metrics_port, workdir / "worker.log", environment,
                         cwd=workdir, own_group=True).start()


def start_gateway(
    broker_url: str, port: int, topic: str, workdir: Path, secrets: dict[str, str]
) -> WorkerProcess:
    """`carepulse ingest` (the gateway, with the translator as its child) on `port`,
    writing to `topic`, with the demo's configuration (written by start_worker) and
    `secrets` (the webhook secret and the customer key) in its environment; its log is
    gateway.log in `workdir`."""
    environment = {**_environment(topic), "CAREPULSE_INGEST_HOST": HOST, **secrets}
    return WorkerProcess(workdir / "carepulse.toml", broker_url, port, workdir / "gateway.log",
                         environment, cwd=workdir, own_group=True, command="ingest",
                         port_variable="CAREPULSE_INGEST_PORT").start()


def wait_healthy(gateway: WorkerProcess, stop: threading.Event) -> None:
    """Until the gateway's /healthz answers 200 (broker reachable, producer ready); a
    DemoError if it exits or is not healthy in GATEWAY_START_SECONDS."""
    url = f"http://{HOST}:{gateway.metrics_port}/healthz"
    deadline = time.monotonic() + GATEWAY_START_SECONDS
    while time.monotonic() < deadline and not stop.is_set():
        if not gateway.alive():
            raise DemoError(f"the gateway exited; log tail:\n{gateway.log_tail()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:
            if answer.status == HTTPStatus.OK:
                return
        stop.wait(0.2)
    if not stop.is_set():
        raise DemoError(f"the gateway was not healthy in {GATEWAY_START_SECONDS:g} s; log tail:"
                        f"\n{gateway.log_tail()}")


def stop_worker(worker: WorkerProcess) -> None:
    """SIGTERM its group, SIGKILL it after WORKER_STOP_TIMEOUT_SECONDS (the gateway too)."""
    worker.stop(signal.SIGTERM, WORKER_STOP_TIMEOUT_SECONDS, kill_after=True)


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP (terminal closed) set `stop`, so each ends the demo
    in order rather than in the middle of whatever it was doing."""

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, request_stop)
                for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def choose_port(wanted: int, what: str, option: str) -> int:
    try:
        if not port_in_use(HOST, wanted):
            return wanted
    except BrokerError as error:
        raise DemoError(str(error)) from error
    port = free_port()
    print(f"carepulse demo: port {wanted} is in use; {what} uses port {port} instead "
          f"(set {option} to choose)", file=sys.stderr, flush=True)
    return port
