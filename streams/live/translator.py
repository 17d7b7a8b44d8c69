"""`carepulse bridge run` (and the child of `carepulse ingest`): the Faust agent that
turns help-desk deliveries on the raw topics into contract events on the input topic.

Each raw record is handed to its platform's mapping (streams/bridge/platforms.py, chosen
by the raw topic's name, with the settings its configuration section builds); the
events it makes are produced keyed by `conversation_id`, a
record that cannot be mapped is copied to the DLQ with the reason and field path
(streams/kafka/dlq.py), a delivery the mapping does not use is only counted. Every send
is acknowledged before the record is (at least once: after a crash the records since
the last commit are translated again, into the same event ids, which the worker counts
as duplicates). Its consumer group is `<kafka.app_id>-bridge`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

import faust

from streams.bridge.platforms import Platform, raw_topic
from streams.config import CarePulseConfig
from streams.kafka.dlq import dead_letter
from streams.kafka.settings import client_security
from streams.kafka.topics import admin_client, ensure_topic
from streams.live.settings import faust_settings
from streams.live.startup import wait_for_broker

log = logging.getLogger("carepulse.bridge")
SUMMARY_SECONDS = 60.0
QUIET_LOGGERS = ("faust", "mode", "kafka", "aiokafka")


def bridge_config(config: CarePulseConfig) -> CarePulseConfig:
    """The configuration of the translator's Faust app: its own group and data dir."""
    kafka = config.kafka.model_copy(update={"app_id": f"{config.kafka.app_id}-bridge"})
    return config.model_copy(update={"kafka": kafka})


class Translator:
    def __init__(self, app: faust.App, config: CarePulseConfig,
                 platforms: Mapping[str, Platform], settings: Mapping[str, Any]) -> None:
        self.app = app
        self.config = config
        self.settings = settings
        prefix = config.ingest.raw_topic_prefix
        self.by_topic = {raw_topic(prefix, platform): platform for platform in platforms.values()}
        self.counts: Counter[str] = Counter()

    async def handle(self, topic: str, partition: int, offset: int, key: bytes | None,
                     value: bytes | None) -> None:
        platform = self.by_topic[topic]
        translation = platform.translate(value or b"", self.settings[platform.name])
        producer = self.app.producer
        kafka = self.config.kafka
        if translation.rejected is not None:
            dlq_key, dlq_value, headers = dead_letter(
                translation.rejected, topic, partition, offset, key, value,
                self.app.conf.producer_max_request_size)
            sent = [await producer.send(kafka.dlq_topic, dlq_key, dlq_value, None,
                                        timestamp=None, headers=headers)]
            self.counts["dead_lettered"] += 1
        else:
            sent = [await producer.send(kafka.input_topic, event_key, event, None,
                                        timestamp=None, headers=None)
                    for event_key, event in translation.records()]
            self.counts["ignored" if translation.ignored else "translated"] += 1
            self.counts["events"] += len(translation.events)
        await asyncio.gather(*sent)  # acknowledged before the raw record is

    def summary(self) -> str:
        counts = self.counts
        return (f"bridge: {counts['translated']:,} deliveries translated into "
                f"{counts['events']:,} events, {counts['ignored']:,} ignored, "
                f"{counts['dead_lettered']:,} to the DLQ")


def build_app(config: CarePulseConfig, platforms: Mapping[str, Platform],
              settings: Mapping[str, Any]) -> faust.App:
    own = bridge_config(config)
    app = faust.App(own.kafka.app_id, **faust_settings(own))
    translator = Translator(app, config, platforms, settings)
    source = app.topic(*translator.by_topic, key_type=bytes, value_type=bytes,
                       key_serializer="raw", value_serializer="raw")

    @app.agent(source, name="translate")
    async def translate(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            await translator.handle(message.topic, message.partition, message.offset,
                                    message.key, message.value)

    @app.task
    async def log_summary() -> None:
        while True:
            await asyncio.sleep(SUMMARY_SECONDS)
            log.info("%s", translator.summary())

    @app.on_before_shutdown.connect  # type: ignore[arg-type]
    async def on_before_shutdown(app: faust.App, **kwargs: Any) -> None:
        log.info("%s", translator.summary())

    del translate, log_summary, on_before_shutdown
    return app


def prepare(config: CarePulseConfig, platforms: Mapping[str, Platform]) -> None:
    kafka = config.kafka
    prefix = config.ingest.raw_topic_prefix
    with admin_client(kafka.bootstrap_servers, client_security(kafka),
                      client_id="carepulse-bridge-topics") as admin:
        ensure_topic(admin, kafka.input_topic, kafka.partitions)
        ensure_topic(admin, kafka.dlq_topic, 1)
        for platform in platforms.values():
            ensure_topic(admin, raw_topic(prefix, platform), 1)


def run_translator(config: CarePulseConfig, platforms: Mapping[str, Platform],
                   settings: Mapping[str, Any], log_level: str = "info") -> int:
    """Waits for the broker, then translates until SIGINT or SIGTERM. `settings`: each
    platform's mapping settings (streams.config.bridges)."""
    app = build_app(config, platforms, settings)
    if not wait_for_broker(config.kafka):
        return 0
    prepare(config, platforms)
    _Worker(app, loglevel=log_level, quiet=True).execute_from_commandline()
    return 0


class _Worker(faust.Worker):
    async def on_first_start(self) -> None:
        if self.loglevel not in ("debug", logging.DEBUG):
            for name in QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)
        await super().on_first_start()
