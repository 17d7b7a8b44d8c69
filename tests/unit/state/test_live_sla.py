"""Live SLA evaluation of one partition (DeadlineWatch), without a broker: at risk and
breached at the exact instants, in business time, across a checkpoint, and the same
outcomes as the audit report for traffic in time order."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings

from streams.config import CalendarConfig, CarePulseConfig, SlaConfig, SlaMatch, SlaPolicy
from streams.kafka.alerts import alert_record
from streams.kpi.timeutil import parse_iso_us
from streams.state.partition import PartitionState
from streams.testing import Scenario, report_of
from tests.unit.audit.test_report_properties import CONFIG as PROPERTY_CONFIG
from tests.unit.audit.test_report_properties import CONVERSATIONS, events_of
from tests.unit.state.test_partition_state import checkpoint

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
CONFIG = CarePulseConfig(
    calendars={"office": CalendarConfig(
        timezone="Europe/Rome", hours={day: ("09:00-17:00",) for day in WEEKDAYS}
    )},
    sla=SlaConfig(policies=(
        SlaPolicy(name="fast", match=SlaMatch(channels=("x",)), first_response_seconds=3,
                  next_response_seconds=3, resolution_seconds=10),
        SlaPolicy(name="office", first_response_seconds=1800, calendar="office"),
    )),
)


class Partition:
    """A PartitionState fed with a Scenario's events one by one."""

    def __init__(self, scenario: Scenario, config: CarePulseConfig = CONFIG) -> None:
        self.state = PartitionState(0, config)
        self.scenario = scenario
        self.fed = 0

    def feed(self) -> None:
        for line in self.scenario.lines()[self.fed:]:
            assert self.state.apply(self.fed, line) is None
            self.fed += 1

    def advance(self, time: str) -> list[tuple[str, str, str, str]]:
        self.feed()
        self.state.advance(parse_iso_us(self.scenario.at(time)))
        return self.take()

    def take(self) -> list[tuple[str, str, str, str]]:
        """(kind, target, deadline, raised_at) of the alerts raised since the last take."""
        taken = []
        for alert in self.state.alerts:
            body = alert_record(alert)[1].decode()
            taken.append((alert.kind, alert.target, _field(body, "deadline"),
                          _field(body, "raised_at")))
        self.state.alerts.clear()
        return taken

    def at_risk(self) -> dict[tuple[str, str, str], int]:
        return {key: n for key, n in self.state.watch.at_risk.items() if n}

    def breaches(self) -> dict[tuple[str, str, str], int]:
        return dict(self.state.totals.sla_breaches)


def _field(body: str, name: str) -> str:
    value: str = json.loads(body)[name]
    return value


def test_a_breach_is_raised_at_the_deadline_when_no_further_event_comes() -> None:
    s = Scenario()
    s.message("10:00:00", channel="x")
    p = Partition(s)
    assert p.advance("10:00:02.399999") == []
    assert p.advance("10:00:02.4") == [
        ("at_risk", "first_response", "2026-11-20T10:00:03Z", "2026-11-20T10:00:02.400000Z")
    ]
    assert p.at_risk() == {("default", "x", "fast", "first_response"): 1}
    assert p.advance("10:00:03") == []  # a reply at the deadline would still meet it
    assert p.advance("10:00:03.000001") == [
        ("breached", "first_response", "2026-11-20T10:00:03Z", "2026-11-20T10:00:03.000001Z")
    ]
    assert p.at_risk() == {}
    assert p.breaches() == {("default", "x", "fast", "first_response"): 1}
    assert p.advance("10:00:09") == [
        ("at_risk", "resolution", "2026-11-20T10:00:10Z", "2026-11-20T10:00:09Z")
    ]
    assert p.at_risk() == {("default", "x", "fast", "resolution"): 1}
    assert p.advance("10:00:11") == [
        ("breached", "resolution", "2026-11-20T10:00:10Z", "2026-11-20T10:00:11Z")
    ]
    assert p.breaches() == {
        ("default", "x", "fast", "first_response"): 1, ("default", "x", "fast", "resolution"): 1
    }
    assert p.advance("12:00") == []


def test_a_reply_at_the_deadline_meets_it_and_clears_the_risk() -> None:
    s = Scenario()
    s.message("10:00:00", channel="x")
    p = Partition(s)
    p.advance("10:00:02.5")
    s.agent_reply("10:00:03", channel="x")
    p.feed()
    assert p.take() == [
        ("at_risk_cleared", "first_response", "2026-11-20T10:00:03Z", "2026-11-20T10:00:03Z")
    ]
    assert p.at_risk() == {}
    assert dict(p.state.totals.sla_met) == {("default", "x", "fast", "first_response"): 1}
    s.message("10:00:04", channel="x")  # the next wait: a next_response clock of 3 s
    s.resolve("10:00:05", channel="x")  # cancels it and meets the resolution target
    assert p.advance("10:01") == []
    assert p.breaches() == {}
    assert dict(p.state.totals.sla_met) == {
        ("default", "x", "fast", "first_response"): 1, ("default", "x", "fast", "resolution"): 1
    }


def test_a_handoff_restarts_the_clock_and_ends_its_risk() -> None:
    s = Scenario()
    s.message("10:00:00", channel="x")
    s.bot_reply("10:00:01", channel="x")
    p = Partition(s)
    p.advance("10:00:02.5")
    s.handoff("10:00:02.6", channel="x")
    assert p.advance("10:00:03.5") == [
        ("at_risk_cleared", "first_response", "2026-11-20T10:00:03Z", "2026-11-20T10:00:02.600000Z")
    ]
    assert p.advance("10:00:05.0") == [
        ("at_risk", "first_response", "2026-11-20T10:00:05.600000Z", "2026-11-20T10:00:05Z")
    ]


