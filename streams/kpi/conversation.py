"""The state of one conversation, as the engine keeps it (docs/kpis.md section 1).

Its own module so that the engine (engine.py) and what watches its conversations (the
live worker's deadline watch and open gauges, in streams.state) depend on it without
depending on each other. Three fields serve the live worker only: the at-risk instants
and flags of its SLA clocks, and the checkpoint slot; the engine sets the first when a
clock watch is attached and never reads them.

Contract 1.1 adds the working status of the open cycle and its pending time (requester
wait), the stopped resolution clock (SLA pauses), the assignee and the team (kept across
cycles), the history of team changes that attributes a breach to a team, and the count of
agent replies of the cycle (one-touch resolutions).
"""

from __future__ import annotations

from typing import Final, Literal

from streams.kpi.labels import OTHER
from streams.kpi.sla import SlaRules, SlaTarget

Clock = Literal["response", "resolution"]
CLOCKS: tuple[Clock, ...] = ("response", "resolution")
OPEN: Final = "open"
PENDING: Final = "pending"
ON_HOLD: Final = "on_hold"
STATUSES: tuple[str, ...] = (OPEN, PENDING, ON_HOLD)
NO_CYCLE_US: Final = -(1 << 62)
"""`cycle_start_us` of a conversation that has not had a cycle yet (first seen by an
assignment)."""
NO_MESSAGE_US: Final = -(1 << 62)
"""`unanswered_at_us` when no message waits for an answer."""


class Conversation:
    """State of one conversation. Created by its first inbound message, which opens
    the first cycle, or by an assignment before it (`has_had_cycle` is then False until
    the first message); an existing conversation that has had a cycle and has none open
    was resolved (`closed`)."""

    __slots__ = (
        "agent_replies",
        "assignee",
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
        "more_unanswered",
        "pending_since_us",
        "pending_us",
        "policy",
        "resolution_deadline_us",
        "resolution_left_us",
        "resolution_risk_us",
        "response_deadline_us",
        "response_risk_us",
        "response_target",
        "status",
        "status_since_us",
        "team",
        "team_history",
        "team_since_us",
        "unanswered_at_us",
        "unanswered_brand",
        "unanswered_channel",
        "waiting_since_us",
    )

    def __init__(self, first_event_us: int = 0) -> None:
        self.cycle_open = False
        self.cycle_start_us: int = NO_CYCLE_US
        self.cycle_channel = OTHER
        self.cycle_brand = OTHER
        self.cycle_priority = "normal"
        self.policy: SlaRules | None = None
        self.first_reply_done = False
        self.first_response_start_us = 0
        self.waiting_since_us: int | None = None
        # the unanswered messages, oldest first: the first in fields of its own (a
        # conversation mostly has one at a time, and a reply need not visit a list)
        self.unanswered_at_us = NO_MESSAGE_US
        self.unanswered_channel = OTHER
        self.unanswered_brand = OTHER
        self.more_unanswered: list[tuple[str, str, int]] | None = None
        self.response_target: SlaTarget | None = None
        self.response_deadline_us: int | None = None
        self.resolution_deadline_us: int | None = None
        # the live worker's (DeadlineWatch): when each clock turns at risk, which are
        self.response_risk_us: int | None = None
        self.resolution_risk_us: int | None = None
        self.at_risk = 0
        self.last_event_us = first_event_us  # the latest occurred_at of its events
        self.checkpoint_slot = -1  # the live worker's: which table slot holds its state
        # contract 1.1
        self.status: str = OPEN  # of the open cycle
        self.status_since_us = 0  # of the last status change (the cycle start at first)
        self.pending_since_us = 0  # start of the pending period running while `pending`
        self.pending_us = 0  # of the cycle's ended pending periods
        self.resolution_left_us: int | None = None  # of a stopped (paused) resolution clock
        self.agent_replies = 0  # of the open cycle, counted up to 2 (one-touch or not)
        self.assignee: str | None = None
        self.team: str | None = None
        # the latest occurred_at of its events up to the change that set `team`, and of
        # the earlier changes (with the team each set), oldest first
        self.team_since_us = 0
        self.team_history: list[tuple[int, str]] | None = None

    @property
    def unanswered(self) -> list[tuple[str, str, int]]:
        """The unanswered messages as (channel, brand, at_us), oldest first."""
        if self.unanswered_at_us == NO_MESSAGE_US:
            return []
        first = (self.unanswered_channel, self.unanswered_brand, self.unanswered_at_us)
        return [first, *(self.more_unanswered or ())]

    @unanswered.setter
    def unanswered(self, messages: list[tuple[str, str, int]]) -> None:
        self.unanswered_at_us, self.more_unanswered = NO_MESSAGE_US, None
        for channel, brand, at_us in messages:
            self.add_unanswered(channel, brand, at_us)

    def add_unanswered(self, channel: str, brand: str, at_us: int) -> None:
        if self.unanswered_at_us == NO_MESSAGE_US:
            self.unanswered_channel, self.unanswered_brand = channel, brand
            self.unanswered_at_us = at_us
        elif self.more_unanswered is None:
            self.more_unanswered = [(channel, brand, at_us)]
        else:
            self.more_unanswered.append((channel, brand, at_us))

    @property
    def has_had_cycle(self) -> bool:
        return self.cycle_start_us != NO_CYCLE_US

    def set_team(self, team: str, latest_event_us: int) -> None:
        """The team changes at an event; `latest_event_us` is the latest occurred_at of the
        conversation's events up to this one included."""
        current = self.team
        if team == current:
            return
        if current is not None:  # kept for the breaches of its time
            if self.team_history is None:
                self.team_history = []
            self.team_history.append((self.team_since_us, current))
        self.team, self.team_since_us = team, latest_event_us

    def team_at(self, deadline_us: int) -> str | None:
        """The team of a breach at `deadline_us`: as set by the conversation's events that
        came before its first event occurring after the deadline (all of them when none
        does). A change counts when no event up to it occurred after the deadline."""
        if self.team is None or self.team_since_us <= deadline_us:
            return self.team
        history = self.team_history
        if history is not None:
            for latest_us, team in reversed(history):
                if latest_us <= deadline_us:
                    return team
        return None

    @property
    def closed(self) -> bool:
        """Its last cycle is resolved. Only such a conversation can be closed for good or
        forgotten (docs/kpis.md section 1): one that never had a cycle is not closed."""
        return not self.cycle_open and self.has_had_cycle

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
