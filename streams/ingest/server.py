"""Running the gateway: the HTTP server, its producer, the broker probe and, unless
apart, the translator as a supervised child; until SIGINT or SIGTERM.

A broker that is not there at start is waited for while the server already answers
(`/healthz` 503, requests 503): the producer is started again every few seconds. After a
request the broker did not acknowledge, the producer is replaced the same way (a new
one finds the topics again, even on a broker that lost them). On
SIGTERM the server stops listening, the requests in flight are answered (up to
`[ingest] ack_timeout_seconds` + 1 s), the producer flushes and closes, then the
translator is stopped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Mapping, Sequence

from aiohttp import web
from kafka.errors import KafkaError

from streams.bridge.platforms import Platform, raw_topic
from streams.config import CarePulseConfig
from streams.ingest.credentials import TOKEN_VARIABLE, load_credentials
from streams.ingest.gateway import Gateway
from streams.ingest.health import BrokerProbe
from streams.ingest.producer import AckedProducer, NotAcknowledged
from streams.ingest.supervisor import ChildSupervisor
from streams.kafka.settings import client_security
from streams.metrics.http_security import metrics_security, tls_context

log = logging.getLogger("carepulse.ingest")
PRODUCER_RETRY_SECONDS = 2.0


def topics_to_prepare(config: CarePulseConfig, platforms: Mapping[str, Platform]) -> dict[str, int]:
    """The input topic, and one raw topic of one partition per platform: Chatwoot's
    deliveries keep their arrival order through the translator."""
    prefix = config.ingest.raw_topic_prefix
    return {config.kafka.input_topic: config.kafka.partitions,
            **{raw_topic(prefix, platform): 1 for platform in platforms.values()}}


async def serve(
    config: CarePulseConfig, platforms: Mapping[str, Platform],
    translator_argv: Sequence[str] | None, environ: Mapping[str, str] = os.environ,
    stop: asyncio.Event | None = None,
) -> int:
    security = client_security(config.kafka, environ)
    credentials = load_credentials(
        ((name, platform.secret_variable) for name, platform in platforms.items()), environ)
    producer = AckedProducer(config.kafka.bootstrap_servers, config.ingest.ack_timeout_seconds,
                             security)
    probe = BrokerProbe(config.kafka.bootstrap_servers, security)
    stopping = stop or _stop_on_signals()
    starting = asyncio.create_task(_start_producer(producer, config, platforms, stopping))

    def recover() -> None:
        """After a request the broker did not acknowledge: a new producer (once)."""
        nonlocal starting
        if starting.done():
            starting = asyncio.create_task(
                _start_producer(producer, config, platforms, stopping, discard_first=True))

    gateway = Gateway(config, producer, probe, credentials, platforms,
                      metrics_security(config.metrics, environ), recover)
    ssl_context = tls_context(config.ingest)
    runner = web.AppRunner(gateway.application(), access_log=None,
                           shutdown_timeout=config.ingest.ack_timeout_seconds + 1.0)
    await runner.setup()
    ingest = config.ingest
    await web.TCPSite(runner, ingest.host, ingest.port, ssl_context=ssl_context).start()
    scheme = "http" if ssl_context is None else "https"
    log.info("gateway on %s://%s:%d (/v1/events, %s, /healthz, /metrics)", scheme, ingest.host,
             ingest.port, ", ".join(f"/webhooks/{name}" for name in platforms) or "no webhook")
    _warn_unprotected(credentials.tokens, platforms, credentials.secrets)
    supervisor = None
    if translator_argv is not None:
        supervisor = ChildSupervisor("translator", translator_argv)
        supervisor.start()
    await stopping.wait()
    log.info("stopping: answering the requests in flight")
    starting.cancel()
    await runner.cleanup()
    await producer.stop()
    await probe.close()
    if supervisor is not None:
        await supervisor.stop()
    log.info("gateway stopped")
    return 0


async def _start_producer(
    producer: AckedProducer, config: CarePulseConfig, platforms: Mapping[str, Platform],
    stop: asyncio.Event, discard_first: bool = False,
) -> None:
    if discard_first:
        await producer.discard()
    attempt = 1
    while not stop.is_set():
        try:
            if not producer.ready:
                await producer.start()
            await producer.ensure_topics(topics_to_prepare(config, platforms))
            if attempt > 1:
                log.info("broker %s answers: the gateway accepts requests",
                         config.kafka.bootstrap_servers)
            return
        except (KafkaError, NotAcknowledged) as error:
            log.warning("broker %s: %s (attempt %d); the gateway answers 503 meanwhile; "
                        "retrying in %g s", config.kafka.bootstrap_servers,
                        str(error).splitlines()[0] or type(error).__name__, attempt,
                        PRODUCER_RETRY_SECONDS)
        attempt += 1
        await asyncio.sleep(PRODUCER_RETRY_SECONDS)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


def _warn_unprotected(
    tokens: tuple[bytes, ...], platforms: Mapping[str, Platform], secrets: Mapping[str, bytes]
) -> None:
    if not tokens:
        log.warning("%s is not set: /v1/events refuses every request (401)", TOKEN_VARIABLE)
    for name, platform in platforms.items():
        if name not in secrets:
            log.warning("%s is not set: /webhooks/%s takes deliveries without checking their "
                        "signature", platform.secret_variable, name)