def test_a_friday_evening_message_breaches_on_monday_at_the_business_deadline() -> None:
    """Event-time backfill: only events move the partition's now (no advance calls)."""
    s = Scenario()
    s.message("2026-11-20T18:00:00+01:00", conversation="late")  # Fri, after closing
    # surveys of other conversations move the partition's newest event time
    s.survey("2026-11-21T12:00:00+01:00", "csat", 5, conversation="weekend")
    s.survey("2026-11-23T09:23:59+01:00", "csat", 5, conversation="monday")
    assert Partition(s).advance("2026-11-23T08:23:59Z") == []
    s.survey("2026-11-23T09:24:00+01:00", "csat", 5, conversation="monday")  # 24 of 30 min
    s.survey("2026-11-23T09:30:00+01:00", "csat", 5, conversation="monday")  # the deadline
    p = Partition(s)
    p.feed()
    assert p.take() == [
        ("at_risk", "first_response", "2026-11-23T08:30:00Z", "2026-11-23T08:24:00Z")
    ]
    assert p.breaches() == {}
    s.survey("2026-11-23T09:30:00.000001+01:00", "csat", 5, conversation="monday")
    p.feed()
    assert p.take() == [
        ("breached", "first_response", "2026-11-23T08:30:00Z", "2026-11-23T08:30:00.000001Z")
    ]
    assert p.breaches() == {("default", "facebook", "office", "first_response"): 1}
    assert p.at_risk() == {}


def test_clocks_at_risk_survive_a_checkpoint_and_breach_once() -> None:
    s = Scenario()
    s.message("10:00:00", conversation="a", channel="x")
    s.message("10:00:01", conversation="b", channel="x")
    p = Partition(s)
    p.advance("10:00:02.5")  # a at risk, b not yet
    table: dict[bytes, bytes] = {}
    checkpoint(p.state, table)
    restored = PartitionState.restore(0, CONFIG, table.items())
    assert dict(restored.watch.at_risk) == {("default", "x", "fast", "first_response"): 1}
    restored.advance(parse_iso_us(s.at("10:00:05")))
    kinds = sorted((a.kind, a.conversation_id) for a in restored.alerts)
    assert kinds == [("at_risk", "b"), ("breached", "a"), ("breached", "b")]
    assert dict(restored.totals.sla_breaches) == {("default", "x", "fast", "first_response"): 2}
    assert sum(restored.watch.at_risk.values()) == 0


def _in_time_order(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(events, key=lambda event: parse_iso_us(event["occurred_at"]))


@settings(max_examples=150, deadline=None)
@given(CONVERSATIONS)
def test_live_outcomes_equal_the_report_for_traffic_in_time_order(
    conversations: list[Any],
) -> None:
    events = _in_time_order([e for i, c in enumerate(conversations) for e in events_of(i, c)])
    report = report_of(events, config=PROPERTY_CONFIG)
    scenario = Scenario()
    scenario.events = events
    p = Partition(scenario, PROPERTY_CONFIG)
    p.feed()
    p.advance(report["range"]["to"])  # the report breaches what is open before `to`
    live: dict[str, dict[str, dict[str, int]]] = {}
    totals = p.state.totals
    for outcome, counts in (("met", totals.sla_met), ("breached", totals.sla_breaches)):
        for (_, _, policy, target), n in counts.items():
            by_target = live.setdefault(policy, {}).setdefault(target, {})
            by_target[outcome] = by_target.get(outcome, 0) + n
    expected = {
        policy: {
            target: {k: v for k, v in outcome.items() if k != "compliance" and v}
            for target, outcome in targets.items()
            if outcome["met"] or outcome["breached"]
        }
        for policy, targets in report["sla"].items()
    }
    assert live == {policy: t for policy, t in expected.items() if t}


def test_a_partition_fed_records_produced_long_after_their_events_replays_history() -> None:
    s = Scenario()
    s.message("10:00:00", channel="x")
    state = PartitionState(0, CONFIG)
    event_us = parse_iso_us(s.at("10:00:00"))
    state.apply(0, s.lines()[0], produced_at_us=event_us + 3_600_000_000)
    assert not state.replays_history(3_600_000_000)
    assert state.replays_history(3_599_999_999)
    assert not PartitionState(1, CONFIG).replays_history(1)  # nothing read yet: live


def test_a_paused_resolution_clock_raises_nothing_until_it_resumes_with_its_time_left() -> None:
    """Contract 1.1: stopped at 10:00:01 with 9 s of its 10 s left, resumed at 10:00:30:
    due 10:00:39, at risk (8 s of unpaused time) at 10:00:37."""
    config = CarePulseConfig(sla=SlaConfig(policies=(
        SlaPolicy(name="paused", resolution_seconds=10, pause_on=("pending",)),
    )))
    s = Scenario()
    s.message("10:00:00")
    s.status("10:00:01", "pending")
    p = Partition(s, config)
    assert p.advance("10:00:11") == []  # at risk at 10:00:08, due 10:00:10 without a pause
    s.status("10:00:30", "open")
    assert p.advance("10:00:36.999999") == []
    assert p.advance("10:00:37") == [
        ("at_risk", "resolution", "2026-11-20T10:00:39Z", "2026-11-20T10:00:37Z")
    ]
    s.status("10:00:38", "pending")  # stopped again while at risk: the risk ends, no breach
    assert p.advance("10:01:00") == [
        ("at_risk_cleared", "resolution", "2026-11-20T10:00:39Z", "2026-11-20T10:00:38Z")
    ]
    assert p.at_risk() == {}
    assert p.breaches() == {}
