"""Hand-computed scenarios of docs/kpis.md sections 1-3 through the pure core."""

from __future__ import annotations

from typing import Any

from streams.config import CarePulseConfig, ChannelsConfig
from streams.testing import Scenario, report_of


def totals(scenario: Scenario, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = report_of(scenario.events, **kwargs)["totals"]
    return result


def test_reply_waits_of_300_and_600_seconds_have_mean_450() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("10:05")
    s.message("10:10")
    s.agent_reply("10:20")
    kpis = totals(s)
    assert kpis["reply_wait_seconds"] == {
        "count": 2, "mean": 450.0, "p50": 300.0, "p90": 600.0, "max": 600.0
    }
    assert kpis["first_response_seconds"]["count"] == 1
    assert kpis["first_response_seconds"]["mean"] == 300.0
    assert kpis["answered_messages"] == 2
    assert kpis["response_rate"] == 1.0


def test_wait_runs_from_the_oldest_unanswered_message() -> None:
    s = Scenario()
    s.message("10:00")
    s.message("10:03")
    s.agent_reply("10:10")
    kpis = totals(s)
    assert kpis["reply_wait_seconds"]["max"] == 600.0
    assert kpis["reply_wait_seconds"]["count"] == 1
    assert kpis["answered_messages"] == 2


def test_bot_replies_answer_messages_but_end_no_wait() -> None:
    s = Scenario()
    s.message("10:00")
    s.bot_reply("10:00:05")
    s.resolve("10:02", by="bot")
    kpis = totals(s)
    assert kpis["first_response_seconds"]["count"] == 0
    assert kpis["reply_wait_seconds"]["count"] == 0
    assert kpis["answered_messages"] == 1
    assert kpis["replies_by_author"] == {"agent": 0, "bot": 1, "automation": 0}
    assert kpis["resolution_seconds"]["mean"] == 120.0
    assert kpis["resolution_rate"] == 1.0


def test_handoff_moves_the_first_response_clock_to_the_handoff() -> None:
    s = Scenario()
    s.message("10:00")
    s.bot_reply("10:00:10")
    s.handoff("10:04")
    s.agent_reply("10:06")
    kpis = totals(s)
    assert kpis["first_response_seconds"]["mean"] == 120.0
    assert kpis["reply_wait_seconds"]["mean"] == 120.0
    assert kpis["resolution_seconds"]["count"] == 0


def test_handoff_when_nobody_waits_changes_nothing() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("10:01")
    s.handoff("10:30")
    s.message("10:40")
    s.agent_reply("10:45")
    kpis = totals(s)
    assert kpis["reply_wait_seconds"]["count"] == 2
    assert kpis["reply_wait_seconds"]["mean"] == 180.0  # (60 + 300) / 2


def test_resolution_ends_the_wait_without_a_sample_and_reopen_starts_a_cycle() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("10:10")
    s.message("10:20")
    s.resolve("10:30")
    s.message("11:00")  # reopens by a new message
    s.agent_reply("11:05")
    s.resolve("11:20")
    s.reopen("12:00")  # reopens without a message
    s.agent_reply("12:30")
    kpis = totals(s)
    assert kpis["conversations_opened"] == 3
    assert kpis["conversations_reopened"] == 2
    assert kpis["conversations_resolved"] == 2
    assert kpis["resolution_seconds"]["count"] == 2
    assert kpis["resolution_seconds"]["mean"] == (1800 + 1200) / 2
    # waits: 600 (10:00->10:10), none for 10:20 (ended by resolve), 300 (11:00->11:05)
    assert kpis["reply_wait_seconds"]["count"] == 2
    assert kpis["reply_wait_seconds"]["mean"] == 450.0
    # first responses: 600, 300, and 1800 from the reopen at 12:00
    assert kpis["first_response_seconds"]["count"] == 3
    assert kpis["first_response_seconds"]["max"] == 1800.0
    assert kpis["resolution_rate"] == 0.666667
    # the 10:20 message was answered by the 11:05 reply of the next cycle
    assert kpis["answered_messages"] == 3


def test_orphan_and_second_resolves_and_early_reopens_are_ignored() -> None:
    s = Scenario()
    s.resolve("09:00", conversation="c-never")
    s.reopen("09:01", conversation="c-never")
    s.message("10:00")
    s.reopen("10:01")  # cycle still open
    s.resolve("10:02")
    s.resolve("10:03")  # second resolve of the same cycle
    report = report_of(s.events)
    assert report["events"]["ignored"] == 4
    assert report["events"]["accepted"] == 6
    assert report["totals"]["conversations_resolved"] == 1
    assert report["totals"]["conversations_opened"] == 1


def test_duplicates_are_counted_and_otherwise_ignored() -> None:
    s = Scenario()
    first = s.message("10:00")
    s.events.append(dict(first))
    reply = s.agent_reply("10:05")
    s.events.append(dict(reply, occurred_at=s.at("10:50")))  # same id, other content
    report = report_of(s.events)
    assert report["events"] == {
        "read": 4, "accepted": 2, "rejected": 0, "duplicates": 2, "ignored": 0,
        "out_of_order": 0,
    }
    assert report["totals"]["messages_received"] == 1
    assert report["totals"]["reply_wait_seconds"]["mean"] == 300.0


def test_negative_durations_count_as_zero_and_as_out_of_order() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("09:59")  # producer clock skew
    s.resolve("09:58")
    report = report_of(s.events)
    assert report["events"]["out_of_order"] == 2
    assert report["totals"]["first_response_seconds"]["max"] == 0.0
    assert report["totals"]["reply_wait_seconds"]["max"] == 0.0
    assert report["totals"]["resolution_seconds"]["max"] == 0.0


def test_unknown_channels_are_reported_as_other() -> None:
    s = Scenario()
    s.message("10:00", channel="threads")
    s.message("10:00", conversation="c-2", channel="mastodon")
    s.message("10:00", conversation="c-3", channel="x")
    report = report_of(s.events)
    assert sorted(report["by_channel"]) == ["other", "x"]
    assert report["by_channel"]["other"]["messages_received"] == 2
    assert report["by_channel"]["x"]["conversations_opened"] == 1


def test_the_channel_allowlist_comes_from_the_configuration() -> None:
    s = Scenario()
    s.message("10:00", channel="threads")
    s.message("10:00", conversation="c-2", channel="facebook")
    config = CarePulseConfig(channels=ChannelsConfig(allowlist=("threads",)))
    assert sorted(report_of(s.events, config=config)["by_channel"]) == ["other", "threads"]


def test_state_built_before_the_range_still_gives_samples_inside_it() -> None:
    s = Scenario()
    s.message("2026-11-19T23:50:00Z")
    s.agent_reply("2026-11-20T00:10:00Z")
    s.message("2026-11-20T00:20:00Z")
    s.resolve("2026-11-20T01:00:00Z")
    report = report_of(s.events, start="2026-11-20T00:00:00Z", end="2026-11-21T00:00:00Z")
    kpis = report["totals"]
    assert kpis["messages_received"] == 1
    assert kpis["conversations_opened"] == 0
    assert kpis["first_response_seconds"]["mean"] == 1200.0
    assert kpis["resolution_seconds"]["mean"] == 4200.0
    assert kpis["resolution_rate"] is None
    assert kpis["answered_messages"] == 0
    assert kpis["response_rate"] == 0.0
    assert report["range"] == {"from": "2026-11-20T00:00:00Z", "to": "2026-11-21T00:00:00Z"}


def test_answers_and_resolutions_after_the_range_end_do_not_count() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("11:30")
    s.resolve("11:40")
    kpis = totals(s, start="2026-11-20T10:00:00Z", end="2026-11-20T11:00:00Z")
    assert kpis["messages_received"] == 1
    assert kpis["answered_messages"] == 0
    assert kpis["resolution_rate"] == 0.0
    assert kpis["replies_sent"] == 0
    assert kpis["first_response_seconds"]["count"] == 0


def test_default_range_is_first_event_to_last_event_plus_one_second() -> None:
    s = Scenario()
    s.message("10:00:30")
    s.message("09:00", conversation="c-2")
    s.agent_reply("10:20:05.5")
    report = report_of(s.events)
    assert report["range"] == {"from": "2026-11-20T09:00:00Z", "to": "2026-11-20T10:20:06.500000Z"}


def test_csat_nps_sentiment_and_sales() -> None:
    s = Scenario()
    for score in (5, 4, 3, 1):
        s.survey("10:00", "csat", score)
    for score in (10, 9, 8, 6, 0):
        s.survey("10:00", "nps", score)
    for sentiment in (0.9, 0.21, 0.2, -0.2, -0.5):
        s.message("10:00", sentiment=sentiment)
    s.sale("10:00", 19.99)
    s.sale("10:00", 0.01)
    s.sale("10:00", 5, currency="USD")
    kpis = totals(s)
    assert kpis["csat"] == {"responses": 4, "mean": 3.25, "score": 0.5}
    assert kpis["nps"] == {
        "responses": 5, "promoters": 2, "passives": 1, "detractors": 2, "score": 0.0
    }
    assert kpis["sentiment"] == {"positive": 2, "neutral": 2, "negative": 1, "net": 0.2}
    assert kpis["sales"] == {"count": 3, "amount": {"EUR": 20.0, "USD": 5.0}}


def test_agents_topics_and_quick_replies() -> None:
    s = Scenario()
    s.message("10:00", topic="billing")
    s.agent_reply("10:02", agent="a-1", quick_reply="qr-hello")
    s.message("10:00", conversation="c-2", topic="billing")
    s.agent_reply("10:06", conversation="c-2", agent="a-1", quick_reply="qr-hello")
    s.agent_reply("10:07", conversation="c-2", agent="a-1")
    s.message("10:00", conversation="c-3", topic="delivery")
    s.agent_reply("10:10", conversation="c-3", agent="a-2", quick_reply="qr-bye")
    s.resolve("10:20", conversation="c-3", agent_id="a-2")
    report = report_of(s.events)
    assert report["agents"] == {
        "a-1": {"replies": 3, "first_responses": 2, "first_response_mean": 240.0,
                "first_response_max": 360.0, "conversations": 2, "resolutions": 0},
        "a-2": {"replies": 1, "first_responses": 1, "first_response_mean": 600.0,
                "first_response_max": 600.0, "conversations": 1, "resolutions": 1},
    }
    assert report["topics"] == [["billing", 2], ["delivery", 1]]
    assert report["quick_replies"] == [["qr-hello", 2], ["qr-bye", 1]]


def test_top_lists_keep_ten_by_count_then_name() -> None:
    s = Scenario()
    for index in range(12):
        s.message("10:00", conversation=f"c-{index}", topic=f"t{index:02d}")
    s.message("10:00", conversation="c-x", topic="t11")
    topics = report_of(s.events)["topics"]
    assert topics[0] == ["t11", 2]
    assert [name for name, _ in topics[1:]] == [f"t{i:02d}" for i in range(9)]


def test_percentiles_use_the_nearest_rank() -> None:
    s = Scenario()
    for index, minutes in enumerate((1, 2, 3, 4, 5, 6, 7, 8, 9, 10)):
        conversation = f"c-{index}"
        s.message("10:00", conversation=conversation)
        s.agent_reply(f"10:{minutes:02d}", conversation=conversation)
    stats = totals(s)["first_response_seconds"]
    assert stats == {"count": 10, "mean": 330.0, "p50": 300.0, "p90": 540.0, "max": 600.0}


def test_no_events_gives_nulls_not_errors() -> None:
    report = report_of([])
    kpis = report["totals"]
    assert report["events"]["read"] == 0
    assert kpis["response_rate"] is None
    assert kpis["first_response_seconds"]["mean"] is None
    assert report["by_channel"] == {}
    assert report["savings"]["roi"] is None
