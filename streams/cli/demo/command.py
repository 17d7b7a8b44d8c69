"""`carepulse demo`: the whole live pipeline on one machine, in one command.

Why: someone new to CarePulse (a care lead, a reviewer, a developer on day one) should see
live KPIs move within seconds, with no Kafka, no Docker and no second terminal. The demo
starts the embedded broker, creates the input topic, runs `carepulse worker` as a child
process and feeds it simulated traffic at a live rate, then shows what the worker's
`/metrics` says, read over HTTP exactly as Prometheus would read it.

The simulation (`streams.testing.simulate`) is dated 2026-11-02 and spread over hours; a demo must
happen *now*. Each valid timestamp is re-stamped with the wall-clock instant its event is
sent, so the stream keeps its order and its causality but is compressed to the chosen rate,
and "oldest waiting" means seconds ago. Malformed lines (1%) are sent as they are, so the
dead-letter counter moves too.

Nothing outlives the demo: broker and worker run in process groups of their own (a Ctrl-C
in the terminal reaches only the demo, which stops producer, worker and broker in that
order) and ask Linux to kill them when the demo dies, so even a SIGKILLed demo leaves
nothing behind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from streams.children import die_with_parent
from streams.cli.arguments import positive_rate, tcp_port
from streams.config import ConfigError
from streams.kafka.broker import BrokerError, EmbeddedBroker, free_port, port_in_use
from streams.kafka.settings import kafka_settings
from streams.kpi.timeutil import iso_from_us
from streams.testing.simulate import generate_lines, label_allowlists

__all__ = ["Restamper", "Summary", "add_arguments", "main", "median_bucket_seconds",
           "run_demo", "summarize"]

HOST = "127.0.0.1"
DEFAULT_BROKER_PORT = 9092
DEFAULT_METRICS_PORT = 9108
DEFAULT_RATE_PER_SECOND = 50.0
BAD_FRACTION = 0.01
ENDLESS_EVENTS = 10**12
"""`generate_lines` needs a count; at 50 events/s this one lasts six centuries."""
CATCH_UP_SECONDS = 0.1
"""How far the producer may fall behind its schedule before it stops trying to catch up."""
TTY_REFRESH_SECONDS = 1.0
PIPE_REFRESH_SECONDS = 5.0
TICK_SECONDS = 0.25
SCRAPE_TIMEOUT_SECONDS = 2.0
WORKER_STOP_TIMEOUT_SECONDS = 10.0
PRODUCER_CLOSE_TIMEOUT_SECONDS = 5.0
LOG_TAIL_LINES = 20
_OCCURRED_AT = re.compile(
    rb'"occurred_at":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})"'
)


class DemoError(Exception):
    """The demo cannot start; the message says why."""

    exit_code = 2


class PartDied(DemoError):
    """The worker, the producer or the broker died while the demo ran."""

    exit_code = 1


# --- traffic --------------------------------------------------------------------------


class WallClock:
    """Microseconds since the epoch that never go backwards: the wall clock read once,
    then advanced by the monotonic clock (an NTP step must not reorder the stream)."""

    def __init__(self) -> None:
        self._start_us = time.time_ns() // 1000
        self._start_ns = time.monotonic_ns()

    def now_us(self) -> int:
        return self._start_us + (time.monotonic_ns() - self._start_ns) // 1000


class Restamper:
    """Replaces a line's valid `occurred_at` with the instant given, in UTC with `Z`.

    Only a well-formed RFC 3339 value with an offset is replaced, so a malformed line (a
    naive timestamp, a truncated record, noise) stays exactly as malformed as it was. An
    exact re-send of the previous line gets the previous line's bytes, so the worker sees
    a true duplicate.
    """

    def __init__(self) -> None:
        self._last_in = b""
        self._last_out = b""

    def __call__(self, line: bytes, instant_us: int) -> bytes:
        if line == self._last_in:
            return self._last_out
        match = _OCCURRED_AT.search(line)
        out = line
        if match is not None:
            stamp = f'"occurred_at":"{iso_from_us(instant_us)}"'.encode()
            out = line[: match.start()] + stamp + line[match.end():]
        self._last_in, self._last_out = line, out
        return out


class Feeder(threading.Thread):
    """Sends `lines` to `topic` at `rate_per_second`, each re-stamped as it leaves, until
    the lines end or `stop` is set. Keys are conversation ids, as `carepulse produce` does."""

    def __init__(
        self, producer: Any, topic: str, lines: Iterable[bytes], rate_per_second: float,
        stop: threading.Event,
    ) -> None:
        super().__init__(name="carepulse-demo-feeder", daemon=True)
        self._producer = producer
        self._topic = topic
        self._lines = lines
        self._interval_seconds = 1.0 / rate_per_second
        self._stop_event = stop
        self.sent = 0
        self.failed = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        from streams.kafka.produce import record_key

        clock, restamp = WallClock(), Restamper()
        due_at = time.monotonic() - self._interval_seconds
        try:
            for line in self._lines:
                due_at = self._wait_until_due(due_at + self._interval_seconds)
                if self._stop_event.is_set():
                    return
                value = restamp(line, clock.now_us())
                future = self._producer.send(self._topic, value=value, key=record_key(value))
                future.add_errback(self._count_failure)
                self.sent += 1
        except Exception as error:  # a broken producer ends the demo, with its reason
            self.error = error

    def _wait_until_due(self, due_at: float) -> float:
        now = time.monotonic()
        due_at = max(due_at, now - CATCH_UP_SECONDS)
        if due_at > now:
            self._stop_event.wait(due_at - now)
        return due_at

    def _count_failure(self, error: BaseException) -> None:
        self.failed += 1


def open_producer(bootstrap_servers: str) -> Any:
    from kafka import KafkaProducer

    return KafkaProducer(
        bootstrap_servers=bootstrap_servers, client_id="carepulse-demo", linger_ms=5,
        request_timeout_ms=10_000, max_block_ms=10_000,
    )


# --- metrics --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    """What the demo shows from one scrape of the worker's /metrics."""

    messages_received: float
    replies_sent: float
    open_conversations: float
    waiting_conversations: float
    oldest_waiting_seconds: float
    first_response_p50_bucket_seconds: tuple[float, float] | None
    first_response_mean_seconds: float | None
    first_response_samples: float
    rejected: float
    duplicates: float


