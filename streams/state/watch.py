"""Live SLA: open clocks turn at risk and breach when the worker's now passes them.

The audit report settles a deadline from the conversation's own events (and breaches
what is still open at the end of its range). The live worker cannot wait for that: it
must raise a breach at the deadline itself. `DeadlineWatch` keeps, for the engine of one
partition, every instant at which an open clock turns at risk or breaches, in a heap
keyed by instant; entries of clocks that were answered or restarted stay in the heap and
are skipped when they come due (a clock is the same one only while its deadline is).

`advance(now_us)` settles what is due: the breach is counted at the deadline instant, as
in the report, and an alert is queued. With the partition's newest event time as now,
events in time order give exactly the report's outcomes; a reply stamped before its
deadline but applied after the worker's now had passed that deadline stays breached
(docs/kpis.md section 5 discusses this).
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from streams.kpi.conversation import Clock, Conversation
from streams.kpi.sink import KpiSink
from streams.kpi.sla import SlaTarget

AlertKind = Literal["at_risk", "at_risk_cleared", "breached"]
RESPONSE_RISK, RESPONSE_BREACH, RESOLUTION_RISK, RESOLUTION_BREACH = range(4)
_RISK_FLAG: dict[Clock, int] = {"response": 1, "resolution": 2}


@dataclass(frozen=True, slots=True)
class SlaAlert:
    kind: AlertKind
    policy: str
    target: SlaTarget
    channel: str
    brand: str
    priority: str
    deadline_us: int
    conversation_id: str
    raised_at_us: int  # the worker's now when raised, or the settling event's time


class DeadlineWatch:
    """The due instants of one engine's open SLA clocks, its at-risk counts by
    (brand, channel, policy, target), and the alerts not yet taken by the worker. The
    engine's clock watch (streams.kpi.observers.ClockWatch)."""

    def __init__(self, conversations: dict[str, Conversation], sink: KpiSink) -> None:
        self._conversations = conversations
        self._sink = sink
        self._heap: list[tuple[int, str, int, int]] = []  # (due_us, id, entry kind, deadline)
        self.at_risk: Counter[tuple[str, str, str, str]] = Counter()
        self.alerts: list[SlaAlert] = []

    def armed(self, conversation_id: str, conv: Conversation, clock: Clock) -> None:
        """Queues the clock's at-risk instant and its breach (the first microsecond
        after the deadline: a reply at the deadline itself meets it)."""
        heap, push = self._heap, heapq.heappush
        deadline = conv.deadline_of(clock)
        risk = conv.response_risk_us if clock == "response" else conv.resolution_risk_us
        assert deadline is not None and risk is not None
        risk_kind, breach_kind = (
            (RESPONSE_RISK, RESPONSE_BREACH) if clock == "response"
            else (RESOLUTION_RISK, RESOLUTION_BREACH)
        )
        if not conv.at_risk & _RISK_FLAG[clock]:
            push(heap, (risk, conversation_id, risk_kind, deadline))
        push(heap, (deadline + 1, conversation_id, breach_kind, deadline))

    def stopped(
        self, conversation_id: str, conv: Conversation, clock: Clock, at_us: int
    ) -> None:
        """The clock was met, cancelled or restarted at `at_us`: it leaves at risk."""
        if self._leave_risk(conv, clock):
            self._alert("at_risk_cleared", conversation_id, conv, clock, at_us, -1)

    def advance(self, now_us: int) -> None:
        """Settles every instant at or before `now_us`, oldest first."""
        heap = self._heap
        while heap and heap[0][0] <= now_us:
            _, conversation_id, kind, deadline_us = heapq.heappop(heap)
            conv = self._conversations.get(conversation_id)
            if conv is None or conv.policy is None:
                continue
            clock: Clock = "response" if kind <= RESPONSE_BREACH else "resolution"
            if conv.deadline_of(clock) != deadline_us:
                continue  # answered or restarted since
            if kind in (RESPONSE_RISK, RESOLUTION_RISK):
                if not conv.at_risk & _RISK_FLAG[clock]:
                    conv.at_risk |= _RISK_FLAG[clock]
                    self._alert("at_risk", conversation_id, conv, clock, now_us, +1)
            else:
                self._breach(conversation_id, conv, clock, deadline_us, now_us)

    def _breach(
        self, conversation_id: str, conv: Conversation, clock: Clock, deadline_us: int,
        now_us: int,
    ) -> None:
        target = conv.target_of(clock)
        assert conv.policy is not None and target is not None
        self._sink.sla_outcome(
            conv.policy.name, target, conv.cycle_channel, conv.cycle_brand, False, deadline_us,
            conv.team_at(deadline_us),
        )
        risk_change = -1 if self._leave_risk(conv, clock) else 0
        self._alert("breached", conversation_id, conv, clock, now_us, risk_change)
        conv.clear_clock(clock)

    @staticmethod
    def _leave_risk(conv: Conversation, clock: Clock) -> bool:
        """Clears the clock's at-risk flag; whether it was set."""
        flag = _RISK_FLAG[clock]
        was_at_risk = bool(conv.at_risk & flag)
        conv.at_risk &= ~flag
        return was_at_risk

    def _alert(
        self, kind: AlertKind, conversation_id: str, conv: Conversation, clock: Clock,
        at_us: int, risk_change: int,
    ) -> None:
        policy, target, deadline_us = conv.policy, conv.target_of(clock), conv.deadline_of(clock)
        assert policy is not None and target is not None and deadline_us is not None
        if risk_change:
            self.at_risk[(conv.cycle_brand, conv.cycle_channel, policy.name, target)] += (
                risk_change
            )
        self.alerts.append(SlaAlert(
            kind, policy.name, target, conv.cycle_channel, conv.cycle_brand, conv.cycle_priority,
            deadline_us, conversation_id, at_us,
        ))

    def rearm(self) -> None:
        """After a restore: the heap and at-risk counts from the conversations' clocks."""
        self._heap.clear()
        self.at_risk.clear()
        for conversation_id, conv in self._conversations.items():
            if conv.policy is None:
                continue
            for clock in ("response", "resolution"):
                target = conv.target_of(clock)
                if conv.deadline_of(clock) is None or target is None:
                    continue
                self.armed(conversation_id, conv, clock)
                if conv.at_risk & _RISK_FLAG[clock]:
                    key = (conv.cycle_brand, conv.cycle_channel, conv.policy.name, target)
                    self.at_risk[key] += 1

