"""The worker works with the partition count its input topic really has (issue 13,
points 0 and 4): a missing input topic is created with `[kafka] partitions` before Faust
starts (never auto-created by the broker with its default 4), an existing one is taken
as it is, and the state changelog follows the input's count."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from streams.config import CarePulseConfig
from streams.kafka.broker import EmbeddedBroker
from streams.kafka.produce import ensure_topic_at, produce_file
from streams.kafka.topics import (
    TopicSetupError,
    changelog_topic_name,
    prepare_topics,
    topic_partition_count,
)
from streams.testing.simulate import write_file
from tests.live.fixtures import (
    AnyBroker,
    WorkerProcess,
    assert_metrics_equal_replay,
    merged,
    replayed,
    total,
    worker_config,
)

pytestmark = pytest.mark.broker


def config_for(broker_url: str, name: str, partitions: int) -> CarePulseConfig:
    return CarePulseConfig.model_validate({"kafka": {
        "bootstrap_servers": broker_url, "app_id": name, "input_topic": f"{name}.events",
        "dlq_topic": f"{name}.dlq", "alerts_topic": f"{name}.alerts", "partitions": partitions,
    }})


def test_a_missing_input_topic_and_its_changelog_are_created_with_the_configured_count(
    embedded_broker: EmbeddedBroker,
) -> None:
    config = config_for(embedded_broker.url, "prepare-missing", 6)
    assert topic_partition_count(embedded_broker.url, "prepare-missing.events") is None
    assert prepare_topics(config) == 6
    assert topic_partition_count(embedded_broker.url, "prepare-missing.events") == 6
    assert topic_partition_count(embedded_broker.url, "prepare-missing-state-changelog") == 6
    for single in (config.kafka.dlq_topic, config.kafka.alerts_topic):  # before Faust starts
        assert topic_partition_count(embedded_broker.url, single) == 1
    assert prepare_topics(config) == 6  # a second start finds them as they are


def test_an_existing_topic_keeps_its_count_and_the_changelog_follows_it(
    embedded_broker: EmbeddedBroker,
) -> None:
    ensure_topic_at(embedded_broker.url, "prepare-existing.events", 12)
    assert prepare_topics(config_for(embedded_broker.url, "prepare-existing", 4)) == 12
    changelog = changelog_topic_name(config_for(embedded_broker.url, "prepare-existing", 4).kafka)
    assert topic_partition_count(embedded_broker.url, changelog) == 12


def test_a_changelog_of_another_count_is_refused_in_one_line_saying_what_to_do(
    embedded_broker: EmbeddedBroker, tmp_path: Path,
) -> None:
    ensure_topic_at(embedded_broker.url, "prepare-clash.events", 6)
    ensure_topic_at(embedded_broker.url, "prepare-clash-state-changelog", 4)
    with pytest.raises(TopicSetupError, match=r"has 4 partitions .* has 6: .* new kafka\.app_id"):
        prepare_topics(config_for(embedded_broker.url, "prepare-clash", 4))
    config = tmp_path / "clash.toml"
    config.write_text('[kafka]\napp_id = "prepare-clash"\n'
                      'input_topic = "prepare-clash.events"\n', encoding="utf-8")
    worker = subprocess.run(
        [sys.executable, "-m", "streams.cli", "worker", "--config", str(config),
         "--broker", embedded_broker.url],
        check=False, capture_output=True, text=True, timeout=60,
    )
    assert worker.returncode == 2
    assert worker.stderr.count("\n") == 1
    assert worker.stderr.startswith("carepulse worker: error: the changelog "
                                    "'prepare-clash-state-changelog' has 4 partitions")


def test_the_changelog_keeps_the_name_faust_gave_the_state_table(tmp_path: Path) -> None:
    """Checkpoints written by versions that kept a Faust table named `state` restore."""
    from streams.live.worker import build_app

    config = CarePulseConfig.model_validate(
        {"kafka": {"app_id": "named"}, "worker": {"data_dir": str(tmp_path)}}
    )
    _, worker, _ = build_app(config)
    assert changelog_topic_name(config.kafka) == "named-state-changelog"
    assert worker.topic_partitions == config.kafka.partitions  # until run_worker sets it


def test_a_worker_started_before_its_topic_creates_it_with_the_configured_count(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    worker_config(tmp_path / "early.toml", "early", 9108)  # the env port wins
    configured = (tmp_path / "early.toml").read_text().replace("partitions = 4", "partitions = 6")
    (tmp_path / "early.toml").write_text(configured)
    worker = start_worker("early")
    worker.wait_for(lambda m: total(m, "carepulse_partitions_owned") == 6, timeout_seconds=60)
    assert topic_partition_count(broker.url, "early.events") == 6
    assert topic_partition_count(broker.url, "early-state-changelog") == 6
    events = tmp_path / "events.jsonl"
    write_file(events, 2_000, seed=17)
    produce_file(events, broker.url, "early.events", partitions=2)  # exists: 6 stay
    run = replayed(broker, "early.events")
    m = worker.wait_for(lambda m: total(m, "carepulse_events_read_total") == 2_000)
    assert_metrics_equal_replay(m, run)
    assert worker.stop() == 0


@pytest.mark.parametrize("partitions", [1, 6, 12])
def test_two_workers_of_the_default_configuration_share_a_topic_of_any_count(
    partitions: int, tmp_path: Path, broker: AnyBroker,
    start_worker: Callable[..., WorkerProcess],
) -> None:
    """`[kafka] partitions` stays 4; the topic has 1, 6 or 12: both workers together own
    every partition once and their counters add up to the replay."""
    name = f"shared{partitions}"
    events = tmp_path / "events.jsonl"
    write_file(events, 6_000, seed=partitions, bad_fraction=0.01)
    produce_file(events, broker.url, f"{name}.events", partitions=partitions)
    run = replayed(broker, f"{name}.events")
    first, second = start_worker(name), start_worker(name)

    def settled() -> bool:
        try:
            m = merged(worker.scrape() for worker in (first, second))
        except OSError:  # a worker does not serve /metrics yet
            return False
        return (total(m, "carepulse_partitions_owned") == partitions
                and total(m, "carepulse_partitions_recovering") == 0
                and total(m, "carepulse_events_read_total") == 6_000)

    deadline = time.monotonic() + 90
    while not settled():
        assert time.monotonic() < deadline, "the two workers did not settle in 90 s"
        time.sleep(0.5)
    assert_metrics_equal_replay(merged(worker.scrape() for worker in (first, second)), run)
    assert first.stop() == 0
    assert second.stop() == 0


def test_the_changelog_is_created_compacted(broker: AnyBroker) -> None:
    """A compacted changelog keeps every key's last checkpoint record for ever; with the
    default policy, Apache Kafka would delete checkpoints older than its retention."""
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    assert prepare_topics(config_for(broker.url, "compacted", 4)) == 4
    admin = KafkaAdminClient(bootstrap_servers=broker.url)
    try:
        described = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, "compacted-state-changelog")]
        )
    finally:
        admin.close()
    configs = described["topic"]["compacted-state-changelog"]
    if not configs:
        pytest.skip("this broker does not describe topic configurations (the embedded one)")
    policy = configs["cleanup.policy"]  # kafka-python 3: {key: {config data}}
    assert policy == "compact" or policy.get("value", policy.get("config_value")) == "compact"