def scrape(url: str) -> list[Sample] | None:
    """Every sample of `url`, or None while nothing answers there."""
    try:
        with urllib.request.urlopen(url, timeout=SCRAPE_TIMEOUT_SECONDS) as response:
            text = response.read().decode("utf-8")
    except (OSError, ValueError):
        return None
    return [sample for family in text_string_to_metric_families(text)
            for sample in family.samples]


def _sum(samples: Iterable[Sample], name: str) -> float:
    return sum(sample.value for sample in samples if sample.name == name)


def median_bucket_seconds(
    samples: Iterable[Sample], histogram: str
) -> tuple[float, float] | None:
    """The bucket `(lower, upper]` that holds the median of a histogram summed over its
    series; None without samples. Interpolating inside the bucket, as PromQL's
    histogram_quantile does, would invent precision: the first bucket spans 0-60 s and
    holds most of the demo's (time-compressed) first responses."""
    cumulative: dict[float, float] = {}
    for sample in samples:
        if sample.name == f"{histogram}_bucket":
            bound = float(sample.labels["le"])
            cumulative[bound] = cumulative.get(bound, 0.0) + sample.value
    total = cumulative.get(float("inf"), 0.0)
    if total <= 0:
        return None
    lower = 0.0
    for upper, count in sorted(cumulative.items()):
        if count >= total / 2:
            return lower, upper
        lower = upper
    return lower, float("inf")


