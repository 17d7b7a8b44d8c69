"""Helpers of the gateway tests: a help desk made for the tests (the machinery is
generic; Chatwoot's mapping has tests of its own), the gateway served in a thread of the
test process on a real embedded broker, HTTP calls, and topics read back."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from kafka import KafkaConsumer, TopicPartition

from streams.bridge.platforms import Platform
from streams.bridge.translation import Translation, ignore, mapped, reject
from streams.config import CarePulseConfig
from streams.kafka.broker import free_port

SIGNATURE_HEADER = "X-Acme-Signature"


def acme_verify(secret: bytes, headers: Mapping[str, str], body: bytes) -> str | None:
    given = headers.get(SIGNATURE_HEADER)
    if given is None:
        return f"the {SIGNATURE_HEADER} header is missing"
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(given, expected) else "the signature does not match"


def acme_translate(body: bytes, settings: object) -> Translation:
    delivery = orjson.loads(body)
    if delivery.get("kind") == "ping":
        return ignore("ping")
    if "events" not in delivery:
        return reject("missing_field", "events", "field required")
    return mapped(delivery["events"])


ACME = Platform("acme", acme_verify, acme_translate, kept_headers=(SIGNATURE_HEADER,))


def acme_signature(secret: bytes, body: bytes) -> str:
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


@dataclass
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return orjson.loads(self.body)


def call(url: str, data: bytes | None = None, headers: Mapping[str, str] | None = None,
         timeout_seconds: float = 30, context: ssl.SSLContext | None = None) -> Answer:
    request = urllib.request.Request(url, data=data, headers=dict(headers or {}),
                                     method="GET" if data is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds,
                                    context=context) as response:
            return Answer(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), dict(error.headers))


class ThreadGateway:
    """`streams.ingest.server.serve` on an event loop of its own thread."""

    def __init__(self, config: CarePulseConfig, environ: Mapping[str, str],
                 platforms: Mapping[str, Platform], context: ssl.SSLContext | None = None,
                 ) -> None:
        self.config = config
        self.environ = environ
        self.platforms = platforms
        self.context = context  # trusting the gateway's certificate, with [ingest] tls
        scheme = "https" if config.ingest.tls else "http"
        self.url = f"{scheme}://{config.ingest.host}:{config.ingest.port}"
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.exit_code: int | None = None

    def _run(self) -> None:
        from streams.ingest.server import serve

        asyncio.set_event_loop(self._loop)

        async def main() -> int:
            self._stop = asyncio.Event()
            return await serve(self.config, self.platforms, None, self.environ, self._stop)

        self.exit_code = self._loop.run_until_complete(main())

    def __enter__(self) -> ThreadGateway:
        self._thread.start()
        for _ in range(300):
            answer = self._ready()
            if answer:
                return self
            threading.Event().wait(0.05)
        raise AssertionError("the gateway did not become healthy")

    def _ready(self) -> bool:
        try:
            return call(self.url + "/healthz", timeout_seconds=5,
                        context=self.context).status == 200
        except OSError:
            return False

    def __exit__(self, *exc: object) -> None:
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout=30)


def gateway_config(broker_url: str, name: str, **ingest: Any) -> CarePulseConfig:
    """Topics of its own (`<name>.events`, `<name>.dlq`, raw `<name>.raw.<platform>`)."""
    return CarePulseConfig.model_validate({
        "kafka": {"bootstrap_servers": broker_url, "input_topic": f"{name}.events",
                  "dlq_topic": f"{name}.dlq", "alerts_topic": f"{name}.alerts",
                  "app_id": name},
        "ingest": {"port": free_port(), "raw_topic_prefix": f"{name}.raw.", **ingest},
    }, strict=False)


def read_topic(broker_url: str, topic: str) -> list[Any]:
    """Every record of `topic` (all partitions, from the beginning to the end)."""
    consumer = KafkaConsumer(bootstrap_servers=broker_url, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p)
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list[Any] = []
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()
