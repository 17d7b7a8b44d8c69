"""The state of one conversation, as the engine keeps it (docs/kpis.md section 1).

Its own module so that the engine (engine.py) and what watches its conversations (the
live worker's deadline watch and open gauges, in streams.state) depend on it without
depending on each other. Three fields serve the live worker only: the at-risk instants
and flags of its SLA clocks, and the checkpoint slot; the engine sets the first when a
clock watch is attached and never reads them.
"""

from __future__ import annotations

from typing import Literal

from streams.kpi.labels import OTHER
from streams.kpi.sla import SlaRules, SlaTarget

Clock = Literal["response", "resolution"]
NO_CYCLE_US = -(1 << 62)
"""`cycle_start_us` of a conversation that has not had a cycle yet."""


class Conversation:
    """State of one conversation. Created by its first inbound message, which opens
    the first cycle, so an existing conversation without an open cycle was resolved
    (`closed`)."""

    __slots__ = (
        "at_risk",
        "checkpoint_slot",
        "cycle_brand",
        "cycle_channel",
        "cycle_open",
        "cycle_priority",
        "cycle_start_us",
        "first_reply_done",
        "first_response_start_us",
        "last_event_us",
        "policy",
        "resolution_deadline_us",
        "resolution_risk_us",
        "response_deadline_us",
        "response_risk_us",
        "response_target",
        "unanswered",
        "waiting_since_us",
    )

    def __init__(self, first_event_us: int = 0) -> None:
        self.cycle_open = False
        self.cycle_start_us = NO_CYCLE_US
        self.cycle_channel = OTHER
        self.cycle_brand = OTHER
        self.cycle_priority = "normal"
        self.policy: SlaRules | None = None
        self.first_reply_done = False
        self.first_response_start_us = 0
        self.waiting_since_us: int | None = None
        self.unanswered: list[tuple[str, str, int]] = []  # (channel, brand, at_us)
        self.response_target: SlaTarget | None = None
        self.response_deadline_us: int | None = None
        self.resolution_deadline_us: int | None = None
        # the live worker's (DeadlineWatch): when each clock turns at risk, which are
        self.response_risk_us: int | None = None
        self.resolution_risk_us: int | None = None
        self.at_risk = 0
        self.last_event_us = first_event_us  # the latest occurred_at of its events
        self.checkpoint_slot = -1  # the live worker's: which table slot holds its state

    @property
    def closed(self) -> bool:
        """Its last cycle is resolved. Only such a conversation can be closed for good or
        forgotten (docs/kpis.md section 1): one that never had a cycle is not closed."""
        return not self.cycle_open and self.cycle_start_us != NO_CYCLE_US

    def deadline_of(self, clock: Clock) -> int | None:
        return self.response_deadline_us if clock == "response" else self.resolution_deadline_us

    def target_of(self, clock: Clock) -> SlaTarget | None:
        return self.response_target if clock == "response" else (
            "resolution" if self.resolution_deadline_us is not None else None
        )

    def clear_clock(self, clock: Clock) -> None:
        if clock == "response":
            self.response_target = self.response_deadline_us = self.response_risk_us = None
        else:
            self.resolution_deadline_us = self.resolution_risk_us = None