def summarize(samples: list[Sample]) -> Summary:
    first_count = _sum(samples, "carepulse_first_response_seconds_count")
    first_sum_seconds = _sum(samples, "carepulse_first_response_seconds_sum")
    oldest = [s.value for s in samples if s.name == "carepulse_oldest_waiting_seconds"]
    return Summary(
        messages_received=_sum(samples, "carepulse_messages_received_total"),
        replies_sent=_sum(samples, "carepulse_replies_sent_total"),
        open_conversations=_sum(samples, "carepulse_open_conversations"),
        waiting_conversations=_sum(samples, "carepulse_waiting_conversations"),
        oldest_waiting_seconds=max(oldest, default=0.0),
        first_response_p50_bucket_seconds=median_bucket_seconds(
            samples, "carepulse_first_response_seconds"),
        first_response_mean_seconds=first_sum_seconds / first_count if first_count else None,
        first_response_samples=first_count,
        rejected=_sum(samples, "carepulse_events_rejected_total"),
        duplicates=_sum(samples, "carepulse_events_duplicate_total"),
    )


# --- display --------------------------------------------------------------------------


def format_duration(seconds: float | None) -> str:
    """`-`, `42s`, `3m05s`, `5m`, `2h07m`, `24h`: short enough for one terminal line."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        minutes, rest_seconds = divmod(whole, 60)
        return f"{minutes}m{rest_seconds:02d}s" if rest_seconds else f"{minutes}m"
    hours, rest_minutes = divmod(whole // 60, 60)
    return f"{hours}h{rest_minutes:02d}m" if rest_minutes else f"{hours}h"


def format_bucket(bucket: tuple[float, float] | None) -> str:
    """`-`, `<=1m`, `1m-5m`, `>24h`: where the median lies, no finer than the buckets."""
    if bucket is None:
        return "-"
    lower, upper = bucket
    if upper == float("inf"):
        return f">{format_duration(lower)}"
    if lower == 0:
        return f"<={format_duration(upper)}"
    return f"{format_duration(lower)}-{format_duration(upper)}"


def summary_lines(sent: int, failed: int, summary: Summary | None) -> list[str]:
    sent_text = f"sent {sent:,}" + (f" ({failed:,} failed)" if failed else "")
    if summary is None:
        return [sent_text, "waiting for the worker's /metrics ..."]
    s = summary
    return [
        f"{sent_text}  received {s.messages_received:,.0f}  replies {s.replies_sent:,.0f}  "
        f"rejected {s.rejected:,.0f}  duplicates {s.duplicates:,.0f}",
        f"conversations open {s.open_conversations:,.0f}  waiting "
        f"{s.waiting_conversations:,.0f}  oldest waiting "
        f"{format_duration(s.oldest_waiting_seconds)}",
        f"first response p50 {format_bucket(s.first_response_p50_bucket_seconds)}  mean "
        f"{format_duration(s.first_response_mean_seconds)}  "
        f"({s.first_response_samples:,.0f} samples)",
    ]


class Screen:
    """On a terminal, the summary is redrawn in place every second (ANSI: cursor up,
    clear line); into a pipe or file, one summary line is written every 5 s."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self.is_terminal = out.isatty()
        self.refresh_seconds = TTY_REFRESH_SECONDS if self.is_terminal else PIPE_REFRESH_SECONDS
        self._drawn_lines = 0
        self._last: list[str] = []

    def draw(self, lines: list[str]) -> None:
        self._last = lines
        if not self.is_terminal:
            self._write(time.strftime("%H:%M:%S ") + " | ".join(lines) + "\n")
            return
        width = max(shutil.get_terminal_size().columns - 1, 20)
        text = self._cursor_back() + "".join(f"\x1b[2K{line[:width]}\n" for line in lines)
        self._write(text)
        self._drawn_lines = len(lines)

    def note(self, text: str) -> None:
        """A lasting line, written above the live summary."""
        if not self.is_terminal:
            self._write(text + "\n")
            return
        self._write(self._cursor_back() + "\x1b[J" + text + "\n")
        self._drawn_lines = 0
        if self._last:
            self.draw(self._last)

    def freeze(self) -> None:
        """Leaves the summary drawn last on screen; later notes go below it."""
        self._drawn_lines = 0
        self._last = []

    def _cursor_back(self) -> str:
        return f"\x1b[{self._drawn_lines}A\r" if self._drawn_lines else ""

    def _write(self, text: str) -> None:
        with contextlib.suppress(BrokenPipeError):
            self._out.write(text)
            self._out.flush()


