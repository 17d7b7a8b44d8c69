"""The cardinality guard: 10,000 distinct channels, brands, agents, teams, topics and
quick replies in valid events, through the engines of four partitions and the `/metrics`
collector (directly, and in a live worker on a real broker), expose no more series than
`series_bound` of the configuration (docs/metrics.md, "Cardinality"), and `other` carries
exactly the counts of the values outside the allowlists."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from streams.config import CarePulseConfig
from streams.kafka.produce import produce_file
from streams.kpi.timeutil import iso_from_us, parse_iso_us
from streams.live.fetch_wait import FetchWait
from streams.metrics.catalogue import series_bound
from streams.metrics.collector import WorkerCollector
from streams.state.partition import PartitionState
from streams.testing import Scenario
from tests.live.fixtures import AnyBroker, Samples, WorkerProcess, total

if TYPE_CHECKING:
    from streams.live.worker import LiveWorker

DISTINCT = 10_000
ALLOWED = 10  # conversations with allowlisted values only
PARTITIONS = 4
LABELS_TOML = """
[channels]
allowlist = ["facebook", "x"]
[brands]
allowlist = ["acme", "globex"]
[topics]
allowlist = ["billing"]
[quick_replies]
allowlist = ["qr-thanks"]
[agents]
allowlist = ["a-1", "a-2"]
[teams]
allowlist = ["tier1"]
[[sla.policies]]
name = "all"
resolution_seconds = 86400
"""
CONFIG = CarePulseConfig.model_validate(
    {**tomllib.loads(LABELS_TOML), "metrics": {"agent_series": True, "team_series": True}}
)
START_US = parse_iso_us("2026-11-20T08:00:00Z")


@dataclass
class Owner:
    """What the collector reads of a LiveWorker: its configuration and partitions."""

    config: CarePulseConfig
    states: dict[int, PartitionState] = field(default_factory=dict)
    owned: set[int] = field(default_factory=set)
    fetch_wait: FetchWait = field(default_factory=FetchWait)
    topic_partitions: int = 4  # the input topic's real partition count
    recovering: int = 0  # partitions still being read from the changelog


def conversation(s: Scenario, number: int, value: str | None) -> None:
    """Message, agent reply with a quick reply and a team 60 s later, and (but for every
    fifth) a resolution naming the agent: with `value`'s own channel, brand, topic,
    agent, team and quick reply, or with allowlisted ones when `value` is None."""
    channel, brand, topic, agent, team, quick_reply = (
        ("facebook", "acme", "billing", "a-1", "tier1", "qr-thanks") if value is None
        else (f"ch-{value}", f"brand-{value}", f"topic-{value}", f"agent-{value}",
              f"team-{value}", f"qr-{value}")
    )
    at_us = START_US + number * 1_000_000
    common = {"channel": channel, "brand": brand}
    s.message(iso_from_us(at_us), f"c-{number}", topic=topic, **common)
    s.agent_reply(iso_from_us(at_us + 60_000_000), f"c-{number}", agent,
                  quick_reply=quick_reply, team=team, **common)
    if number % 5:
        s.resolve(iso_from_us(at_us + 120_000_000), f"c-{number}", agent_id=agent, **common)


def scrape(owner: Owner) -> Samples:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WorkerCollector(cast("LiveWorker", owner)))
    text = generate_latest(registry).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
    }


def label_values(samples: Samples, label: str) -> set[str]:
    return {value for _, series in samples for name, value in series if name == label}


def distinct_values() -> Scenario:
    s = Scenario()
    for number in range(DISTINCT + ALLOWED):
        conversation(s, number, None if number >= DISTINCT else f"{number:05d}")
    return s


def test_ten_thousand_distinct_values_stay_within_the_documented_bound() -> None:
    s = distinct_values()
    owner = Owner(CONFIG, owned=set(range(PARTITIONS)))
    owner.states = {partition: PartitionState(partition, CONFIG) for partition in owner.owned}
    offsets = [0] * PARTITIONS
    for event, line in zip(s.events, s.lines(), strict=True):
        partition = int(event["conversation_id"].removeprefix("c-")) % PARTITIONS
        assert owner.states[partition].apply(offsets[partition], line) is None
        offsets[partition] += 1

    assert_guarded(scrape(owner))


@pytest.mark.broker
def test_a_live_worker_fed_ten_thousand_distinct_values_stays_within_the_bound(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    worker = start_worker("cardinality", LABELS_TOML, "agent_series = true\nteam_series = true")
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join(distinct_values().lines()) + b"\n")
    produce_file(events, broker.url, "cardinality.events")
    assert_guarded(worker.wait_for(
        lambda m: total(m, "carepulse_messages_received_total") == DISTINCT + ALLOWED
        and total(m, "carepulse_conversations_resolved_total") == (DISTINCT + ALLOWED) * 4 // 5
    ))
    assert worker.stop() == 0


def assert_guarded(m: Samples) -> None:
    bound = series_bound(CONFIG)
    # brands 3, channels 3: 9 series pairs of 139 + 3 topics + 2 quick replies; SLA: 3
    # channels x 1 target x 3 families x 3 brands; agents 3 x 3 brands x 14; teams
    # tier1, other, none x 3 brands x (26 + 2 SLA families x 1 target); fixed 43
    assert bound == 9 * 144 + 27 + 126 + 9 * 28 + 43 == 1_744
    assert len(m) <= bound
    # exactly: two (brand, channel) pairs seen, (acme, facebook) and (other, other), each
    # with 7 counters (one author type, one resolved_by, one-touch: one agent reply
    # each), 4 histograms of 12 lines (no assignment: no time to assignment), the open,
    # waiting (at 0: every customer was answered) and 3 status gauges, 3 windows x 18
    # gauges (no surveys: no CSAT, NPS or sentiment ratio): 114; agents (acme, a-1) and
    # (other, other) x 14; the 27 SLA series; teams: replies and first responses by the
    # reply's team ((acme, tier1), (other, other)), resolutions, requester waits and met
    # resolution targets by the conversation's team ((acme, none), (other, none)): 2 x
    # (1 + 12 + 1 + 12 + 1); 7 reject reasons, 7 plain series, the window end and 3 x 3
    # currency gauges (no roi)
    assert len(m) == 2 * 114 + 2 * 14 + 27 + 2 * 27 + 7 + 7 + 1 + 9 == 361
    # x and globex are never seen: only in the SLA series exported at 0 from the start
    assert label_values(m, "channel") == {"facebook", "x", "other"}
    assert label_values(m, "brand") == {"acme", "globex", "other"}
    assert label_values(m, "topic") == {"billing", "other"}
    assert label_values(m, "quick_reply") == {"qr-thanks", "other"}
    assert label_values(m, "agent") == {"a-1", "other"}
    assert label_values(m, "team") == {"tier1", "other", "none"}

    outside = {"brand": "other", "channel": "other"}
    resolved_outside = DISTINCT - DISTINCT // 5
    for name, labels, expected in (
        ("carepulse_messages_received_total", outside, DISTINCT),
        ("carepulse_messages_received_total", {"brand": "acme"}, ALLOWED),
        ("carepulse_topic_messages_total", {**outside, "topic": "other"}, DISTINCT),
        ("carepulse_topic_messages_total", {"topic": "billing"}, ALLOWED),
        ("carepulse_quick_replies_total", {**outside, "quick_reply": "other"}, DISTINCT),
        ("carepulse_quick_replies_total", {"quick_reply": "qr-thanks"}, ALLOWED),
        ("carepulse_replies_sent_total", outside, DISTINCT),
        ("carepulse_agent_replies_total", {"brand": "other", "agent": "other"}, DISTINCT),
        ("carepulse_agent_replies_total", {"brand": "acme", "agent": "a-1"}, ALLOWED),
        ("carepulse_agent_resolutions_total", {"agent": "other"}, resolved_outside),
        ("carepulse_agent_resolutions_total", {"agent": "a-1"}, ALLOWED - ALLOWED // 5),
        ("carepulse_agent_first_response_seconds_count", {"agent": "other"}, DISTINCT),
        ("carepulse_agent_first_response_seconds_sum", {"agent": "other"}, 60.0 * DISTINCT),
        ("carepulse_team_replies_total", {"brand": "other", "team": "other"}, DISTINCT),
        ("carepulse_team_replies_total", {"brand": "acme", "team": "tier1"}, ALLOWED),
        ("carepulse_team_first_response_seconds_count", {"team": "other"}, DISTINCT),
        ("carepulse_team_resolutions_total", {"brand": "other", "team": "none"},
         resolved_outside),
        ("carepulse_team_sla_met_total", {"team": "none", "target": "resolution"},
         resolved_outside + ALLOWED - ALLOWED // 5),
        ("carepulse_one_touch_resolutions_total", outside, resolved_outside),
        ("carepulse_conversations_by_status", {**outside, "status": "open"}, DISTINCT // 5),
        ("carepulse_first_response_seconds_count", outside, DISTINCT),
        ("carepulse_conversations_resolved_total", outside, resolved_outside),
        ("carepulse_sla_met_total", outside, resolved_outside),
        ("carepulse_open_conversations", outside, DISTINCT // 5),
        ("carepulse_waiting_conversations", outside, 0),
        ("carepulse_window_messages_received", {**outside, "window": "24h"}, DISTINCT),
    ):
        assert total(m, name, **labels) == expected, (name, labels)
