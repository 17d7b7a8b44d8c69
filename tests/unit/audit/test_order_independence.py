"""`carepulse replay --input` gives the same report bytes for any order of the same file
that keeps each conversation's own order (docs/kpis.md section 1, closed for good): in
time order, sorted by conversation, dumped partition after partition, or interleaved at
random, with conversations spanning more than the 7-day grace."""

from __future__ import annotations

import heapq
import json
import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import EVENT_ADAPTER
from streams.audit.report import AuditRun
from streams.cli.main import main
from streams.config import CarePulseConfig, WorkerConfig
from streams.kpi.timeutil import parse_iso_us
from streams.testing import Scenario, report_of, shifted

PARTITION = {"c-1": 0, "c-2": 1, "c-3": 0, "c-4": 2, "c-5": 1, "c-6": 2}


def ten_days() -> Scenario:
    """Six conversations over eleven days (default grace: 7 days = 604,800 s).

    c-1  resolved Nov 2 09:30, a CSAT on Nov 5 12:00 (its last event time), a message on
         Nov 12 10:00: 6 d 22 h after its last event, so a reopen
    c-2  resolved Nov 2 10:06, a message exactly 7 days later: closed for good (gap >=
         grace), a new conversation
    c-3  resolved Nov 3 08:10; Nov 11 a reopen (closed for good: ignored) and a reply of
         a-1 that answers nothing: a-1's third conversation (c-1, c-3, the new c-3)
    c-4  a message on Nov 1 23:00 answered on Nov 12 09:00 (900,000 s), never resolved
    c-5  resolved Nov 2 11:05, resolved again Nov 6 11:05 (ignored, but its last event
         time), a message on Nov 12 11:00: a reopen
    c-6  resolved Nov 2 12:30, a message on Nov 3 09:00: a reopen, whatever came before
         it from other conversations (a file sorted by conversation has all of them,
         up to Nov 12, before it)
    """
    s = Scenario(day="2026-11-02")
    s.message("09:00", "c-1")
    s.agent_reply("09:10", "c-1", agent="a-1")
    s.resolve("09:30", "c-1", agent_id="a-1")
    s.survey("2026-11-05T12:00:00Z", "csat", 5, conversation="c-1")
    s.message("2026-11-12T10:00:00Z", "c-1")
    s.agent_reply("2026-11-12T10:20:00Z", "c-1", agent="a-1")
    s.resolve("2026-11-12T11:00:00Z", "c-1", agent_id="a-1")
    s.message("10:00", "c-2", channel="x")
    s.bot_reply("10:05", "c-2", channel="x")
    s.resolve("10:06", "c-2", by="bot", channel="x")
    s.message("2026-11-09T10:06:00Z", "c-2", channel="x")
    s.agent_reply("2026-11-09T10:16:00Z", "c-2", agent="a-2", channel="x")
    s.resolve("2026-11-09T10:30:00Z", "c-2", agent_id="a-2", channel="x")
    s.message("2026-11-03T08:00:00Z", "c-3", channel="instagram")
    s.agent_reply("2026-11-03T08:05:00Z", "c-3", agent="a-1", channel="instagram")
    s.resolve("2026-11-03T08:10:00Z", "c-3", agent_id="a-1", channel="instagram")
    s.reopen("2026-11-11T08:00:00Z", "c-3", channel="instagram")
    s.agent_reply("2026-11-11T08:30:00Z", "c-3", agent="a-1", channel="instagram")
    s.message("2026-11-01T23:00:00Z", "c-4", channel="whatsapp")
    s.agent_reply("2026-11-12T09:00:00Z", "c-4", agent="a-2", channel="whatsapp")
    s.message("11:00", "c-5")
    s.agent_reply("11:02", "c-5", agent="a-2")
    s.resolve("11:05", "c-5", agent_id="a-2")
    s.resolve("2026-11-06T11:05:00Z", "c-5", agent_id="a-2")
    s.message("2026-11-12T11:00:00Z", "c-5")
    s.agent_reply("2026-11-12T11:10:00Z", "c-5", agent="a-2")
    s.message("12:00", "c-6", channel="tiktok")
    s.agent_reply("12:15", "c-6", agent="a-1", channel="tiktok")
    s.resolve("12:30", "c-6", agent_id="a-1", channel="tiktok")
    s.message("2026-11-03T09:00:00Z", "c-6", channel="tiktok")
    s.agent_reply("2026-11-03T09:05:00Z", "c-6", agent="a-1", channel="tiktok")
    s.resolve("2026-11-03T09:30:00Z", "c-6", agent_id="a-1", channel="tiktok")
    return s


