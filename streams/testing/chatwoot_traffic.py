"""Chatwoot webhook traffic: the hand-computed scenario of docs/chatwoot.md and endless
simulated conversations for `carepulse demo --source chatwoot`.

The scenario (account 3, WhatsApp inbox 11 with an agent bot, conversation 42, all on
2026-11-20 UTC): the customer writes at 09:00:00, the bot answers at 09:00:05, the
customer writes again at 09:02:00, the bot hands off at 09:02:10.5 (pending -> open),
agent 7 of team `billing` is assigned at 09:03:00 and replies at 09:05:10.5, writes a
private note at 09:06:00; the customer writes at 09:08:00, agent 7 replies at 09:10:00
and resolves at 09:12:00.25; Chatwoot sends the CSAT survey at 09:12:01, the customer
rates it 4 at 09:20:00; the conversation is reopened at 09:30:00 and reassigned to
agent 8 at 09:31:00.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from streams.testing.chatwoot import (
    US_PER_SECOND,
    Conversation,
    Inbox,
    Payload,
    agent_bot,
    user,
)

SCENARIO_INBOX = Inbox(3, "Synthetic Care", 11, "WhatsApp support", "Channel::Whatsapp")
SCENARIO_START_US = int(datetime(2026, 11, 20, 9, tzinfo=UTC).timestamp()) * US_PER_SECOND
BILLING = (5, "billing")


def _at(minutes: int, seconds: float = 0.0) -> int:
    return SCENARIO_START_US + round((minutes * 60 + seconds) * US_PER_SECOND)


def scenario_deliveries() -> list[Payload]:
    """The scenario's deliveries, in the order Chatwoot sends them."""
    conversation = Conversation(SCENARIO_INBOX, display_id=42, contact_id=901,
                                created_us=_at(0), status="pending")
    deliveries = [
        conversation.message(5001, _at(0), "incoming"),
        conversation.message(5002, _at(0, 5), "outgoing", sender=agent_bot(2)),
        conversation.message(5003, _at(2), "incoming"),
        *conversation.set_status("open", _at(2, 10.5)),
        conversation.assign(7, _at(3), team=BILLING),
        conversation.message(5004, _at(5, 10.5), "outgoing", sender=user(7)),
        conversation.message(5005, _at(6), "outgoing", sender=user(7), private=True),
        conversation.message(5006, _at(8), "incoming"),
        conversation.message(5007, _at(10), "outgoing", sender=user(7)),
        *conversation.set_status("resolved", _at(12, 0.25)),
        conversation.message(5008, _at(12, 1), "template", content_type="input_csat"),
        conversation.csat_answer(5008, _at(12, 1), _at(20), rating=4),
        *conversation.set_status("open", _at(30)),
        conversation.assign(8, _at(31)),
    ]
    return deliveries


DEMO_INBOXES = (
    Inbox(1, "Synthetic Care", 21, "Facebook page", "Channel::FacebookPage"),
    Inbox(1, "Synthetic Care", 22, "WhatsApp support", "Channel::Whatsapp"),
    Inbox(1, "Synthetic Care", 23, "Web chat", "Channel::WebWidget"),
    Inbox(2, "Synthetic Travel", 31, "X profile", "Channel::TwitterProfile"),
)
DEMO_ACCOUNT_BRANDS = {1: "synthetic-care", 2: "synthetic-travel"}
DEMO_AGENTS = tuple(range(1, 9))
DEMO_TEAMS = ((1, "billing"), (2, "support"))
BOT_SHARE = 0.5
CSAT_SHARE = 0.3


def demo_label_allowlists() -> dict[str, tuple[str, ...]]:
    """The brands (with `[chatwoot.accounts]` set to DEMO_ACCOUNT_BRANDS) and agents of the
    endless traffic, as the allowlists of a configuration."""
    return {"brands": tuple(DEMO_ACCOUNT_BRANDS.values()),
            "agents": tuple(f"chatwoot:user:{agent}" for agent in DEMO_AGENTS)}


def endless_deliveries(
    seed: int, now_us: Callable[[], int], concurrent: int = 8
) -> Iterator[Payload]:
    """Simulated conversations, `concurrent` of them open at a time, forever. Each is a
    customer message; on a bot inbox a bot answer and a handoff; an assignment; one to
    three agent replies, some answered by the customer; a resolution; sometimes a CSAT
    survey and its answer. Every delivery is built when it is asked for, at `now_us()`,
    so a sender pacing them gets deliveries of its own time."""
    rng = random.Random(seed)
    ids, display_ids = itertools.count(1), itertools.count(1)
    scripts: list[Iterator[Payload]] = []
    while True:
        while len(scripts) < concurrent:
            scripts.append(_conversation(rng, next(display_ids), ids, now_us))
        pick = rng.randrange(len(scripts))
        delivery = next(scripts[pick], None)
        if delivery is None:
            scripts.pop(pick)
        else:
            yield delivery


def _conversation(
    rng: random.Random, display_id: int, ids: Iterator[int], now_us: Callable[[], int]
) -> Iterator[Payload]:
    inbox = DEMO_INBOXES[rng.randrange(len(DEMO_INBOXES))]
    bot = inbox.channel_type != "Channel::WebWidget" and rng.random() < BOT_SHARE
    conversation = Conversation(inbox, display_id, contact_id=rng.randrange(1, 10**6),
                                created_us=now_us(), status="pending" if bot else "open")
    yield conversation.message(next(ids), now_us(), "incoming")
    if bot:
        yield conversation.message(next(ids), now_us(), "outgoing", sender=agent_bot(1))
        yield from conversation.set_status("open", now_us())
    agent = DEMO_AGENTS[rng.randrange(len(DEMO_AGENTS))]
    yield conversation.assign(agent, now_us(), team=DEMO_TEAMS[agent % len(DEMO_TEAMS)])
    for _ in range(rng.randrange(1, 4)):
        yield conversation.message(next(ids), now_us(), "outgoing", sender=user(agent))
        if rng.random() < 0.5:
            yield conversation.message(next(ids), now_us(), "incoming")
    yield from conversation.set_status("resolved", now_us())
    if rng.random() < CSAT_SHARE:
        survey_id, sent_us = next(ids), now_us()
        yield conversation.message(survey_id, sent_us, "template", content_type="input_csat")
        yield conversation.csat_answer(survey_id, sent_us, now_us(), rating=rng.randrange(1, 6))
