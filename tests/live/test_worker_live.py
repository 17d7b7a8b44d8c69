"""The live worker against a real broker: exact metrics over HTTP, DLQ, restarts."""

from __future__ import annotations

import json
import signal
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from streams.config import CarePulseConfig
from streams.kafka.produce import produce_file
from streams.testing import Scenario
from streams.testing.simulate import label_allowlists, write_file
from tests.live.fixtures import (
    AnyBroker,
    WorkerProcess,
    assert_metrics_equal_replay,
    produce_simulated,
    read_topic,
    replayed,
    total,
)

pytestmark = pytest.mark.broker


# a part of what the simulation generates, so that `other` counts too
SIMULATED = label_allowlists()
LABELS_TOML = "".join(
    f"[{section}]\nallowlist = {json.dumps(list(values[:count]))}\n"
    for (section, values), count in zip(SIMULATED.items(), (2, 5, 4, 10, 2), strict=True)
)
SERIES_TOML = "agent_series = true\nteam_series = true"
LABELS_CONFIG = CarePulseConfig.model_validate(
    {**tomllib.loads(LABELS_TOML), "metrics": {"agent_series": True, "team_series": True}}
)
HAND_LABELS_TOML = (
    '[brands]\nallowlist = ["default", "acme"]\n[topics]\nallowlist = ["billing"]\n'
    '[quick_replies]\nallowlist = ["qr-thanks"]\n'
)


