"""The gateway's producer: a request is answered only once the broker acknowledged it.

kafka-python's producer with `acks="all"` and idempotence (the broker drops a batch the
client sends again after a lost answer, so a retry inside the client never writes a
record twice). aiokafka's idempotent producer is refused by the embedded broker
(InitProducerId answers an unknown error); kafka-python's is accepted by it and by Apache
Kafka. Its `send` may wait for metadata, so every `send` runs on one thread of its own,
never on the event loop; the acknowledgements come back to the loop as futures.

A request's records are all acknowledged, or the request fails (`NotAcknowledged`) once
`[ingest] ack_timeout_seconds` have passed, which is also the client's delivery timeout:
the caller answers 503 and the sender sends the request again. Records of a failed
request that did reach the broker are then written twice, with the same event ids: the
worker counts the second copy as a duplicate, never a second event.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from streams.kafka import topics as kafka_topics
from streams.kafka.topics import TopicSetupError, admin_client

LINGER_MS = 2
CLIENT_ID = "carepulse-ingest"


class NotAcknowledged(Exception):
    """The broker did not acknowledge every record of a request in time."""


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    key: bytes | None
    value: bytes
    headers: Sequence[tuple[str, bytes]] = field(default_factory=tuple)


class AckedProducer:
    """Sends a request's records and waits for the broker's acknowledgement of all."""

    def __init__(
        self, bootstrap_servers: str, ack_timeout_seconds: float,
        security: Mapping[str, Any],
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.ack_timeout_seconds = ack_timeout_seconds
        self._security = dict(security)
        self._producer: KafkaProducer | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="carepulse-ingest-send")

    @property
    def ready(self) -> bool:
        return self._producer is not None

    async def start(self) -> None:
        timeout_ms = int(self.ack_timeout_seconds * 1000)
        self._producer = await self._on_thread(lambda: KafkaProducer(
            bootstrap_servers=self.bootstrap_servers, client_id=CLIENT_ID, acks="all",
            enable_idempotence=True, linger_ms=LINGER_MS, max_block_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms, delivery_timeout_ms=timeout_ms + LINGER_MS,
            request_timeout_ms=timeout_ms, **self._security,
        ))

    async def ensure_topics(self, topics: Mapping[str, int]) -> None:
        """Creates the missing topics (name -> partitions) and loads their metadata, so
        that no request waits for it."""

        def ensure() -> None:
            with admin_client(self.bootstrap_servers, self._security, client_id=CLIENT_ID,
                              timeout_seconds=self.ack_timeout_seconds) as admin:
                for name, partitions in topics.items():
                    kafka_topics.ensure_topic(admin, name, partitions)
            assert self._producer is not None
            for name in topics:
                self._producer.partitions_for(name)

        try:
            await self._on_thread(ensure)
        except (TopicSetupError, KafkaError) as error:
            raise NotAcknowledged(str(error).splitlines()[0]) from error

    async def produce(self, records: Sequence[Record]) -> None:
        """Returns once the broker acknowledged every record; raises NotAcknowledged."""
        producer = self._producer
        if producer is None:
            raise NotAcknowledged("the producer is not connected to the broker yet")
        if not records:
            return
        loop = asyncio.get_running_loop()

        def send() -> list[asyncio.Future[Any]]:
            acknowledged: list[asyncio.Future[Any]] = []
            for record in records:
                future: asyncio.Future[Any] = loop.create_future()
                sent = producer.send(record.topic, value=record.value, key=record.key,
                                     headers=list(record.headers))
                sent.add_callback(_resolve, loop, future)
                sent.add_errback(_fail, loop, future)
                acknowledged.append(future)
            return acknowledged

        try:
            acknowledged = await self._on_thread(send)
            await asyncio.wait_for(asyncio.gather(*acknowledged), self.ack_timeout_seconds)
        except TimeoutError as error:
            raise NotAcknowledged(
                f"no acknowledgement within {self.ack_timeout_seconds:g} s") from error
        except KafkaError as error:
            raise NotAcknowledged(_first_line(error)) from error

    async def discard(self) -> None:
        """Drops the producer, so that `start` makes a new one: after an outage a new
        producer finds the topics again, also on a broker that lost them. What it still
        holds belongs to requests already answered 503, and expires within the delivery
        timeout (the acknowledgement timeout)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await self._on_thread(lambda: _close(producer, 2 * self.ack_timeout_seconds))

    async def stop(self) -> None:
        """Flushes what is in flight, then closes."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await self._on_thread(lambda: producer.close(timeout=self.ack_timeout_seconds))
        self._thread.shutdown(wait=True)

    async def _on_thread(self, call: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call)


def _close(producer: KafkaProducer, timeout_seconds: float) -> None:
    with contextlib.suppress(KafkaError):  # records that did not expire yet: left behind
        producer.close(timeout=timeout_seconds)


def _resolve(loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], _: Any) -> None:
    loop.call_soon_threadsafe(_set_result, future)


def _fail(loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], error: Any) -> None:
    loop.call_soon_threadsafe(_set_exception, future, error)


def _set_result(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_result(None)


def _set_exception(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error if isinstance(error, BaseException) else KafkaError(error))


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
