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

import random
from collections.abc import Iterator
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


def endless_deliveries(seed: int, start_us: int) -> Iterator[Payload]:
    """Simulated conversations one after another, forever: each is a customer message,
    on bot inboxes a bot answer and a handoff, an assignment, one to three exchanges with
    the agent, a resolution, and sometimes a CSAT answer. Times advance from `start_us`."""
    rng = random.Random(seed)
    inboxes = [
        Inbox(1, "Synthetic Care", 21, "Facebook page", "Channel::FacebookPage"),
        Inbox(1, "Synthetic Care", 22, "WhatsApp support", "Channel::Whatsapp"),
        Inbox(1, "Synthetic Care", 23, "Web chat", "Channel::WebWidget"),
        Inbox(2, "Synthetic Travel", 31, "X profile", "Channel::TwitterProfile"),
    ]
    now_us, message_id = start_us, 1
    for display_id in range(1, 1 << 62):
        inbox = inboxes[rng.randrange(len(inboxes))]
        bot = inbox.channel_type != "Channel::WebWidget" and rng.random() < 0.5
        conversation = Conversation(inbox, display_id, contact_id=rng.randrange(1, 10**6),
                                    created_us=now_us, status="pending" if bot else "open")

        def step(seconds: float) -> int:
            nonlocal now_us
            now_us += round(seconds * US_PER_SECOND)
            return now_us

        def next_id() -> int:
            nonlocal message_id
            message_id += 1
            return message_id

        yield conversation.message(next_id(), step(rng.uniform(1, 5)), "incoming")
        if bot:
            yield conversation.message(next_id(), step(rng.uniform(1, 3)), "outgoing",
                                       sender=agent_bot(1))
            yield from conversation.set_status("open", step(rng.uniform(5, 30)))
        agent = rng.randrange(1, 9)
        yield conversation.assign(agent, step(rng.uniform(5, 60)),
                                  team=(agent % 2 + 1, ("billing", "support")[agent % 2]))
        for _ in range(rng.randrange(1, 4)):
            yield conversation.message(next_id(), step(rng.uniform(20, 300)), "outgoing",
                                       sender=user(agent))
            if rng.random() < 0.5:
                yield conversation.message(next_id(), step(rng.uniform(10, 120)), "incoming")
        yield from conversation.set_status("resolved", step(rng.uniform(10, 60)))
        if rng.random() < 0.3:
            survey_id, sent_us = next_id(), step(1)
            yield conversation.message(survey_id, sent_us, "template", content_type="input_csat")
            yield conversation.csat_answer(survey_id, sent_us, step(rng.uniform(30, 600)),
                                           rating=rng.randrange(1, 6))
