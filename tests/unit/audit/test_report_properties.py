"""Properties of the audit report that hold for any traffic (hypothesis)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.config import CalendarConfig, CarePulseConfig, SlaConfig, SlaMatch, SlaPolicy
from streams.testing import report_of, shifted

CONFIG = CarePulseConfig(
    calendars={"office": CalendarConfig(
        timezone="Europe/Rome", hours={"mon": ("09:00-17:00",), "fri": ("09:00-12:00",)}
    )},
    sla=SlaConfig(policies=(
        SlaPolicy(name="urgent", match=SlaMatch(priorities=("urgent",)),
                  first_response_seconds=300, calendar="office"),
        SlaPolicy(name="default", first_response_seconds=900, next_response_seconds=600,
                  resolution_seconds=7200, pause_on=("pending",)),
    )),
)
START = "2026-11-20T08:00:00Z"

STEP = st.one_of(
    st.tuples(st.just("message.received"), st.sampled_from([None, -0.7, 0.0, 0.5]),
              st.sampled_from([None, "billing", "delivery"])),
    st.tuples(st.just("agent"), st.sampled_from(["a-1", "a-2"]),
              st.sampled_from([None, "qr-1"])),
    st.tuples(st.just("bot")),
    st.tuples(st.just("conversation.handoff")),
    st.tuples(st.just("conversation.resolved"), st.sampled_from(["agent", "bot", "auto"])),
    st.tuples(st.just("conversation.reopened")),
    st.tuples(st.just("csat"), st.integers(1, 5)),
    st.tuples(st.just("nps"), st.integers(0, 10)),
    st.tuples(st.just("sale"), st.sampled_from([0.0, 9.99, 120.5])),
    # contract 1.1
    st.tuples(st.just("conversation.status_changed"),
              st.sampled_from(["open", "pending", "on_hold"])),
    st.tuples(st.just("conversation.assigned"), st.sampled_from(["a-1", "a-2"]),
              st.sampled_from([None, "tier1", "tier2"])),
    st.tuples(st.just("team-reply"), st.sampled_from(["tier1", "tier3"])),
)
CONVERSATION = st.tuples(
    st.sampled_from(["facebook", "x", "threads"]),
    st.sampled_from(["normal", "urgent"]),
    st.lists(st.tuples(STEP, st.integers(-60, 5400)), min_size=1, max_size=8),
)


def events_of(index: int, conversation: Any) -> list[dict[str, Any]]:
    channel, priority, steps = conversation
    events: list[dict[str, Any]] = []
    time = shifted(START, index * 37)
    for number, (step, delay_seconds) in enumerate(steps):
        time = shifted(time, delay_seconds + 0.000001 * number)
        kind, *args = step
        event: dict[str, Any] = {
            "event_id": f"e-{index}-{number}", "occurred_at": time,
            "conversation_id": f"c-{index}", "channel": channel, "priority": priority,
        }
        if kind == "message.received":
            event |= {"type": kind, "customer_id": "u-1"}
            event |= {k: v for k, v in zip(("sentiment", "topic"), args, strict=True) if v}
        elif kind in ("agent", "bot"):
            event |= {"type": "reply.sent", "author_type": kind}
            if kind == "agent":
                event |= {"agent_id": args[0]} | ({"quick_reply": args[1]} if args[1] else {})
        elif kind == "conversation.resolved":
            event |= {"type": kind, "resolved_by": args[0]}
        elif kind in ("csat", "nps"):
            event |= {"type": "survey.answered", "survey": kind, "score": args[0]}
        elif kind == "sale":
            event |= {"type": "sale.attributed", "amount": args[0], "currency": "EUR"}
        elif kind == "conversation.status_changed":
            event |= {"type": kind, "status": args[0]}
        elif kind == "conversation.assigned":
            event |= {"type": kind, "agent_id": args[0]} | ({"team": args[1]} if args[1] else {})
        elif kind == "team-reply":
            event |= {"type": "reply.sent", "author_type": "agent", "agent_id": "a-3",
                      "team": args[0]}
        else:
            event |= {"type": kind}
        events.append(event)
    return events


def interleave(stories: list[list[dict[str, Any]]], seed: int) -> list[dict[str, Any]]:
    """A random merge that keeps each conversation's own order (like Kafka partitions)."""
    rng = random.Random(seed)
    queues = [list(story) for story in stories if story]
    merged: list[dict[str, Any]] = []
    while queues:
        queue = rng.choice(queues)
        merged.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    return merged


CONVERSATIONS = st.lists(CONVERSATION, min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(CONVERSATIONS, st.integers(0, 2**32), st.integers(0, 2**32))
def test_the_report_does_not_depend_on_how_conversations_interleave(
    conversations: list[Any], seed_a: int, seed_b: int
) -> None:
    stories = [events_of(i, c) for i, c in enumerate(conversations)]
    first = report_of(interleave(stories, seed_a), config=CONFIG)
    second = report_of(interleave(stories, seed_b), config=CONFIG)
    assert first == second


@settings(max_examples=150, deadline=None)
@given(CONVERSATIONS, st.integers(0, 2**32), st.data())
def test_resent_events_change_only_the_duplicate_count(
    conversations: list[Any], seed: int, data: st.DataObject
) -> None:
    events = interleave([events_of(i, c) for i, c in enumerate(conversations)], seed)
    copies = data.draw(st.lists(st.integers(0, len(events) - 1), min_size=1, max_size=10))
    resent = list(events)
    for original in sorted(copies, reverse=True):
        later = data.draw(st.integers(original + 1, len(events)))
        resent.insert(later, dict(events[original]))
    clean, noisy = report_of(events, config=CONFIG), report_of(resent, config=CONFIG)
    assert noisy["events"] == clean["events"] | {
        "duplicates": len(copies), "read": clean["events"]["read"] + len(copies)
    }
    for key in clean.keys() - {"events", "digest"}:
        assert noisy[key] == clean[key], key


@settings(max_examples=50, deadline=None)
@given(CONVERSATIONS)
def test_the_same_input_gives_the_same_digest(conversations: list[Any]) -> None:
    events = interleave([events_of(i, c) for i, c in enumerate(conversations)], 1)
    first, second = report_of(events, config=CONFIG), report_of(events, config=CONFIG)
    assert first["digest"] == second["digest"]
    assert first["digest"].startswith("sha256:")
    assert len(first["digest"]) == len("sha256:") + 64
