"""Helpers for tests of CarePulse and of code that feeds it: build contract-v1.1 events
with readable times and get the audit report of a scenario in one call."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.events import EVENT_ADAPTER
from streams.audit.report import AuditRun
from streams.config import CarePulseConfig
from streams.kpi.timeutil import parse_iso_us

DAY = "2026-11-20"


class Scenario:
    """Builds events of one story; times are "HH:MM[:SS]" on `day` (UTC) or full RFC 3339
    strings. Event ids are numbered in creation order unless given."""

    def __init__(self, day: str = DAY) -> None:
        self.day = day
        self.events: list[dict[str, Any]] = []

    def at(self, time: str) -> str:
        if "T" in time:
            return time
        return f"{self.day}T{time if time.count(':') == 2 else time + ':00'}Z"

    def add(
        self, type_: str, time: str, conversation: str = "c-1", **fields: Any
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "event_id": fields.pop("event_id", f"e-{len(self.events) + 1}"),
            "type": type_,
            "occurred_at": self.at(time),
            "conversation_id": conversation,
            "channel": fields.pop("channel", "facebook"),
            **fields,
        }
        self.events.append(event)
        return event

    def message(self, time: str, conversation: str = "c-1", **fields: Any) -> dict[str, Any]:
        fields.setdefault("customer_id", "u-1")
        return self.add("message.received", time, conversation, **fields)

    def agent_reply(
        self, time: str, conversation: str = "c-1", agent: str = "a-1", **fields: Any
    ) -> dict[str, Any]:
        return self.add(
            "reply.sent", time, conversation, author_type="agent", agent_id=agent, **fields
        )

    def bot_reply(self, time: str, conversation: str = "c-1", **fields: Any) -> dict[str, Any]:
        return self.add("reply.sent", time, conversation, author_type="bot", **fields)

    def handoff(self, time: str, conversation: str = "c-1", **fields: Any) -> dict[str, Any]:
        return self.add("conversation.handoff", time, conversation, **fields)

    def resolve(
        self, time: str, conversation: str = "c-1", by: str = "agent", **fields: Any
    ) -> dict[str, Any]:
        return self.add("conversation.resolved", time, conversation, resolved_by=by, **fields)

    def reopen(self, time: str, conversation: str = "c-1", **fields: Any) -> dict[str, Any]:
        return self.add("conversation.reopened", time, conversation, **fields)

    def status(
        self, time: str, status: str, conversation: str = "c-1", **fields: Any
    ) -> dict[str, Any]:
        return self.add("conversation.status_changed", time, conversation, status=status,
                        **fields)

    def assign(
        self, time: str, agent: str, conversation: str = "c-1", **fields: Any
    ) -> dict[str, Any]:
        return self.add("conversation.assigned", time, conversation, agent_id=agent, **fields)

    def survey(
        self, time: str, survey: str, score: int, conversation: str = "c-1", **fields: Any
    ) -> dict[str, Any]:
        return self.add(
            "survey.answered", time, conversation, survey=survey, score=score, **fields
        )

    def sale(
        self, time: str, amount: float, currency: str = "EUR", conversation: str = "c-1",
        **fields: Any,
    ) -> dict[str, Any]:
        return self.add(
            "sale.attributed", time, conversation, amount=amount, currency=currency, **fields
        )

    def lines(self) -> list[bytes]:
        return [json.dumps(event).encode() for event in self.events]


def report_of(
    events: Iterable[dict[str, Any]],
    config: CarePulseConfig | None = None,
    start: str | None = None,
    end: str | None = None,
) -> dict[str, Any]:
    """The audit report of valid events, in the given order."""
    run = AuditRun(
        config or CarePulseConfig(),
        None if start is None else parse_iso_us(start),
        None if end is None else parse_iso_us(end),
    )
    for event in events:
        run.feed(EVENT_ADAPTER.validate_json(json.dumps(event)))
    return run.report()


def shifted(time: str, seconds: float) -> str:
    """An RFC 3339 UTC time `seconds` after `time`."""
    moment = datetime.fromisoformat(time).astimezone(UTC) + timedelta(seconds=seconds)
    return moment.isoformat().replace("+00:00", "Z")