# --- processes ------------------------------------------------------------------------


class WorkerChild:
    """`carepulse worker` in a process group of its own, logging to a file.

    It is SIGKILLed, not SIGTERMed, if the demo dies: its broker dies with the demo, and a
    graceful Faust shutdown would wait for a broker that is gone.
    """

    def __init__(self, broker_url: str, metrics_port: int, topic: str, workdir: Path) -> None:
        self.log_path = workdir / "worker.log"
        config = write_demo_config(workdir / "carepulse.toml")
        source_root = Path(__file__).resolve().parent.parent
        env = {
            **os.environ,
            "CAREPULSE_METRICS_HOST": HOST,
            "CAREPULSE_METRICS_PORT": str(metrics_port),
            "CAREPULSE_INPUT_TOPIC": topic,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(source_root), os.environ.get("PYTHONPATH")])),
        }
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streams.cli", "worker", "--broker", broker_url,
                 "--config", str(config)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                cwd=workdir,  # nothing the worker writes lands in the user's folder
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGKILL),  # noqa: PLW1509 (one prctl)
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def exited(self) -> bool:
        return self.process.poll() is not None

    def stop(self) -> None:
        """SIGTERM its group, SIGKILL it after WORKER_STOP_TIMEOUT_SECONDS."""
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=WORKER_STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
        self.process.wait()
        self._signal_group(signal.SIGKILL)  # anything the worker itself left in its group

    def _signal_group(self, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)

    def log_tail(self) -> str:
        try:
            lines = self.log_path.read_text("utf-8", "replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-LOG_TAIL_LINES:])


def write_demo_config(path: Path) -> Path:
    """The worker's configuration: every brand, topic, quick reply and agent of the
    simulation allowlisted and agent series on, so /metrics shows them all by name."""
    sections = [f"[{section}]\nallowlist = {json.dumps(list(values))}\n"
                for section, values in label_allowlists().items()]
    path.write_text("".join(sections) + "[metrics]\nagent_series = true\n", encoding="utf-8")
    return path


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


def _choose_port(wanted: int, what: str, option: str) -> int:
    try:
        if not port_in_use(HOST, wanted):
            return wanted
    except BrokerError as error:
        raise DemoError(str(error)) from error
    port = free_port()
    print(f"carepulse demo: port {wanted} is in use; {what} uses port {port} instead "
          f"(set {option} to choose)", file=sys.stderr, flush=True)
    return port


# --- the command ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Parts:
    """What runs once the demo has started, watched while it runs."""

    broker: EmbeddedBroker
    worker: WorkerChild
    feeder: Feeder
    metrics_url: str


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
        if summary is not None and summary.messages_received > 0 \
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
        if worker.exited():
            raise PartDied(f"the worker exited (code {worker.process.returncode}); "
                           f"log tail:\n{worker.log_tail()}")
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
) -> int:
    """`carepulse demo`: runs until SIGINT, SIGTERM or SIGHUP. Exit code 0 after a clean
    stop (also when stopped during start-up), 1 if the worker, the producer or the broker
    died, 2 if the demo could not start."""
    logging.getLogger("kafka").setLevel(logging.CRITICAL)  # its retries would tear the screen
    stop = threading.Event()
    screen = Screen(sys.stdout)
    started_at = time.monotonic()
    parts: _Parts | None = None
    with stop_on_signals(stop), tempfile.TemporaryDirectory(prefix="carepulse-demo-") as tmp:
        try:
            with contextlib.ExitStack() as stack:
                parts = _start(stack, port, metrics_port, rate_per_second, seed, events, stop,
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
    screen.note(f"stopped after sending {sent:,} events")
    return 0


def _start(
    stack: contextlib.ExitStack, port: int, metrics_port: int, rate_per_second: float,
    seed: int, events: int | None, stop: threading.Event, workdir: Path,
) -> _Parts:
    """Broker, topic, worker, producer, in that order; `stack` stops them in reverse."""
    try:
        settings = kafka_settings()
    except ConfigError as error:
        raise DemoError(str(error)) from error
    broker_port = _choose_port(port, "the broker", "--port")
    metrics_port = _choose_port(metrics_port, "the worker's /metrics", "--metrics-port")
    broker = _start_broker(stack, broker_port, settings.input_topic, settings.partitions)
    _check(stop)
    worker = WorkerChild(broker.url, metrics_port, settings.input_topic, workdir)
    stack.callback(worker.stop)
    print(f"carepulse demo: broker {broker.url} (pid {broker.pid}), worker pid {worker.pid} "
          f"(log {worker.log_path}), topic {settings.input_topic} "
          f"({settings.partitions} partitions), {rate_per_second:g} events/s",
          file=sys.stderr, flush=True)
    lines = generate_lines(ENDLESS_EVENTS if events is None else events, seed, BAD_FRACTION)
    feeder = _start_feeder(stack, broker.url, settings.input_topic, lines, rate_per_second, stop)
    return _Parts(broker, worker, feeder, f"http://{HOST}:{metrics_port}/metrics")


def _start_broker(
    stack: contextlib.ExitStack, port: int, topic: str, partitions: int
) -> EmbeddedBroker:
    from streams.kafka.produce import ProduceError, ensure_topic

    broker = EmbeddedBroker(port=port, host=HOST)
    try:
        broker.start()
    except BrokerError as error:
        raise DemoError(str(error).splitlines()[0]) from error
    stack.callback(broker.stop)
    try:
        ensure_topic(broker.url, topic, partitions)
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


def _stop_feeder(feeder: Feeder, stop: threading.Event) -> None:
    stop.set()
    feeder.join()


# --- command line ---------------------------------------------------------------------


def _event_count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of events")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of `carepulse demo`, shared by the main CLI and `main` below."""
    parser.add_argument("--port", type=tcp_port, default=DEFAULT_BROKER_PORT, metavar="PORT",
                        help="the embedded broker's port, 1..65535; a free one is chosen if "
                             f"it is taken (default: {DEFAULT_BROKER_PORT})")
    parser.add_argument("--metrics-port", type=tcp_port, default=DEFAULT_METRICS_PORT,
                        metavar="PORT",
                        help="the worker's /metrics port, 1..65535; a free one is chosen if "
                             f"it is taken (default: {DEFAULT_METRICS_PORT})")
    parser.add_argument("--rate", type=positive_rate, default=DEFAULT_RATE_PER_SECOND,
                        metavar="EVENTS_PER_SECOND",
                        help=f"events sent per second (default: {DEFAULT_RATE_PER_SECOND:g})")
    parser.add_argument("--seed", type=int, default=1,
                        help="seed of the simulated traffic: the same seed, the same "
                             "conversations (default: 1)")
    parser.add_argument("--events", type=_event_count, metavar="N",
                        help="stop sending after N events (default: send until stopped)")
    return parser


def run_demo_args(args: argparse.Namespace) -> int:
    return run_demo(args.port, args.metrics_port, args.rate, args.seed, args.events)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="carepulse demo",
        description="Broker, worker and simulated live traffic, with a live KPI summary.",
    )
    return run_demo_args(add_arguments(parser).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
