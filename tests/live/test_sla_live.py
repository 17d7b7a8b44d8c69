"""Live SLA against a real broker: breaches at the deadline with no further event, the
at-risk gauge, alerts on the alerts topic, and a backfilled day equal to its replay."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer

from streams.config import load_config
from streams.kpi.timeutil import parse_iso_us
from streams.testing import Scenario
from tests.contract.test_prometheus_rules import rule_metric_names
from tests.live.fixtures import (
    AnyBroker,
    WorkerProcess,
    assert_metrics_equal_replay,
    live_sla,
    produce_simulated,
    replayed,
    total,
)

pytestmark = pytest.mark.broker

FAST_TOML = """
[[sla.policies]]
name = "fast"
match = { channels = ["x"] }
first_response_seconds = 3
[[sla.policies]]
name = "steady"
match = { channels = ["facebook"] }
first_response_seconds = 8
at_risk_fraction = 0.5
"""

DAY_TOML = """
[calendars.office]
timezone = "Europe/Rome"
[calendars.office.hours]
mon = ["09:00-18:00"]
tue = ["09:00-18:00"]
wed = ["09:00-18:00"]
thu = ["09:00-18:00"]
fri = ["09:00-18:00"]
[[sla.policies]]
name = "urgent"
match = { priorities = ["urgent", "high"] }
first_response_seconds = 900
next_response_seconds = 1800
resolution_seconds = 14400
[[sla.policies]]
name = "business"
match = { channels = ["linkedin", "x"] }
first_response_seconds = 3600
next_response_seconds = 3600
resolution_seconds = 28800
calendar = "office"
pause_on = ["pending", "on_hold"]
[[sla.policies]]
name = "default"
first_response_seconds = 1800
next_response_seconds = 3600
resolution_seconds = 21600
pause_on = ["on_hold"]
[teams]
allowlist = ["tier1", "tier2"]
"""


def _now_iso(offset_seconds: float = 0.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_seconds)).isoformat()


def _send(
    broker: AnyBroker, topic: str, events: list[dict[str, Any]], partitioned: bool = False
) -> None:
    """Keyed by conversation id, or the n-th event to partition n."""
    producer = KafkaProducer(bootstrap_servers=broker.url)
    for number, event in enumerate(events):
        producer.send(topic, key=event["conversation_id"].encode(),
                      value=json.dumps(event).encode(),
                      partition=number if partitioned else None)
    producer.flush()
    producer.close()


def _alerts(consumer: KafkaConsumer, wanted: int, timeout_seconds: float) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_seconds
    while len(found) < wanted and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=200).values():
            found += [json.loads(record.value) for record in batch]
    return found


def test_a_breach_is_raised_within_a_second_of_its_deadline_without_further_events(
    broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    worker = start_worker("deadline", extra_toml=FAST_TOML)
    worker.wait_for(lambda m: total(m, "carepulse_partitions_owned") == 4)
    alerts = KafkaConsumer("deadline.alerts", bootstrap_servers=broker.url,
                           auto_offset_reset="earliest")
    s = Scenario()
    s.message(_now_iso(), conversation="fast-1", channel="x")
    s.message(_now_iso(), conversation="steady-1", channel="facebook")
    _send(broker, "deadline.events", s.events)

    # steady-1 is at risk from 4 s (half of 8 s); an agent answers it then
    m = worker.wait_for(lambda m: total(m, "carepulse_sla_at_risk_conversations",
                                        policy="steady") == 1)
    exposed = {name for name, _ in m}  # while customers wait: oldest_waiting_seconds
    s.agent_reply(_now_iso(), conversation="steady-1", channel="facebook")
    _send(broker, "deadline.events", s.events[-1:])
    m = worker.wait_for(lambda m: total(m, "carepulse_sla_met_total", policy="steady") == 1)
    assert total(m, "carepulse_sla_at_risk_conversations", policy="steady") == 0
    assert total(m, "carepulse_sla_breaches_total", policy="fast", channel="x",
                 target="first_response") == 1
    assert total(m, "carepulse_sla_breaches_total", policy="steady") == 0

    s.resolve(_now_iso(), conversation="fast-1", channel="x")
    _send(broker, "deadline.events", s.events[-1:])
    m = worker.wait_for(lambda m: total(m, "carepulse_resolution_seconds_count") == 1)
    exposed |= {name for name, _ in m}  # after a resolution: resolution_seconds
    assert rule_metric_names() - exposed == set(), "alert rules read metrics not exposed"

    raised = _alerts(alerts, wanted=4, timeout_seconds=10)
    alerts.close()
    kinds = sorted((a["conversation_id"], a["kind"]) for a in raised)
    assert kinds == [("fast-1", "at_risk"), ("fast-1", "breached"),
                     ("steady-1", "at_risk"), ("steady-1", "at_risk_cleared")]
    breach = next(a for a in raised if a["kind"] == "breached")
    late_us = parse_iso_us(breach["raised_at"]) - parse_iso_us(breach["deadline"])
    assert 0 < late_us <= 1_000_000, f"raised {late_us} us after the deadline"
    assert breach["deadline"] == _plus_seconds(s.events[0]["occurred_at"], 3)
    assert {k: breach[k] for k in ("policy", "target", "channel", "priority")} == {
        "policy": "fast", "target": "first_response", "channel": "x", "priority": "normal"
    }
    assert worker.stop() == 0


def _plus_seconds(iso: str, seconds: int) -> str:
    moment = datetime.fromisoformat(iso).astimezone(UTC) + timedelta(seconds=seconds)
    return moment.isoformat().replace("+00:00", "Z")


def test_a_backfilled_day_breaches_exactly_what_its_replay_reports(
    tmp_path: Path, broker: AnyBroker, start_worker: Callable[..., WorkerProcess]
) -> None:
    """A simulated weekday of history (Monday 2026-11-02) drains in event time: the
    worker's breach and met counters, those of its paused resolution clocks (on a
    business calendar too) and its team counters equal the replay report's."""
    produce_simulated(broker, "backfill.events", tmp_path / "day.jsonl", 150_000, seed=21)
    # the books close a month later on every partition: each one's now passes every
    # deadline still open, as the report's end does
    books = Scenario()
    for partition in range(4):
        books.survey("2026-12-02T00:00:00Z", "csat", 5, conversation=f"books-{partition}",
                     event_id=f"books-{partition}")
    _send(broker, "backfill.events", books.events, partitioned=True)
    worker = start_worker("backfill", DAY_TOML, "team_series = true", checkpoint_events=5000)
    config = load_config(tmp_path / "backfill.toml")
    run = replayed(broker, "backfill.events", config)
    expected = run.report()
    assert expected["events"]["read"] == 150_004
    m = worker.wait_for(
        lambda m: total(m, "carepulse_events_read_total") == 150_004, timeout_seconds=240
    )
    m = worker.wait_for(lambda _: True)  # one more scrape after the last tick
    assert_metrics_equal_replay(m, run)
    sla = live_sla(m)
    assert sum(t["breached"] for p in sla.values() for t in p.values()) > 1000
    assert {policy for policy, targets in sla.items()
            if any(t["met"] for t in targets.values())} == {"urgent", "business", "default"}
    assert all(sla[policy]["resolution"]["met"] and sla[policy]["resolution"]["breached"]
               for policy in ("business", "default")), sla
    assert total(m, "carepulse_team_sla_breaches_total", target="resolution") > 0
    assert worker.stop() == 0
