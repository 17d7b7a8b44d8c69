"""`carepulse produce`: publish a JSONL file of events to the input topic.

Why it exists: demos, load tests and DLQ drills need a faithful producer that keys each
record by `conversation_id` (so a conversation stays in one partition, in order, as
docs/events.md requires) and sends each line's bytes unchanged. It uses kafka-python, the
producer the users chose, with its Java-compatible murmur2 partitioner, so records land
where any other Kafka producer would put them.

A file with a bad line is refused as a whole by default, before the topic is even
created: half a file on a topic is harder to clean up (no DeleteRecords on the embedded
broker) than a file to fix. The caller may instead skip the invalid lines (`on_invalid`
receives each one) or send everything as it is (`carepulse produce --raw`), to exercise
the dead-letter queue.

A broker that refuses the connection is reported at once; only a broker that does not
answer is waited for, up to `BROKER_TIMEOUT_SECONDS`.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson
from kafka import KafkaProducer
from kafka.cluster import collect_hosts
from kafka.errors import KafkaError, KafkaTimeoutError

from schemas.rejections import DEFAULT_MAX_RECORD_BYTES, Rejection, parse_event
from streams.kafka import topics
from streams.kafka.topics import TopicSetupError, admin_client

__all__ = [
    "InvalidLine",
    "ProduceError",
    "TokenBucket",
    "ensure_topic_at",
    "invalid_lines",
    "produce_file",
    "record_key",
]

BROKER_TIMEOUT_SECONDS = 10.0
"""Bootstrap, metadata and request timeout: an unreachable broker is an error, not a hang."""
DELIVERY_TIMEOUT_SECONDS = 30.0
LINGER_MS = 5
BATCH_BYTES = 512 * 1024
BURST_SECONDS = 0.1
EMPTY: Mapping[str, Any] = MappingProxyType({})
"""With a rate, how much sending a stalled producer may catch up at once."""


class ProduceError(Exception):
    """The file cannot be published; the message is one line naming the broker or topic."""


@dataclass(frozen=True, slots=True)
class InvalidLine:
    line_number: int
    rejection: Rejection
    raw: bytes = b""
    """The line as it is in the file, without its line break."""

    def describe(self, path_text: str) -> str:
        """`events.jsonl:12: occurred_at: invalid_field (Input should have timezone info)`."""
        rejection = self.rejection
        field = f"{rejection.field}: " if rejection.field else ""
        return f"{path_text}:{self.line_number}: {field}{rejection.reason} ({rejection.detail})"


class TokenBucket:
    """Paces calls to `rate_per_second` on a monotonic clock.

    Tokens accrue from the real time elapsed, so oversleeping is paid back by the next calls
    and the long-run rate does not drift. The bucket starts with one token (the first call
    passes at once) and holds at most `burst_seconds` worth, which bounds the catch-up burst
    after a stall.
    """

    def __init__(
        self,
        rate_per_second: float,
        burst_seconds: float = BURST_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be > 0")
        self.rate_per_second = rate_per_second
        self.capacity_tokens = max(1.0, rate_per_second * burst_seconds)
        self._clock = clock
        self._sleep = sleep
        self._tokens = 1.0
        self._refilled_at = clock()

    def take(self) -> None:
        """Returns when one token is available, and spends it. A sleep that ended early
        (or a rounding error) leaves a small debt that the next call waits for, instead of
        a loop of ever tinier sleeps."""
        self._refill()
        if self._tokens < 1.0:
            self._sleep((1.0 - self._tokens) / self.rate_per_second)
            self._refill()
        self._tokens -= 1.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens += (now - self._refilled_at) * self.rate_per_second
        self._refilled_at = now
        if self._tokens > self.capacity_tokens:
            self._tokens = self.capacity_tokens


def records(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number from 1, line without its line break) of every non-blank line."""
    with path.open("rb") as source:
        for line_number, line in enumerate(source, 1):
            value = line.rstrip(b"\r\n")
            if value.strip():
                yield line_number, value


