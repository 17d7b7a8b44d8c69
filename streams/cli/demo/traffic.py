"""The demo's traffic: simulated lines re-stamped to the wall clock and sent at a live
rate (`Feeder`), keyed by conversation id as `carepulse produce` does.

The simulation (streams.testing.simulate) is dated 2026-11-02 and spread over hours; a
demo must happen *now*. Each valid timestamp is re-stamped with the wall-clock instant
its event is sent, so the stream keeps its order and its causality but is compressed to
the chosen rate, and "oldest waiting" means seconds ago. Malformed lines are sent as
they are, so the dead-letter counter moves too.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from typing import Any

from streams.kpi.timeutil import iso_from_us

ENDLESS_EVENTS = 10**12
"""`generate_lines` needs a count; at 50 events/s this one lasts six centuries."""
CATCH_UP_SECONDS = 0.1
"""How far the producer may fall behind its schedule before it stops trying to catch up."""
_OCCURRED_AT = re.compile(
    rb'"occurred_at":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})"'
)


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
                due_at = wait_until_due(due_at + self._interval_seconds, self._stop_event)
                if self._stop_event.is_set():
                    return
                value = restamp(line, clock.now_us())
                future = self._producer.send(self._topic, value=value, key=record_key(value))
                future.add_errback(self._count_failure)
                self.sent += 1
        except Exception as error:  # a broken producer ends the demo, with its reason
            self.error = error

    def _count_failure(self, error: BaseException) -> None:
        self.failed += 1


def wait_until_due(due_at: float, stop: threading.Event) -> float:
    """Waits (unless `stop`) until the monotonic instant `due_at`, and returns the instant
    the next send is scheduled from: never more than CATCH_UP_SECONDS behind now."""
    now = time.monotonic()
    due_at = max(due_at, now - CATCH_UP_SECONDS)
    if due_at > now:
        stop.wait(due_at - now)
    return due_at


def open_producer(bootstrap_servers: str) -> Any:
    from kafka import KafkaProducer

    return KafkaProducer(
        bootstrap_servers=bootstrap_servers, client_id="carepulse-demo", linger_ms=5,
        request_timeout_ms=10_000, max_block_ms=10_000,
    )
