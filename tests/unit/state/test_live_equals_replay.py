"""Live equals replay for traffic in time order, family by family (hypothesis): one
partition's live state (totals, open gauges, deadline watch advanced to the report's
end) fed the events of random conversations sorted by event time, against the audit
run of the same events. Contract 1.1 included: status changes, pauses of the
resolution clock, assignments with and without team, replies with their own team."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from hypothesis import given, settings

from schemas.events import EVENT_ADAPTER
from streams.audit.report import AuditRun
from streams.config import MetricsConfig, TeamsConfig
from streams.kpi.labels import NO_TEAM, OTHER
from streams.kpi.timeutil import parse_iso_us
from streams.state.partition import PartitionState
from tests.unit.audit.test_report_properties import CONFIG as PROPERTY_CONFIG
from tests.unit.audit.test_report_properties import CONVERSATIONS, events_of

# the strategy's teams are tier1, tier2 (assignments) and tier1, tier3 (replies' own)
CONFIG = PROPERTY_CONFIG.model_copy(update={
    "teams": TeamsConfig(allowlist=("tier1", "tier2")),
    "metrics": MetricsConfig(team_series=True),
})
CHANNEL_HISTOGRAMS = ("first_response_seconds", "reply_wait_seconds", "resolution_seconds",
                      "requester_wait_seconds", "time_to_assignment_seconds")


def _runs(conversations: list[Any]) -> tuple[AuditRun, PartitionState]:
    events = sorted((e for i, c in enumerate(conversations) for e in events_of(i, c)),
                    key=lambda event: parse_iso_us(event["occurred_at"]))
    run = AuditRun(CONFIG)
    state = PartitionState(0, CONFIG)
    for offset, event in enumerate(events):
        line = json.dumps(event).encode()
        run.feed(EVENT_ADAPTER.validate_json(line))
        assert state.apply(offset, line) is None
    report = run.report()  # settles the deadlines still open at `to`
    state.advance(parse_iso_us(report["range"]["to"]))
    return run, state


def _nonzero(counts: dict[Any, int]) -> dict[Any, int]:
    return {key: n for key, n in counts.items() if n}


def _channel_facts(run: AuditRun, state: PartitionState) -> tuple[dict[Any, int], ...]:
    """(live, replay) counts per channel of every channel family of 1.1 and the samples'
    counts and sums of every channel histogram."""
    live: Counter[Any] = Counter()
    for (_, channel), n in state.totals.reassignments.items():
        live[("reassignments", channel)] += n
    for (_, channel), n in state.totals.one_touch_resolutions.items():
        live[("one_touch_resolutions", channel)] += n
    for (name, _, channel), histogram in state.totals.histograms.items():
        if name in CHANNEL_HISTOGRAMS:
            live[(name, channel, "count")] += histogram.count
            live[(name, channel, "sum_us")] += histogram.sum_us
    replay: Counter[Any] = Counter()
    for channel, tally in run.sink.channels.items():
        replay[("reassignments", channel)] += tally.reassignments
        replay[("one_touch_resolutions", channel)] += tally.one_touch
        for name, samples in zip(CHANNEL_HISTOGRAMS, (
            tally.first_response_us, tally.reply_wait_us, tally.resolution_us,
            tally.requester_wait_us, tally.time_to_assignment_us,
        ), strict=True):
            replay[(name, channel, "count")] += len(samples)
            replay[(name, channel, "sum_us")] += sum(samples)
    return _nonzero(live), _nonzero(replay)


def _team_facts(run: AuditRun, state: PartitionState) -> tuple[dict[Any, int], ...]:
    """(live, replay) counts per team label of every team family."""
    totals = state.totals
    live: Counter[Any] = Counter()
    for family in ("team_replies", "team_resolutions"):
        for (_, team), n in getattr(totals, family).items():
            live[(family, team)] += n
    for family in ("team_sla_met", "team_sla_breaches"):
        for (_, team, target), n in getattr(totals, family).items():
            live[(family, team, target)] += n
    for (name, _, team), histogram in totals.histograms.items():
        if name.startswith("team_"):
            live[(name, team, "count")] += histogram.count
            live[(name, team, "sum_us")] += histogram.sum_us
    replay: Counter[Any] = Counter()
    labels = {*CONFIG.teams.allowlist, NO_TEAM}
    for team, tally in run.sink.teams.items():
        label = team if team in labels else OTHER
        replay[("team_replies", label)] += tally.replies
        replay[("team_resolutions", label)] += tally.resolved
        for target, (met, breached) in tally.sla.items():
            replay[("team_sla_met", label, target)] += met
            replay[("team_sla_breaches", label, target)] += breached
        for name, samples in (("team_first_response_seconds", tally.first_response_us),
                              ("team_requester_wait_seconds", tally.requester_wait_us)):
            replay[(name, label, "count")] += len(samples)
            replay[(name, label, "sum_us")] += sum(samples)
    return _nonzero(live), _nonzero(replay)


def _statuses(run: AuditRun, state: PartitionState) -> tuple[dict[Any, int], ...]:
    """(live gauge, the replay engine's open cycles) by (brand, channel, status)."""
    replay = Counter((conv.cycle_brand, conv.cycle_channel, conv.status)
                     for conv in run.engine.conversations.values() if conv.cycle_open)
    return _nonzero(dict(state.gauges.by_status)), _nonzero(dict(replay))


@settings(max_examples=150, deadline=None)
@given(CONVERSATIONS)
def test_every_family_of_1_1_equals_the_replay_for_traffic_in_time_order(
    conversations: list[Any],
) -> None:
    run, state = _runs(conversations)
    live, replay = _channel_facts(run, state)
    assert live == replay
    live, replay = _team_facts(run, state)
    assert live == replay
    live, replay = _statuses(run, state)
    assert live == replay
    assert sum(live.values()) == sum(state.gauges.open.values())


def test_the_comparison_sees_every_family_on_a_fixed_example() -> None:
    """One conversation that gives each family a non-zero count (so the property above
    compares something). Times in seconds from its start (events_of adds n us to the
    n-th step): assigned to a-1 (tier1) at 60.000001, reassigned to a-2 (tier2) at
    120.000003, a reply of tier3's (team `other`) at 180.000006 meets the 900 s first
    response, pending from 240.00001 to the customer's message at 840.000015, whose
    600 s next response breaches at 1440.000015 (for tier2), resolved at 3000.000021:
    one touch, a requester wait of 3000.000021 - 600.000005 s, the paused 7200 s
    resolution target met for tier2."""
    conversation = ("facebook", "normal", [
        (("message.received", None, None), 0), (("conversation.assigned", "a-1", "tier1"), 60),
        (("conversation.assigned", "a-2", "tier2"), 60), (("team-reply", "tier3"), 60),
        (("conversation.status_changed", "pending"), 60), (("message.received", None, None), 600),
        (("conversation.resolved", "agent"), 2160),
    ])
    run, state = _runs([conversation])
    live, replay = _channel_facts(run, state)
    assert live == replay
    assert {key: n for key, n in live.items() if key[0] in (
        "reassignments", "one_touch_resolutions") or key[2] == "count"} == {
        ("reassignments", "facebook"): 1, ("one_touch_resolutions", "facebook"): 1,
        ("first_response_seconds", "facebook", "count"): 1,
        ("reply_wait_seconds", "facebook", "count"): 1,
        ("resolution_seconds", "facebook", "count"): 1,
        ("requester_wait_seconds", "facebook", "count"): 1,
        ("time_to_assignment_seconds", "facebook", "count"): 1,
    }
    assert live[("requester_wait_seconds", "facebook", "sum_us")] == 2_400_000_016
    assert live[("time_to_assignment_seconds", "facebook", "sum_us")] == 60_000_001
    live, replay = _team_facts(run, state)
    assert live == replay
    assert {key: n for key, n in live.items() if key[-1] != "sum_us"} == {
        ("team_replies", "other"): 1, ("team_resolutions", "tier2"): 1,
        ("team_sla_met", "other", "first_response"): 1,
        ("team_sla_met", "tier2", "resolution"): 1,
        ("team_sla_breaches", "tier2", "next_response"): 1,
        ("team_first_response_seconds", "other", "count"): 1,
        ("team_requester_wait_seconds", "tier2", "count"): 1,
    }
