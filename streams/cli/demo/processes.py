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
from collections.abc import Iterator
from pathlib import Path

import streams
from streams.cli.demo.configuration import write_demo_config
from streams.kafka.broker import BrokerError, free_port, port_in_use
from streams.testing.worker import WorkerProcess

HOST = "127.0.0.1"
WORKER_STOP_TIMEOUT_SECONDS = 10.0


class DemoError(Exception):
    """The demo cannot start; the message says why."""

    exit_code = 2


class PartDied(DemoError):
    """The worker, the producer or the broker died while the demo ran."""

    exit_code = 1


def start_worker(broker_url: str, metrics_port: int, topic: str, workdir: Path) -> WorkerProcess:
    """`carepulse worker` on `topic`, logging to worker.log in `workdir` (its working
    directory: nothing it writes lands in the user's folder), the demo's configuration;
    run from this source tree even where CarePulse is not installed."""
    source_root = Path(streams.__file__).resolve().parent.parent
    environment = {
        "CAREPULSE_METRICS_HOST": HOST,
        "CAREPULSE_INPUT_TOPIC": topic,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(source_root), os.environ.get("PYTHONPATH")])),
    }
    config = write_demo_config(workdir / "carepulse.toml")
    return WorkerProcess(config, broker_url, metrics_port, workdir / "worker.log", environment,
                         cwd=workdir, own_group=True).start()


def stop_worker(worker: WorkerProcess) -> None:
    """SIGTERM its group, SIGKILL it after WORKER_STOP_TIMEOUT_SECONDS."""
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