def hand_computed_scenario(path: Path) -> Path:
    s = Scenario()
    s.message("10:00", conversation="c-1", topic="billing")
    s.agent_reply("10:05", conversation="c-1", quick_reply="qr-thanks")
    s.message("10:10", conversation="c-1")
    s.agent_reply("10:20", conversation="c-1", quick_reply="qr-other")
    s.resolve("10:30", conversation="c-1")
    x = {"conversation": "c-2", "channel": "x", "brand": "acme"}
    s.message("10:00", topic="shoes", **x)
    s.bot_reply("10:00:30", **x)
    s.handoff("10:02", **x)
    s.agent_reply("10:12", **x)
    s.survey("10:40", "csat", 5, **x)
    s.survey("10:41", "nps", 9, **x)
    lines = s.lines()
    lines.append(lines[0])  # a duplicate
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_a_hand_computed_scenario_gives_exact_metrics(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    worker = start_worker("handmade", HAND_LABELS_TOML)
    produce_file(hand_computed_scenario(tmp_path / "events.jsonl"), broker.url,
                 "handmade.events")
    m = worker.wait_for(lambda m: total(m, "carepulse_survey_responses_total") == 2)
    expected = {
        ("carepulse_messages_received_total", (("channel", "facebook"),)): 2,
        ("carepulse_messages_received_total", (("channel", "x"),)): 1,
        ("carepulse_replies_sent_total", (("author_type", "agent"), ("channel", "facebook"))): 2,
        ("carepulse_replies_sent_total", (("author_type", "bot"), ("channel", "x"))): 1,
        ("carepulse_replies_sent_total", (("author_type", "agent"), ("channel", "x"))): 1,
        ("carepulse_conversations_opened_total", (("channel", "facebook"),)): 1,
        ("carepulse_conversations_opened_total", (("channel", "x"),)): 1,
        ("carepulse_conversations_resolved_total",
         (("channel", "facebook"), ("resolved_by", "agent"))): 1,
        ("carepulse_first_response_seconds_count", (("channel", "facebook"),)): 1,
        ("carepulse_first_response_seconds_sum", (("channel", "facebook"),)): 300,
        ("carepulse_first_response_seconds_bucket", (("channel", "facebook"), ("le", "60.0"))): 0,
        ("carepulse_first_response_seconds_bucket",
         (("channel", "facebook"), ("le", "300.0"))): 1,
        ("carepulse_first_response_seconds_count", (("channel", "x"),)): 1,
        ("carepulse_first_response_seconds_sum", (("channel", "x"),)): 600,
        ("carepulse_first_response_seconds_bucket", (("channel", "x"), ("le", "300.0"))): 0,
        ("carepulse_first_response_seconds_bucket", (("channel", "x"), ("le", "900.0"))): 1,
        ("carepulse_reply_wait_seconds_count", (("channel", "facebook"),)): 2,
        ("carepulse_reply_wait_seconds_sum", (("channel", "facebook"),)): 900,
        ("carepulse_reply_wait_seconds_count", (("channel", "x"),)): 1,
        ("carepulse_reply_wait_seconds_sum", (("channel", "x"),)): 600,
        ("carepulse_resolution_seconds_count", (("channel", "facebook"),)): 1,
        ("carepulse_resolution_seconds_sum", (("channel", "facebook"),)): 1800,
        ("carepulse_survey_responses_total", (("score", "5"), ("survey", "csat"))): 1,
        ("carepulse_survey_responses_total", (("score", "9"), ("survey", "nps"))): 1,
        ("carepulse_open_conversations", (("channel", "x"),)): 1,
        ("carepulse_topic_messages_total", (("channel", "facebook"), ("topic", "billing"))): 1,
        ("carepulse_topic_messages_total", (("channel", "facebook"), ("topic", "none"))): 1,
        ("carepulse_topic_messages_total", (("channel", "x"), ("topic", "other"))): 1,
        ("carepulse_quick_replies_total",
         (("channel", "facebook"), ("quick_reply", "qr-thanks"))): 1,
        ("carepulse_quick_replies_total", (("channel", "facebook"), ("quick_reply", "other"))): 1,
        ("carepulse_events_duplicate_total", ()): 1,
        ("carepulse_events_rejected_total", (("reason", "invalid_json"),)): 0,
    }
    brand_of = {"facebook": "default", "x": "acme"}  # the brand of each channel's events

    def series(labels: tuple[tuple[str, str], ...]) -> frozenset[tuple[str, str]]:
        channel = dict(labels).get("channel")
        return frozenset(labels) | ({("brand", brand_of[channel])} if channel else set())

    got = {key: m.get((key[0], series(key[1]))) for key in expected}
    assert got == expected
    assert total(m, "carepulse_topic_messages_total") == 3
    assert {name for name, _ in m if name.startswith("carepulse_agent_")} == set()
    assert total(m, "carepulse_waiting_conversations") == 0
    assert worker.stop() == 0


def test_simulated_traffic_metrics_equal_the_replay_and_bad_records_reach_the_dlq(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    events = tmp_path / "events.jsonl"
    write_file(events, 20_000, seed=5, bad_fraction=0.01)
    worker = start_worker(
        "simulated", LABELS_TOML, SERIES_TOML, checkpoint_events=1000
    )
    produce_file(events, broker.url, "simulated.events")
    run = replayed(broker, "simulated.events", LABELS_CONFIG)
    assert run.read == 20_000
    expected_messages = run.report()["totals"]["messages_received"]
    m = worker.wait_for(
        lambda m: total(m, "carepulse_messages_received_total") == expected_messages
        and total(m, "carepulse_events_rejected_total") == 200
    )
    assert_metrics_equal_replay(m, run)

    dead = read_topic(broker, "simulated.dlq", expected=200)
    assert len(dead) == 200
    reasons = Counter(dict(record.headers)["carepulse-reason"].decode() for record in dead)
    assert reasons == Counter(run.rejected)
    source = KafkaConsumer(bootstrap_servers=broker.url, auto_offset_reset="earliest")
    for record in dead[:20]:
        headers = dict(record.headers)
        assert headers["carepulse-source-topic"] == b"simulated.events"
        partition = TopicPartition("simulated.events", int(headers["carepulse-source-partition"]))
        source.assign([partition])
        source.seek(partition, int(headers["carepulse-source-offset"]))
        original = next(iter(source.poll(timeout_ms=5000, max_records=1).values()))[0]
        assert original.value == record.value  # untouched
    assert worker.process is not None and worker.process.poll() is None
    assert worker.stop() == 0


def test_a_worker_killed_mid_stream_ends_with_the_replay_numbers(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    produce_simulated(broker, "restart.events", tmp_path / "events.jsonl", 30_000, seed=9,
                      bad_fraction=0.005)
    run = replayed(broker, "restart.events", LABELS_CONFIG)
    expected_messages = run.report()["totals"]["messages_received"]
    first = start_worker("restart", LABELS_TOML, SERIES_TOML, checkpoint_events=2000)
    first.wait_for(lambda m: total(m, "carepulse_messages_received_total") > 3000)
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL

    second = start_worker("restart")
    m = second.wait_for(
        lambda m: total(m, "carepulse_messages_received_total") >= expected_messages
    )
    m = second.wait_for(lambda _: True)  # one more scrape once caught up
    assert_metrics_equal_replay(m, run)
    assert second.stop() == 0


def test_two_workers_share_the_partitions_and_the_survivor_takes_over(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    first = start_worker("shared", checkpoint_events=1000)
    first.wait_for(lambda m: total(m, "carepulse_partitions_owned") == 4)
    second = start_worker("shared")
    second.wait_for(lambda m: total(m, "carepulse_partitions_owned") == 2)
    first.wait_for(lambda m: total(m, "carepulse_partitions_owned") == 2)

    produce_simulated(broker, "shared.events", tmp_path / "events.jsonl", 30_000, seed=13,
                      bad_fraction=0.005)
    run = replayed(broker, "shared.events")
    expected_messages = run.report()["totals"]["messages_received"]
    second.wait_for(lambda m: total(m, "carepulse_messages_received_total") > 2000)
    assert total(first.scrape(), "carepulse_messages_received_total") > 0
    assert second.stop(signal.SIGKILL) == -signal.SIGKILL

    m = first.wait_for(
        lambda m: total(m, "carepulse_partitions_owned") == 4
        and total(m, "carepulse_messages_received_total") == expected_messages,
        timeout_seconds=120,
    )
    assert_metrics_equal_replay(m, run)
    assert first.stop() == 0
