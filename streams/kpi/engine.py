"""The conversation engine: docs/kpis.md sections 1, 2 and 5 as a state machine.

Events are applied in arrival order; time comes only from `occurred_at`. For each event
the engine updates the conversation's state and tells its sink the facts the event
produces. It keeps no totals of its own beyond the event counts of the audit report.

State stays bounded: a resolved conversation is forgotten once the newest event time of
its lane has passed its last event by `[worker] resolved_grace_seconds`, and a later
event of it behaves as one of a conversation never seen (docs/kpis.md section 1). A lane is
an input partition (all events of a conversation share one): the live worker has an
engine per partition, and `carepulse replay --topic` feeds each record with its
partition, so both forget the same conversations at the same events whatever the
interleaving of partitions (a file replay is one lane). Event time only, never a clock.
Each lane keeps its resolved conversations in a heap keyed by their due instant; the
lane's newest event time is compared with the heap's top at each event.

Contract 1.1 (docs/kpis.md): the working status of the open cycle, requester wait, the
resolution clocks that `pause_on` stops, assignment KPIs, one-touch resolutions and the
team every team-attributed fact is told with.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from schemas.events import (
    ConversationAssigned,
    ConversationHandoff,
    ConversationReopened,
    ConversationResolved,
    ConversationStatusChanged,
    ConversationTagged,
    Event,
    MessageReceived,
    ReplySent,
    SaleAttributed,
    SurveyAnswered,
)
from streams.kpi.conversation import OPEN, PENDING, Clock, Conversation
from streams.kpi.dedupe import RecentIds
from streams.kpi.labels import OTHER, LabelValues
from streams.kpi.observers import ClockWatch, CycleObserver, OpenCounts
from streams.kpi.settings import KpiSettings
from streams.kpi.sink import KpiSink
from streams.kpi.sla import SlaBook, SlaTarget
from streams.kpi.timeutil import to_us

NO_EVENT_YET_US = 1 << 62  # first/last event times before any event


@dataclass(slots=True)
class _Lane:
    """One input partition's newest event time and resolved conversations by due time."""

    now_us: int = -NO_EVENT_YET_US
    expiry: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OpenDeadline:
    policy: str
    target: SlaTarget
    channel: str
    brand: str
    deadline_us: int
    team: str | None


