"""The worker's topics: created with the configured partition count before Faust starts,
then used with the partition count they really have.

Why before Faust: Faust does not create its source topic; the broker auto-creates a
missing one on the first metadata request with its own default (4 on the embedded
broker), whatever `[kafka] partitions` says. And the changelog must have as many
partitions as the input topic: the worker writes the state of input partition N to
changelog partition N (changelog.py).

So `prepare_topics` creates a missing input topic with `[kafka] partitions`, reads the
count it really has (an existing topic is taken as it is: production topics have 12 to
48 partitions), and creates a missing changelog with that count. A changelog that already
exists with another count cannot follow the input: one line says so and what to do, and
the worker does not start.

kafka-python's admin client: it asks for metadata without auto-creating the topics it
names, and creates topics with the broker's default replication factor.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError, for_code

from streams.config import CarePulseConfig, ConfigError, KafkaConfig
from streams.kafka.settings import client_security

__all__ = [
    "TopicSetupError",
    "admin_client",
    "changelog_topic_name",
    "ensure_topic",
    "partition_count",
    "prepare_topics",
    "topic_partition_count",
]

TIMEOUT_SECONDS = 10.0
"""Bootstrap, each request, and a new topic showing in the metadata: an unreachable
broker is an error, not a hang."""
UNKNOWN_TOPIC = 3  # UNKNOWN_TOPIC_OR_PARTITION
EMPTY: Mapping[str, Any] = MappingProxyType({})
CHANGELOG_CONFIGS: Mapping[str, str] = MappingProxyType({"cleanup.policy": "compact"})
"""A compacted changelog keeps the last record of every key, for ever: the default
policy (delete) would drop checkpoints older than the retention (7 days on Apache
Kafka), and a restore would lose the conversations they held."""


class TopicSetupError(ConfigError):
    """A topic cannot be read, created or used; one line that names the broker or the
    topic and says what to do (`carepulse worker` prints it and exits with 2)."""


def changelog_topic_name(kafka: KafkaConfig) -> str:
    """The worker's state changelog, named as Faust named the changelog of the state
    table earlier versions kept (`{app_id}-state-changelog`): their checkpoints restore."""
    return f"{kafka.app_id}-state-changelog"


@contextmanager
def admin_client(
    bootstrap_servers: str, security: Mapping[str, Any] = EMPTY,
    client_id: str = "carepulse-topics", timeout_seconds: float = TIMEOUT_SECONDS,
) -> Iterator[KafkaAdminClient]:
    """A connected admin client, closed on exit. `security`: `client_security`
    arguments. An unreachable broker is a TopicSetupError."""
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers, client_id=client_id, **security,
            request_timeout_ms=int(timeout_seconds * 1000),
            bootstrap_timeout_ms=int(timeout_seconds * 1000),
        )
    except KafkaTimeoutError as error:
        raise TopicSetupError(
            f"broker {bootstrap_servers} unreachable: no answer within {timeout_seconds:g} s"
        ) from error
    except KafkaError as error:
        raise TopicSetupError(f"broker {bootstrap_servers}: {_first_line(error)}") from error
    try:
        yield admin
    finally:
        admin.close()


def partition_count(admin: KafkaAdminClient, topic: str) -> int | None:
    """The number of partitions `topic` has now; None when it does not exist (the
    metadata request does not auto-create it)."""
    try:
        described = admin.describe_topics([topic])
    except KafkaError as error:
        raise TopicSetupError(f"topic {topic!r}: {_first_line(error)}") from error
    for answer in described:
        if answer.get("name") != topic:
            continue
        error_code = answer.get("error_code", 0)
        if error_code == UNKNOWN_TOPIC:
            return None
        if error_code:
            raise TopicSetupError(f"topic {topic!r}: {for_code(error_code).__name__}")
        return len(answer["partitions"]) or None
    return None


def ensure_topic(
    admin: KafkaAdminClient, topic: str, partitions: int,
    configs: Mapping[str, str] = EMPTY,
) -> int:
    """The partition count of `topic`, created first with `partitions` partitions, the
    broker's default replication factor and `configs` (topic settings) if it does not
    exist; an existing topic is left as it is."""
    count = partition_count(admin, topic)
    if count is not None:
        return count
    options: dict[str, Any] = {"num_partitions": partitions}
    if configs:
        options["configs"] = dict(configs)
    try:
        admin.create_topics({topic: options}, wait_for_metadata=True)
    except TopicAlreadyExistsError:
        pass  # created meanwhile by another worker or producer
    except KafkaError as error:
        raise TopicSetupError(f"cannot create topic {topic!r}: {_first_line(error)}") from error
    count = partition_count(admin, topic)
    if count is None:
        raise TopicSetupError(f"topic {topic!r} was created but the broker does not show it")
    return count


def topic_partition_count(
    bootstrap_servers: str, topic: str, security: Mapping[str, Any] = EMPTY
) -> int | None:
    """The partition count of `topic` on the broker; None when it does not exist."""
    with admin_client(bootstrap_servers, security) as admin:
        return partition_count(admin, topic)


def prepare_topics(config: CarePulseConfig, changelog_topic: str | None = None) -> int:
    """Before Faust starts: creates the input topic with `[kafka] partitions` if it is
    missing, the state changelog with the input topic's real count, and the DLQ and
    alerts topics with one partition each, if they are missing (declared by a Faust task
    instead, a SIGTERM during start-up stopped the producer under it and the worker
    crashed); returns the input's count, the one the worker must work with.
    TopicSetupError (one line) when the changelog exists with another count or the
    broker cannot create a topic."""
    kafka = config.kafka
    changelog = changelog_topic or changelog_topic_name(kafka)
    with admin_client(kafka.bootstrap_servers, client_security(kafka),
                      client_id="carepulse-worker-topics") as admin:
        partitions = ensure_topic(admin, kafka.input_topic, kafka.partitions)
        changelog_partitions = ensure_topic(admin, changelog, partitions, CHANGELOG_CONFIGS)
        for single in (kafka.dlq_topic, kafka.alerts_topic):
            ensure_topic(admin, single, 1)
    if changelog_partitions != partitions:
        raise TopicSetupError(
            f"the changelog {changelog!r} has {changelog_partitions} partitions and the "
            f"input topic {kafka.input_topic!r} has {partitions}: the worker's state cannot "
            f"follow the input's partitions; set a new kafka.app_id (a new consumer group "
            f"and changelog that count the input topic again from its start)"
        )
    return partitions


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
