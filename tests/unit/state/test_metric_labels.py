"""Label values of the live totals (streams/kpi/labels.py, totals.py), without a broker:
brand, topic, quick-reply and agent attribution with hand-computed counts, `other` and
`none`, agent series off by default, the allowlist caps, and checkpoints of earlier
versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.events import EVENT_ADAPTER
from streams.config import (
    MAX_LABEL_VALUES,
    AgentsConfig,
    BrandsConfig,
    CarePulseConfig,
    ConfigError,
    MetricsConfig,
    QuickRepliesConfig,
    SlaConfig,
    SlaPolicy,
    TeamsConfig,
    ThresholdsConfig,
    TopicsConfig,
    load_config,
)
from streams.kpi.engine import Engine
from streams.kpi.labels import LabelValues
from streams.kpi.timeutil import US_PER_SECOND
from streams.metrics.catalogue import series_bound
from streams.state.checkpoint.codec import dump_conversation, load_conversation
from streams.state.totals import AGENT_HISTOGRAM, LiveTotals
from streams.state.windows import Counts, WindowTotals
from streams.testing import Scenario

LABELS = CarePulseConfig(
    brands=BrandsConfig(allowlist=("acme",)),
    topics=TopicsConfig(allowlist=("billing",)),
    quick_replies=QuickRepliesConfig(allowlist=("qr-thanks",)),
    agents=AgentsConfig(allowlist=("a-1",)),
    sla=SlaConfig(policies=(SlaPolicy(name="all", resolution_seconds=3600),)),
)
WITH_AGENTS = LABELS.model_copy(update={"metrics": MetricsConfig(agent_series=True)})


def totals_of(scenario: Scenario, config: CarePulseConfig) -> LiveTotals:
    totals = LiveTotals(LabelValues(config.kpi_settings().labels))
    engine = Engine(config.kpi_settings(), totals)
    for event in scenario.events:
        engine.apply(EVENT_ADAPTER.validate_json(json.dumps(event)))
    return totals


def histogram_counts(totals: LiveTotals) -> dict[tuple[str, str, str], int]:
    return {key: histogram.count for key, histogram in totals.histograms.items()}


def story() -> Scenario:
    """c-1: acme on facebook, topic billing, two agent replies (a-1 with the allowlisted
    quick reply, then a-2), resolved by a-1 from an event naming brand `zeta`.
    c-2: no brand (`default`, not allowlisted), on x, a topic outside the allowlist, a
    bot reply with an unknown quick reply, resolved by `auto`. c-3: brand `zeta`, no
    topic, answered by a-2 after 600 s."""
    s = Scenario()
    s.message("10:00", "c-1", brand="acme", topic="billing")
    s.agent_reply("10:05", "c-1", "a-1", brand="acme", quick_reply="qr-thanks")
    s.message("10:06", "c-1", brand="acme", topic="billing")
    s.agent_reply("10:08", "c-1", "a-2", brand="acme")
    s.resolve("10:10", "c-1", agent_id="a-1", brand="zeta")
    s.message("10:00", "c-2", channel="x", topic="shoes")
    s.bot_reply("10:01", "c-2", channel="x", quick_reply="qr-unknown")
    s.resolve("10:30", "c-2", by="auto", channel="x")
    s.message("10:00", "c-3", channel="x", brand="zeta")
    s.agent_reply("10:10", "c-3", "a-2", channel="x", brand="zeta")
    return s


def test_brand_topic_and_quick_reply_label_values_with_other_and_none() -> None:
    totals = totals_of(story(), LABELS)

    assert totals.messages == {("acme", "facebook"): 2, ("other", "x"): 2}
    assert totals.topics == {
        ("acme", "facebook", "billing"): 2, ("other", "x", "other"): 1,
        ("other", "x", "none"): 1,
    }
    assert totals.replies == {
        ("acme", "facebook", "agent"): 2, ("other", "x", "bot"): 1, ("other", "x", "agent"): 1,
    }
    # replies without a quick reply are not counted there
    assert totals.quick_replies == {
        ("acme", "facebook", "qr-thanks"): 1, ("other", "x", "other"): 1,
    }
    assert totals.opened == {("acme", "facebook"): 1, ("other", "x"): 2}
    # a count belongs to the brand of its event, like its channel (the resolve of c-1
    # names brand zeta), an SLA outcome to the brand of the event that opened the cycle
    assert totals.resolved == {("other", "facebook", "agent"): 1, ("other", "x", "auto"): 1}
    assert totals.sla_met == {("acme", "facebook", "all", "resolution"): 1,
                              ("other", "x", "all", "resolution"): 1}
    assert histogram_counts(totals) == {
        ("first_response_seconds", "acme", "facebook"): 1,
        ("reply_wait_seconds", "acme", "facebook"): 2,
        ("resolution_seconds", "other", "facebook"): 1,
        ("resolution_seconds", "other", "x"): 1,
        ("first_response_seconds", "other", "x"): 1,
        ("reply_wait_seconds", "other", "x"): 1,
        # contract 1.1: a requester-wait sample at each resolution, like resolution's
        ("requester_wait_seconds", "other", "facebook"): 1,
        ("requester_wait_seconds", "other", "x"): 1,
    }


def test_agent_series_are_off_by_default() -> None:
    assert CarePulseConfig().metrics.agent_series is False
    totals = totals_of(story(), LABELS)
    assert totals.agent_replies == {}
    assert totals.agent_resolutions == {}
    assert not any(name == AGENT_HISTOGRAM for name, _, _ in totals.histograms)


def test_agent_series_count_allowlisted_agents_by_name_and_the_rest_as_other() -> None:
    totals = totals_of(story(), WITH_AGENTS)

    # bot replies name no agent; a-2 is not allowlisted
    assert totals.agent_replies == {("acme", "a-1"): 1, ("acme", "other"): 1,
                                    ("other", "other"): 1}
    # the resolution names a-1 under the resolving event's brand; `auto` names nobody
    assert totals.agent_resolutions == {("other", "a-1"): 1}
    first_responses = {
        key: (histogram.count, histogram.sum_us // US_PER_SECOND)
        for key, histogram in totals.histograms.items() if key[0] == AGENT_HISTOGRAM
    }
    assert first_responses == {
        (AGENT_HISTOGRAM, "acme", "a-1"): (1, 300),
        (AGENT_HISTOGRAM, "other", "other"): (1, 600),
    }


def test_totals_survive_a_checkpoint_with_every_family() -> None:
    steady = totals_of(story(), WITH_AGENTS)
    restored = LiveTotals(LabelValues(WITH_AGENTS.kpi_settings().labels))
    restored.load_json(json.loads(json.dumps(steady.to_json())))
    assert restored.to_json() == steady.to_json()
    # the same checkpoint restored with agent series turned off leaves them out
    without = LiveTotals(LabelValues(LABELS.kpi_settings().labels))
    without.load_json(steady.to_json())
    assert without.agent_replies == {} and without.agent_resolutions == {}
    assert without.messages == steady.messages


def test_checkpoints_written_before_brands_were_labels_restore_under_the_default_brand(
) -> None:
    legacy_totals: dict[str, Any] = {
        "messages": [["facebook", 3]], "replies": [["x", "bot", 2]], "opened": [["x", 1]],
        "resolved": [["x", "auto", 1]], "surveys": [["csat", 5, 1]],
        "sla_breaches": [["x", "all", "resolution", 1]], "sla_met": [],
        "histograms": [["reply_wait_seconds", "x", [[1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 7]]],
    }
    totals = LiveTotals(LabelValues(CarePulseConfig().kpi_settings().labels))  # brands: ["default"]
    totals.load_json(legacy_totals)
    assert totals.messages == {("default", "facebook"): 3}
    assert totals.replies == {("default", "x", "bot"): 2}
    assert totals.sla_breaches == {("default", "x", "all", "resolution"): 1}
    assert totals.surveys == {("csat", 5): 1}
    assert totals.topics == {}  # newer than the checkpoint: from 0
    assert totals.histograms[("reply_wait_seconds", "default", "x")].sum_us == 7

    s = Scenario()
    s.message("10:00", brand="acme")
    s.message("10:01")  # brand default: `other` under LABELS; the cycle stays acme's
    engine = Engine(LABELS.kpi_settings(), LiveTotals(LabelValues(LABELS.kpi_settings().labels)))
    for event in s.events:
        engine.apply(EVENT_ADAPTER.validate_json(json.dumps(event)))
    conv = engine.conversations["c-1"]
    assert conv.cycle_brand == "acme"
    assert [brand for _, brand, _ in conv.unanswered] == ["acme", "other"]
    current = dump_conversation(conv)
    assert load_conversation(current, engine.sla, "other").cycle_brand == "acme"
    # the earlier layout: no brand after the policy name, unanswered (channel, at_us),
    # and none of the fields of format version 3 (the last 10)
    legacy = [*current[:-11]]
    legacy[13] = [[channel, at_us] for channel, _, at_us in legacy[13]]
    old = load_conversation(legacy, engine.sla, "other")
    assert old.cycle_brand == "other"
    assert old.unanswered == [("facebook", "other", at_us) for _, _, at_us in conv.unanswered]


def test_allowlists_are_capped_and_reject_the_reserved_values(tmp_path: Path) -> None:
    def error(toml: str) -> str:
        path = tmp_path / "carepulse.toml"
        path.write_text(toml, encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        return str(caught.value)

    agents = ", ".join(f'"a-{number}"' for number in range(MAX_LABEL_VALUES + 1))
    assert error(f"[agents]\nallowlist = [{agents}]\n") == (
        f"{tmp_path / 'carepulse.toml'}: agents.allowlist: Tuple should have at most 500 "
        "items after validation, not 501"
    )
    assert "brands.allowlist: 'other' must be" in error('[brands]\nallowlist = ["other"]\n')
    assert "topics.allowlist: 'none' must be" in error('[topics]\nallowlist = ["none"]\n')
    assert "quick_replies.allowlist: '' must be" in error('[quick_replies]\nallowlist = [""]\n')
    assert "metrics.agent_series" in error('[metrics]\nagent_series = "yes"\n')
    at_cap = ", ".join(f'"a-{number}"' for number in range(MAX_LABEL_VALUES))
    path = tmp_path / "ok.toml"
    path.write_text(f"[agents]\nallowlist = [{at_cap}]\n", encoding="utf-8")
    assert len(load_config(path).agents.allowlist) == MAX_LABEL_VALUES


def test_the_series_bound_of_the_defaults_by_hand() -> None:
    # brands default + other = 2; channels 7 known + other = 8; per (brand, channel):
    # 10 counters (messages, 3 reply authors, opened, 3 resolved_by, reassignments,
    # one-touch), 5 histograms of 9 buckets + Inf + sum + count = 60, 6 conversation
    # gauges (open, waiting, oldest wait, 3 statuses), 3 windows x 21 gauges, topics
    # other + none = 2, quick replies other = 1: 142. No SLA policy, no agents, no teams.
    # Fixed: 16 survey scores, 7 reject reasons, 7 plain series, the window end, and
    # 4 currency gauges x 3 windows: 43.
    assert series_bound(CarePulseConfig()) == 2 * 8 * 142 + 43 == 2_315
    # WITH_AGENTS: brands acme + other, topics billing + other + none, quick replies
    # 2, agents 2 (14 series each: 2 counters and a histogram), SLA: 8 channels x one
    # resolution target, in 3 families
    assert series_bound(WITH_AGENTS) == 2 * 8 * (139 + 3 + 2) + 3 * 2 * 8 + 2 * 2 * 14 + 43
    # and teams tier1 + other + none = 3, each 26 series (2 counters, 2 histograms) and
    # 2 SLA counters x the one target the policies define
    with_teams = WITH_AGENTS.model_copy(update={
        "teams": TeamsConfig(allowlist=("tier1",)),
        "metrics": MetricsConfig(agent_series=True, team_series=True)})
    assert series_bound(with_teams) == series_bound(WITH_AGENTS) + 2 * 3 * (26 + 2 * 1)
    # a team allowlist counts only with team series on
    assert series_bound(with_teams.model_copy(update={
        "metrics": MetricsConfig(agent_series=True)})) == series_bound(WITH_AGENTS)


def test_window_buckets_written_before_brands_were_labels_restore_under_the_default_brand(
) -> None:
    at_us = 1_000 * 60 * US_PER_SECOND
    legacy = orjson.dumps([1, {"x": [2, 1]}])  # {channel: [messages, answered]}
    current = orjson.dumps([1, [["acme", "x", [1]]]])
    windows = WindowTotals(ThresholdsConfig())
    windows.restore(
        [(b"w/m/1000/0", legacy), (b"w/m/1001/1", current)], 1,
        {"now_us": at_us + 60 * US_PER_SECOND, "late_dropped": 0}, "default",
    )
    assert windows.window("1h") == {
        ("acme", "x"): Counts(messages=1), ("default", "x"): Counts(messages=2, answered=1),
    }