def in_time_order(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(events, key=lambda event: parse_iso_us(event["occurred_at"]))


def merged_by_time(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Like a live topic: the conversations merged by event time, each in its own order
    (a conversation whose own times go backwards stays as it is)."""
    queues: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        queues.setdefault(event["conversation_id"], []).append(event)
    return list(heapq.merge(*queues.values(),
                            key=lambda event: parse_iso_us(event["occurred_at"])))


def by_conversation(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(events, key=lambda event: event["conversation_id"])  # stable


def partition_after_partition(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A topic dump: partition 0 in time order, then partition 1, then partition 2."""
    return sorted(in_time_order(events), key=lambda event: PARTITION[event["conversation_id"]])


def interleaved(events: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """A random merge of the conversations, each in its own order."""
    rng = random.Random(seed)
    queues: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        queues.setdefault(event["conversation_id"], []).append(event)
    merged: list[dict[str, Any]] = []
    while queues:
        conversation_id = rng.choice(sorted(queues))
        merged.append(queues[conversation_id].pop(0))
        if not queues[conversation_id]:
            del queues[conversation_id]
    return merged


def replay_bytes(events: list[dict[str, Any]], *options: str) -> bytes:
    """What `carepulse replay --input FILE` writes, run in-process."""
    with tempfile.TemporaryDirectory() as directory:
        source, out = Path(directory) / "events.jsonl", Path(directory) / "report"
        source.write_text("".join(json.dumps(event) + "\n" for event in events))
        assert main(["replay", "--input", str(source), "--out", str(out), *options]) == 0
        return out.read_bytes()


def test_orders_keep_each_conversation_in_its_own_order() -> None:
    events = ten_days().events
    for order in (in_time_order(events), by_conversation(events),
                  partition_after_partition(events), interleaved(events, 3)):
        for conversation_id in PARTITION:
            assert [e for e in order if e["conversation_id"] == conversation_id] == [
                e for e in events if e["conversation_id"] == conversation_id]
    assert in_time_order(events)[0]["conversation_id"] == "c-4"
    assert [e["conversation_id"] for e in partition_after_partition(events)][:9] == [
        "c-1", "c-1", "c-1", "c-3", "c-3", "c-3", "c-1", "c-3", "c-3"]


def test_time_order_gives_the_hand_computed_report() -> None:
    report = json.loads(replay_bytes(in_time_order(ten_days().events)))
    assert report["range"] == {"from": "2026-11-01T23:00:00Z", "to": "2026-11-12T11:10:01Z"}
    assert report["events"] == {"read": 32, "accepted": 32, "rejected": 0, "duplicates": 0,
                                "ignored": 2, "out_of_order": 0}  # c-3's reopen, c-5's resolve
    totals = report["totals"]
    assert totals["messages_received"] == 10
    assert totals["replies_by_author"] == {"agent": 10, "bot": 1, "automation": 0}
    assert (totals["answered_messages"], totals["response_rate"]) == (10, 1.0)
    # c-1 twice (a reopen), c-2 twice (a new conversation), c-3, c-4, c-5 and c-6 twice
    # (a reopen each)
    assert (totals["conversations_opened"], totals["conversations_reopened"]) == (10, 3)
    assert (totals["conversations_resolved"], totals["resolution_rate"]) == (8, 0.8)
    # 120 (c-5), 300 (c-3, c-6 again), 600 (c-1, new c-2, c-5 again), 900 (c-6),
    # 1200 (c-1 again), 900,000 (c-4): 904,620 / 9
    samples = {"count": 9, "mean": 100_513.333333, "p50": 600.0, "p90": 900_000.0,
               "max": 900_000.0}
    assert totals["first_response_seconds"] == samples
    assert totals["reply_wait_seconds"] == samples
    # 300 (c-5), 360 (c-2), 600 (c-3), 1440 (new c-2), 1800 (c-1, c-6, c-6 again),
    # 3600 (c-1 again): 11,700 / 8
    assert totals["resolution_seconds"] == {
        "count": 8, "mean": 1462.5, "p50": 1440.0, "p90": 3600.0, "max": 3600.0}
    assert totals["csat"] == {"responses": 1, "mean": 5.0, "score": 1.0}
    assert report["by_channel"]["x"]["conversations_opened"] == 2
    assert report["by_channel"]["x"]["conversations_reopened"] == 0
    assert report["by_channel"]["facebook"]["conversations_reopened"] == 2
    assert report["by_channel"]["tiktok"]["conversations_reopened"] == 1
    assert report["agents"] == {  # a-1: c-1, c-3, the new c-3 and c-6
        "a-1": {"replies": 6, "first_responses": 5, "first_response_mean": 660.0,
                "first_response_max": 1200.0, "conversations": 4, "resolutions": 5},
        "a-2": {"replies": 4, "first_responses": 4, "first_response_mean": 225_330.0,
                "first_response_max": 900_000.0, "conversations": 3, "resolutions": 2},
    }


def test_sorted_by_conversation_and_partition_after_partition_give_the_same_bytes() -> None:
    events = ten_days().events
    expected = replay_bytes(in_time_order(events))
    assert replay_bytes(by_conversation(events)) == expected
    assert replay_bytes(partition_after_partition(events)) == expected
    assert replay_bytes(events) == expected  # the order the scenario was written in
    table = replay_bytes(in_time_order(events), "--format", "table")
    assert replay_bytes(by_conversation(events), "--format", "table") == table


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32))
def test_any_interleaving_of_whole_conversations_gives_the_same_bytes(seed: int) -> None:
    events = ten_days().events
    assert replay_bytes(interleaved(events, seed)) == replay_bytes(in_time_order(events))


# Generated conversations with gaps around a 2-day grace ---------------------------------

GRACE_SECONDS = 2 * 86_400
SHORT_GRACE = CarePulseConfig(worker=WorkerConfig(resolved_grace_seconds=float(GRACE_SECONDS)))
GAP_SECONDS = st.sampled_from([
    -60, 0, 30, 3600, GRACE_SECONDS - 1, GRACE_SECONDS, GRACE_SECONDS + 1, 5 * 86_400,
])
STEP = st.sampled_from(["message", "agent", "bot", "handoff", "resolve", "reopen", "csat",
                        "sale", "tagged"])
STORY = st.lists(st.tuples(STEP, GAP_SECONDS), min_size=1, max_size=10)


def story_events(index: int, steps: list[tuple[str, int]]) -> list[dict[str, Any]]:
    s = Scenario()
    conversation, time = f"c-{index}", shifted("2026-11-02T08:00:00Z", index * 3600)
    fields = {"channel": ("facebook", "x", "threads")[index % 3]}
    for number, (step, gap_seconds) in enumerate(steps):
        time = shifted(time, gap_seconds)
        fields["event_id"] = f"e-{index}-{number}"
        if step == "message":
            s.message(time, conversation, **fields)
        elif step == "agent":
            s.agent_reply(time, conversation, agent=f"a-{number % 2}", **fields)
        elif step == "bot":
            s.bot_reply(time, conversation, **fields)
        elif step == "handoff":
            s.handoff(time, conversation, **fields)
        elif step == "resolve":
            s.resolve(time, conversation, **fields)
        elif step == "reopen":
            s.reopen(time, conversation, **fields)
        elif step == "csat":
            s.survey(time, "csat", 4, conversation, **fields)
        elif step == "sale":
            s.sale(time, 10.0, conversation=conversation, **fields)
        else:
            s.add("conversation.tagged", time, conversation, topic="billing", **fields)
    return s.events


@settings(max_examples=200, deadline=None)
@given(st.lists(STORY, min_size=1, max_size=8), st.integers(0, 2**32))
def test_generated_conversations_give_one_report_in_any_interleaving(
    stories: list[list[tuple[str, int]]], seed: int
) -> None:
    events = [event for index, steps in enumerate(stories)
              for event in story_events(index, steps)]
    expected = report_of(merged_by_time(events), config=SHORT_GRACE)
    assert report_of(interleaved(events, seed), config=SHORT_GRACE) == expected
    assert report_of(events, config=SHORT_GRACE) == expected  # conversation after conversation


def test_a_gap_of_exactly_the_grace_closes_one_microsecond_less_does_not() -> None:
    """docs/kpis.md section 9, reading 1: whole microseconds, closed at gap >= grace."""
    def opened_and_reopened(gap_seconds: float) -> tuple[int, int]:
        s = Scenario()
        s.message("2026-11-02T08:00:00Z")
        s.resolve("2026-11-02T08:30:00Z")
        s.message(shifted("2026-11-02T08:30:00Z", gap_seconds))
        totals = report_of(s.events, config=SHORT_GRACE)["totals"]
        return totals["conversations_opened"], totals["conversations_reopened"]

    assert opened_and_reopened(GRACE_SECONDS) == (2, 0)  # a new conversation
    assert opened_and_reopened(GRACE_SECONDS - 0.000001) == (2, 1)  # a reopen


def test_a_file_replay_remembers_every_event_id_whatever_the_capacity() -> None:
    """A duplicate 1,500 distinct ids after its original, with `dedupe.capacity` 1,000
    (of which at least the last 500 are remembered): `replay --input` still drops it, so
    the file gives the same report whether the duplicate comes right after its original
    or at the end; `replay --topic` (bounded as the live worker) may not."""
    s = Scenario(day="2026-11-02")
    s.message("09:00", "c-0")
    for index in range(1, 1501):
        s.message(shifted("2026-11-02T09:00:00Z", index), f"c-{index}")
    original = s.events[0]
    near = [original, dict(original), *s.events[1:]]
    far = [*s.events, dict(original)]
    config = CarePulseConfig.model_validate({"dedupe": {"capacity": 1000}})
    for order in (near, far):
        events = report_of(order, config)["events"]
        assert (events["accepted"], events["duplicates"]) == (1501, 1)
    bounded = AuditRun(config)
    bounded.bound_memory()
    for event in far:
        bounded.feed(EVENT_ADAPTER.validate_json(json.dumps(event)))
    assert bounded.report()["events"]["duplicates"] == 0  # the live worker's memory bound