class Engine:
    """Applies accepted events; counts duplicates, ignored and out-of-order events.
    With a clock `watch` (the live worker's DeadlineWatch), SLA clocks get an at-risk
    instant and the watch is told when they start and stop and when the newest event
    time moves, so it can breach them as it passes their deadlines instead of only when
    settled. With `keep_forgotten`, forgotten conversations are listed in `forgotten`
    (id and last state) for the caller to take: the live worker drops their checkpoint
    records. With `gauges`, open and waiting conversations are counted as they change.
    With `cycles` (the audit ledger), each cycle's facts are told with its conversation id.
    `conversations` is the dict the engine keeps them in (the one the watch and the
    gauges were given), a new one by default."""

    def __init__(
        self, settings: KpiSettings, sink: KpiSink, watch: ClockWatch | None = None,
        keep_forgotten: bool = False, gauges: OpenCounts | None = None,
        conversations: dict[str, Conversation] | None = None,
        cycles: CycleObserver | None = None,
    ) -> None:
        self._sink = sink
        self._cycles = cycles
        labels = LabelValues(settings.labels)
        self._channels, self._brands = labels.channels, labels.brands
        self._sla = SlaBook(settings.sla_policies)
        self._recent = RecentIds(settings.dedupe_capacity)
        self.conversations: dict[str, Conversation] = (
            {} if conversations is None else conversations
        )
        self.watch = watch
        self.gauges = gauges
        self._grace_us = settings.resolved_grace_us
        self._lanes: dict[int, _Lane] = {}
        self._lane = _Lane()  # of the event being applied
        self.forgotten: list[tuple[str, Conversation]] | None = [] if keep_forgotten else None
        self.accepted = 0
        self.duplicates = 0
        self.ignored = 0
        self.out_of_order = 0
        self._skewed = False
        self.first_event_us = NO_EVENT_YET_US
        self.last_event_us = -NO_EVENT_YET_US
        self._handlers: dict[str, Callable[[Any, int, str, str], None]] = {
            "message.received": self._on_message,
            "reply.sent": self._on_reply,
            "conversation.handoff": self._on_handoff,
            "conversation.resolved": self._on_resolved,
            "conversation.reopened": self._on_reopened,
            "survey.answered": self._on_survey,
            "sale.attributed": self._on_sale,
            "conversation.assigned": self._on_assigned,
            "conversation.status_changed": self._on_status_changed,
            "conversation.tagged": self._on_tagged,
        }

    @property
    def sla(self) -> SlaBook:
        return self._sla

    def apply(self, event: Event, lane: int = 0) -> bool:
        """Applies one validated event of input partition `lane`; False if it was a
        duplicate."""
        if self._recent.seen_before(event.event_id):
            self.duplicates += 1
            return False
        self.accepted += 1
        at_us = to_us(event.occurred_at)
        if at_us < self.first_event_us:
            self.first_event_us = at_us
        if at_us > self.last_event_us:
            self.last_event_us = at_us
            if self.watch is not None:
                self.watch.advance(at_us)
        current = self._lanes.get(lane)
        if current is None:
            current = self._lanes[lane] = _Lane()
        if at_us > current.now_us:
            current.now_us = at_us
        if current.expiry and current.expiry[0][0] <= current.now_us:
            self._forget_resolved(current)
        self._lane = current
        self._handlers[event.type](
            event, at_us, self._channels.get(event.channel, OTHER),
            self._brands.get(event.brand, OTHER),
        )
        if self._skewed:
            self.out_of_order += 1
            self._skewed = False
        return True

    def remember(self, event_ids: Iterable[str]) -> None:
        """Restores deduplication memory (oldest first) from a checkpoint."""
        seen_before = self._recent.seen_before
        for event_id in event_ids:
            seen_before(event_id)

    def _forget_resolved(self, lane: _Lane) -> None:
        """Drops the lane's resolved conversations whose last event is `grace` before its
        now; an entry whose conversation has had an event since is queued again, one that
        was reopened is dropped (its next resolution queues it)."""
        expiry, now_us = lane.expiry, lane.now_us
        conversations, grace_us = self.conversations, self._grace_us
        while expiry and expiry[0][0] <= now_us:
            _, conversation_id = heapq.heappop(expiry)
            conv = conversations.get(conversation_id)
            if conv is None or conv.cycle_open:
                continue
            due_us = conv.last_event_us + grace_us
            if due_us > now_us:
                heapq.heappush(expiry, (due_us, conversation_id))
                continue
            del conversations[conversation_id]
            if self.forgotten is not None:
                self.forgotten.append((conversation_id, conv))

    def rearm_expiry(self) -> None:
        """After a restore of the live worker's one-partition engine: every resolved
        conversation queued again, and those already due at its newest event time
        forgotten."""
        grace_us = self._grace_us
        lane = _Lane(self.last_event_us, [
            (conv.last_event_us + grace_us, conversation_id)
            for conversation_id, conv in self.conversations.items()
            if not conv.cycle_open and conv.has_had_cycle
        ])
        heapq.heapify(lane.expiry)
        self._lanes = {0: lane}
        self._forget_resolved(lane)

    def open_deadlines(self) -> Iterator[OpenDeadline]:
        """SLA deadlines not yet settled by an answer or a resolution."""
        for conv in self.conversations.values():
            policy = conv.policy
            if policy is None:
                continue
            deadline_us = conv.response_deadline_us
            if deadline_us is not None and conv.response_target is not None:
                yield OpenDeadline(
                    policy.name, conv.response_target, conv.cycle_channel, conv.cycle_brand,
                    deadline_us, conv.team_at(deadline_us),
                )
            deadline_us = conv.resolution_deadline_us
            if deadline_us is not None:  # a stopped (paused) clock has none: no outcome
                yield OpenDeadline(
                    policy.name, "resolution", conv.cycle_channel, conv.cycle_brand,
                    deadline_us, conv.team_at(deadline_us),
                )

    def _duration_us(self, start_us: int, end_us: int) -> int:
        """Clock skew between producers can make a duration negative: it counts as 0,
        and the event is counted once as out of order (an agent reply can
        give two durations)."""
        duration_us = end_us - start_us
        if duration_us < 0:
            self._skewed = True
            return 0
        return duration_us

    def _open_cycle(
        self, conversation_id: str, conv: Conversation, at_us: int, channel: str, brand: str,
        priority: str, reopen: bool,
    ) -> None:
        conv.cycle_open = True
        conv.cycle_start_us = at_us
        conv.cycle_channel = channel
        conv.cycle_brand = brand
        conv.cycle_priority = priority
        conv.first_reply_done = False
        conv.first_response_start_us = at_us
        conv.status = OPEN
        conv.status_since_us = at_us
        conv.pending_us = 0
        conv.resolution_left_us = None
        conv.agent_replies = 0
        if self.gauges is not None:
            self.gauges.opened((brand, channel))
        policy = conv.policy = self._sla.match(channel, priority)
        if self._cycles is not None:
            self._cycles.opened(conversation_id, conv, reopen)
        if policy is not None:
            self._start_response_clock(conversation_id, conv, "first_response", at_us)
            self._start_clock(conversation_id, conv, "resolution", "resolution", at_us)
        self._sink.cycle_opened(channel, brand, at_us, reopen)

    def _start_response_clock(
        self, conversation_id: str, conv: Conversation, target: SlaTarget, start_us: int
    ) -> None:
        """(Re)starts the response clock at `start_us`; a running one whose deadline
        has passed is breached first (a handoff after the deadline keeps the breach)."""
        self._end_clock(conversation_id, conv, "response", start_us, count_met=False)
        self._start_clock(conversation_id, conv, "response", target, start_us)

    def _start_clock(
        self, conversation_id: str, conv: Conversation, clock: Clock, target: SlaTarget,
        start_us: int,
    ) -> None:
        """The clock's deadline (and, live, its at-risk instant) for the policy's limit
        of `target`; no clock when the policy has no such limit."""
        policy = conv.policy
        assert policy is not None
        limit_us = policy.limit_us(target)
        if limit_us is None:
            return
        deadline_us = policy.deadline_us(start_us, limit_us)
        risk_us = None if self.watch is None else policy.risk_instant_us(start_us, limit_us)
        if clock == "response":
            conv.response_target = target
            conv.response_deadline_us, conv.response_risk_us = deadline_us, risk_us
        else:
            conv.resolution_deadline_us, conv.resolution_risk_us = deadline_us, risk_us
        if self.watch is not None:
            self.watch.armed(conversation_id, conv, clock)
        if self._cycles is not None:
            self._cycles.armed(conversation_id, target, deadline_us)

    def _end_clock(
        self, conversation_id: str, conv: Conversation, clock: Clock, at_us: int,
        count_met: bool = True, team: str | None = None,
    ) -> None:
        """Settles a running clock at `at_us` and stops it: met at the answer's time when
        it came by the deadline (for `team`), else breached at the deadline (for the team
        of the conversation at the deadline). `count_met` is False when the clock is
        cancelled (a resolution ends a response clock) or restarted."""
        deadline_us, target = conv.deadline_of(clock), conv.target_of(clock)
        if deadline_us is None or target is None:
            return
        assert conv.policy is not None
        if at_us > deadline_us:
            self._sink.sla_outcome(
                conv.policy.name, target, conv.cycle_channel, conv.cycle_brand, False,
                deadline_us, conv.team_at(deadline_us),
            )
            if self._cycles is not None:
                self._cycles.settled(conversation_id, target, False, deadline_us)
        elif count_met:
            self._sink.sla_outcome(
                conv.policy.name, target, conv.cycle_channel, conv.cycle_brand, True, at_us,
                team,
            )
            if self._cycles is not None:
                self._cycles.settled(conversation_id, target, True, at_us)
        if self.watch is not None:
            self.watch.stopped(conversation_id, conv, clock, at_us)
        conv.clear_clock(clock)

    def _on_message(
        self, event: MessageReceived, at_us: int, channel: str, brand: str
    ) -> None:
        self._sink.message(channel, brand, at_us, event.sentiment, event.topic)
        conversation_id = event.conversation_id
        conv = self.conversations.get(conversation_id)
        if conv is None:
            conv = self.conversations[conversation_id] = Conversation()
        _seen(conv, at_us)
        conv.unanswered.append((channel, brand, at_us))
        if not conv.cycle_open:
            self._open_cycle(
                conversation_id, conv, at_us, channel, brand, event.priority,
                conv.has_had_cycle,
            )
        elif conv.status != OPEN:  # the customer wrote: back in the team's hands
            self._set_status(
                conversation_id, conv, OPEN, at_us, max(at_us, conv.status_since_us)
            )
        if conv.waiting_since_us is None:
            conv.waiting_since_us = at_us
            if self.gauges is not None:
                self.gauges.wait_started(
                    (conv.cycle_brand, conv.cycle_channel), conversation_id, at_us
                )
            if conv.first_reply_done and conv.policy is not None:
                self._start_response_clock(conversation_id, conv, "next_response", at_us)
        conv.last_event_us = at_us

    def _on_reply(self, event: ReplySent, at_us: int, channel: str, brand: str) -> None:
        sink = self._sink
        conv = self.conversations.get(event.conversation_id)
        team = event.team
        if team is not None:
            sink.team_named(team)
        elif conv is not None:
            team = conv.team
        sink.reply(
            channel, brand, at_us, event.author_type, event.agent_id, event.quick_reply,
            event.conversation_id, team,
        )
        if conv is None:
            return
        _seen(conv, at_us)
        conv.last_event_us = at_us
        if conv.unanswered:
            for message_channel, message_brand, message_at_us in conv.unanswered:
                sink.answered(message_channel, message_brand, message_at_us, at_us)
            conv.unanswered.clear()
        if event.author_type != "agent" or not conv.cycle_open:
            return
        if conv.agent_replies < 2:
            conv.agent_replies += 1
        if not conv.first_reply_done:
            conv.first_reply_done = True
            start_us = conv.first_response_start_us
            calendar = conv.policy.calendar if conv.policy is not None else None
            business_us = None if calendar is None else calendar.business_us_between(
                start_us, at_us
            )
            sink.first_response(
                channel, brand, at_us, self._duration_us(start_us, at_us), business_us,
                event.agent_id, team,
            )
            if self._cycles is not None:  # the same duration (and skew flag) again
                self._cycles.first_response(
                    event.conversation_id, at_us, self._duration_us(start_us, at_us),
                    business_us,
                )
        if conv.waiting_since_us is not None:
            sink.reply_wait(
                channel, brand, at_us, self._duration_us(conv.waiting_since_us, at_us)
            )
            conv.waiting_since_us = None
            if self.gauges is not None:
                self.gauges.wait_ended((conv.cycle_brand, conv.cycle_channel))
        self._end_clock(event.conversation_id, conv, "response", at_us, team=team)

    def _on_handoff(
        self, event: ConversationHandoff, at_us: int, channel: str, brand: str
    ) -> None:
        conv = self.conversations.get(event.conversation_id)
        if conv is None:
            return
        _seen(conv, at_us)
        if conv.waiting_since_us is None:
            return
        conv.last_event_us = at_us
        conv.waiting_since_us = at_us
        if self.gauges is not None:
            self.gauges.wait_restarted(
                (conv.cycle_brand, conv.cycle_channel), event.conversation_id, at_us
            )
        target: SlaTarget = "next_response"
        if not conv.first_reply_done:
            conv.first_response_start_us = at_us
            target = "first_response"
        if conv.policy is not None:  # the humans' clock, even after a breach with the bot
            self._start_response_clock(event.conversation_id, conv, target, at_us)

    def _open_cycle_of(self, conversation_id: str, at_us: int) -> Conversation | None:
        """The conversation of an event at `at_us` that needs an open cycle; None (the
        event counted as ignored) when it has none."""
        conv = self.conversations.get(conversation_id)
        if conv is not None:
            _seen(conv, at_us)
        if conv is None or not conv.cycle_open:
            self.ignored += 1
            return None
        conv.last_event_us = at_us
        return conv

    def _on_resolved(
        self, event: ConversationResolved, at_us: int, channel: str, brand: str
    ) -> None:
        conv = self._open_cycle_of(event.conversation_id, at_us)
        if conv is None:
            return
        sink, team = self._sink, conv.team
        start_us = conv.cycle_start_us
        sink.resolution(
            channel, brand, at_us, self._duration_us(start_us, at_us),
            event.resolved_by, event.agent_id, team, conv.agent_replies == 1,
        )
        if self._cycles is not None:  # the same duration (and skew flag) again
            self._cycles.resolved(
                event.conversation_id, at_us, self._duration_us(start_us, at_us)
            )
        pending_us = conv.pending_us
        if conv.status == PENDING and at_us > conv.pending_since_us:
            pending_us += at_us - conv.pending_since_us
        sink.requester_wait(
            channel, brand, at_us, self._duration_us(start_us + pending_us, at_us), team
        )
        sink.cycle_resolved(conv.cycle_channel, conv.cycle_brand, start_us, at_us)
        self._end_clock(event.conversation_id, conv, "response", at_us, count_met=False)
        if conv.resolution_left_us is not None:  # a stopped clock: met (and not watched)
            assert conv.policy is not None
            sink.sla_outcome(
                conv.policy.name, "resolution", conv.cycle_channel, conv.cycle_brand, True,
                at_us, team,
            )
            if self._cycles is not None:
                self._cycles.settled(event.conversation_id, "resolution", True, at_us)
            conv.resolution_left_us = None
        else:
            self._end_clock(event.conversation_id, conv, "resolution", at_us, team=team)
        if self.gauges is not None:
            series = (conv.cycle_brand, conv.cycle_channel)
            self.gauges.closed(series, conv.status)
            if conv.waiting_since_us is not None:
                self.gauges.wait_ended(series)
        conv.waiting_since_us = None
        conv.cycle_open = False
        heapq.heappush(self._lane.expiry, (at_us + self._grace_us, event.conversation_id))

    def _on_reopened(
        self, event: ConversationReopened, at_us: int, channel: str, brand: str
    ) -> None:
        conv = self.conversations.get(event.conversation_id)
        if conv is not None:
            _seen(conv, at_us)
        if conv is None or conv.cycle_open or not conv.has_had_cycle:
            self.ignored += 1
            return
        self._open_cycle(
            event.conversation_id, conv, at_us, channel, brand, event.priority, True
        )
        conv.last_event_us = at_us

    def _on_status_changed(
        self, event: ConversationStatusChanged, at_us: int, channel: str, brand: str
    ) -> None:
        """Stamped before the cycle start or the previous status change, it counts as
        happening at that instant."""
        conv = self._open_cycle_of(event.conversation_id, at_us)
        if conv is None:
            return
        if at_us < conv.status_since_us:
            at_us = conv.status_since_us
        conv.status_since_us = at_us
        self._set_status(event.conversation_id, conv, event.status, at_us, at_us)

    def _set_status(
        self, conversation_id: str, conv: Conversation, status: str, at_us: int,
        clock_at_us: int,
    ) -> None:
        """The open cycle's status becomes `status` at `at_us` (a pending period ending
        there counts max(0, its end - its start)); the resolution clock stops or resumes
        at `clock_at_us` (never before the previous status change)."""
        old = conv.status
        if status == old:
            return
        if old == PENDING:
            if at_us > conv.pending_since_us:
                conv.pending_us += at_us - conv.pending_since_us
        elif status == PENDING:
            conv.pending_since_us = at_us
        conv.status = status
        if self.gauges is not None:
            self.gauges.status_changed((conv.cycle_brand, conv.cycle_channel), old, status)
        policy = conv.policy
        if policy is None or not policy.pause_on:
            return
        stops, stopped = status in policy.pause_on, old in policy.pause_on
        if stops and not stopped:
            self._stop_resolution_clock(conversation_id, conv, clock_at_us)
        elif stopped and not stops:
            self._resume_resolution_clock(conversation_id, conv, clock_at_us)

    def _stop_resolution_clock(
        self, conversation_id: str, conv: Conversation, at_us: int
    ) -> None:
        """A pause at or after the deadline changes nothing (the clock has breached)."""
        deadline_us = conv.resolution_deadline_us
        if deadline_us is None or at_us >= deadline_us:
            return
        assert conv.policy is not None
        conv.resolution_left_us = conv.policy.left_us(at_us, deadline_us)
        if self.watch is not None:
            self.watch.stopped(conversation_id, conv, "resolution", at_us)
        conv.clear_clock("resolution")

    def _resume_resolution_clock(
        self, conversation_id: str, conv: Conversation, at_us: int
    ) -> None:
        left_us = conv.resolution_left_us
        if left_us is None:
            return
        policy = conv.policy
        assert policy is not None and policy.resolution_us is not None
        conv.resolution_left_us = None
        deadline_us = conv.resolution_deadline_us = policy.deadline_us(at_us, left_us)
        if self.watch is not None:
            conv.resolution_risk_us = policy.resumed_risk_us(
                at_us, policy.resolution_us, left_us
            )
            self.watch.armed(conversation_id, conv, "resolution")
        if self._cycles is not None:  # the deadline moved by the paused time
            self._cycles.armed(conversation_id, "resolution", deadline_us)

    def _on_assigned(
        self, event: ConversationAssigned, at_us: int, channel: str, brand: str
    ) -> None:
        """With no open cycle: the assignee and team of the next cycle, counting nothing
        (a conversation never seen is first seen by it)."""
        conv = self.conversations.get(event.conversation_id)
        if conv is None:
            conv = self.conversations[event.conversation_id] = Conversation()
        conv.last_event_us = at_us
        team = event.team
        if team is not None:
            self._sink.team_named(team)
            conv.set_team(team, max(conv.latest_event_us, at_us))
        _seen(conv, at_us)
        agent_id = event.agent_id
        if conv.cycle_open:
            if conv.assignee is None:
                self._sink.time_to_assignment(
                    channel, brand, at_us, self._duration_us(conv.cycle_start_us, at_us)
                )
            elif agent_id != conv.assignee:
                self._sink.reassignment(channel, brand, at_us)
        conv.assignee = agent_id

    def _on_survey(self, event: SurveyAnswered, at_us: int, channel: str, brand: str) -> None:
        self._sink.survey(channel, brand, at_us, event.survey, event.score)
        _seen(self.conversations.get(event.conversation_id), at_us)

    def _on_sale(self, event: SaleAttributed, at_us: int, channel: str, brand: str) -> None:
        self._sink.sale(channel, brand, at_us, event.amount, event.currency)
        _seen(self.conversations.get(event.conversation_id), at_us)

    def _on_tagged(self, event: ConversationTagged, at_us: int, channel: str, brand: str) -> None:
        """Changes no KPI; the conversation has seen an event (a breach's team)."""
        _seen(self.conversations.get(event.conversation_id), at_us)


def _seen(conv: Conversation | None, at_us: int) -> None:
    """The conversation (if known) had an event at `at_us`: its latest event time."""
    if conv is not None and at_us > conv.latest_event_us:
        conv.latest_event_us = at_us