def invalid_lines(
    path: Path, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[InvalidLine]:
    """Every non-blank line that the worker would reject, with the reason and field."""
    for line_number, value in records(path):
        parsed = parse_event(value, max_record_bytes)
        if isinstance(parsed, Rejection):
            yield InvalidLine(line_number, parsed, value)


def record_key(value: bytes) -> bytes | None:
    """`conversation_id` as UTF-8, or None when the line is not an object holding one as a
    string (such a record is sent unkeyed: only `raw` mode sends it)."""
    try:
        body = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    if isinstance(body, dict):
        conversation_id = body.get("conversation_id")
        if isinstance(conversation_id, str):
            return conversation_id.encode("utf-8")
    return None


def ensure_topic_at(
    bootstrap_servers: str, topic: str, partitions: int, security: Mapping[str, Any] = EMPTY
) -> int:
    """`topics.ensure_topic` on the broker at `bootstrap_servers`, its errors as
    `ProduceError`: creates `topic` with `partitions` partitions and the broker's default
    replication factor; an existing topic is left as it is. Returns the partition count the topic
    has. `security`: `client_security` arguments."""
    try:
        with admin_client(bootstrap_servers, security, client_id="carepulse-produce",
                          timeout_seconds=BROKER_TIMEOUT_SECONDS) as admin:
            return topics.ensure_topic(admin, topic, partitions)
    except TopicSetupError as error:
        raise ProduceError(str(error)) from error


def produce_file(
    path: Path,
    bootstrap_servers: str,
    topic: str,
    rate_per_second: float | None = None,
    partitions: int = 4,
    security: Mapping[str, Any] = EMPTY,
    *,
    on_invalid: Callable[[InvalidLine], None] | None = None,
    stamp: Callable[[bytes], bytes] | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> int:
    """Sends every non-blank line of `path` to `topic`, keyed by `conversation_id`; waits
    until the broker acknowledged them all and returns how many were sent.

    Validation is the caller's choice: by default every line is sent as it is (see
    `invalid_lines` to refuse a file first); with `on_invalid`, each line the worker would
    reject (under `max_record_bytes`) is handed to it instead of being sent. `stamp`, if
    given, rewrites each line as it leaves (after the pacing wait), e.g. to date it with
    the wall clock. `security`: `client_security` arguments."""
    refused = _connection_refused(bootstrap_servers)
    if refused is not None:
        raise ProduceError(f"broker {bootstrap_servers} unreachable: {refused}")
    ensure_topic_at(bootstrap_servers, topic, partitions, security)
    try:
        producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id="carepulse-produce",
            **security,
            linger_ms=LINGER_MS,
            batch_size=BATCH_BYTES,
            bootstrap_timeout_ms=int(BROKER_TIMEOUT_SECONDS * 1000),
            max_block_ms=int(BROKER_TIMEOUT_SECONDS * 1000),
            request_timeout_ms=int(BROKER_TIMEOUT_SECONDS * 1000),
            delivery_timeout_ms=int(DELIVERY_TIMEOUT_SECONDS * 1000),
        )
    except KafkaError as error:
        raise _unreachable(bootstrap_servers, error) from error
    failures: list[BaseException] = []  # appended by the producer's I/O thread
    bucket = TokenBucket(rate_per_second) if rate_per_second is not None else None
    sent = 0
    try:
        for line_number, line in records(path):
            if on_invalid is not None:
                parsed = parse_event(line, max_record_bytes)
                if isinstance(parsed, Rejection):
                    on_invalid(InvalidLine(line_number, parsed, line))
                    continue
            if bucket is not None:
                bucket.take()
            value = line if stamp is None else stamp(line)
            producer.send(topic, value=value, key=record_key(value)).add_errback(
                failures.append
            )
            sent += 1
        producer.flush(timeout=DELIVERY_TIMEOUT_SECONDS)
    except KafkaError as error:
        raise ProduceError(f"topic {topic!r} on {bootstrap_servers}: {_first_line(error)}") \
            from error
    finally:
        producer.close(timeout=BROKER_TIMEOUT_SECONDS)
    if failures:
        raise ProduceError(
            f"{len(failures):,} of {sent:,} events were not acknowledged by "
            f"{bootstrap_servers}: {_first_line(failures[0])}"
        )
    return sent


def _connection_refused(bootstrap_servers: str) -> str | None:
    """Why no bootstrap server can be reached, or None when one accepts a TCP connection.

    A refused connection or an unknown host fails at once, and is reported at once: the
    Kafka client would only retry it until its timeout. A server that does not answer is
    waited for, all of them together at most `BROKER_TIMEOUT_SECONDS`."""
    deadline = time.monotonic() + BROKER_TIMEOUT_SECONDS
    reasons: list[str] = []
    silent = False
    for host, port, family in collect_hosts(bootstrap_servers, randomize=False):
        try:
            addresses = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        except socket.gaierror:
            reasons.append(f"host {host!r} not found")
            continue
        for address_family, kind, protocol, _, address in addresses:
            remaining_seconds = deadline - time.monotonic()
            if remaining_seconds <= 0:
                silent = True
                break
            with socket.socket(address_family, kind, protocol) as probe:
                probe.settimeout(remaining_seconds)
                try:
                    probe.connect(address)
                except TimeoutError:
                    silent = True
                except OSError as error:
                    reasons.append(
                        f"connection to {host}:{port} refused"
                        if error.errno == errno.ECONNREFUSED
                        else f"{host}:{port}: {error.strerror or type(error).__name__}"
                    )
                else:
                    return None
    if silent:
        return f"no answer within {BROKER_TIMEOUT_SECONDS:g} s"
    return "; ".join(dict.fromkeys(reasons)) or "no bootstrap server"


def _unreachable(bootstrap_servers: str, error: KafkaError) -> ProduceError:
    if isinstance(error, KafkaTimeoutError):
        return ProduceError(
            f"broker {bootstrap_servers} unreachable: no answer within "
            f"{BROKER_TIMEOUT_SECONDS:g} s"
        )
    return ProduceError(f"broker {bootstrap_servers}: {_first_line(error)}")


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
