"""The conversation engine: docs/kpis.md sections 1, 2 and 5 as a state machine.

Events are applied in arrival order; time comes only from `occurred_at`. For each event
the engine updates the conversation's state and tells its sink the facts the event
produces. It keeps no totals of its own beyond the event counts of the audit report.

Closed for good (docs/kpis.md section 1): an event of a resolved conversation that occurred
at least `resolved_grace_seconds` after the conversation's last event time (the latest
`occurred_at` of its accepted events, ignored ones included) closes it before it is
applied, and is applied as to a conversation never seen. The rule reads the
conversation's own events only, so a report does not depend on how conversations are
interleaved. On its own it forgets nothing: `carepulse replay --input` keeps every
conversation it has seen, and so gives the contract's report for any order of the file.
The live worker and `carepulse replay --topic` also forget resolved conversations per
input partition (forgetting.py) to bound their memory.

Contract 1.1 (docs/kpis.md): the working status of the open cycle, requester wait, the
resolution clocks that `pause_on` stops, assignment KPIs, one-touch resolutions and the
team every team-attributed fact is told with.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schemas.events import Event
from streams.kpi.conversation import CLOCKS, NO_MESSAGE_US, OPEN, PENDING, Clock, Conversation
from streams.kpi.dedupe import RecentIds
from streams.kpi.forgetting import NO_EVENT_YET_US, Forgetting
from streams.kpi.labels import OTHER, LabelValues
from streams.kpi.observers import ClockWatch, CycleObserver, OpenCounts
from streams.kpi.settings import KpiSettings
from streams.kpi.sink import KpiSink
from streams.kpi.sla import SlaBook, SlaTarget
from streams.kpi.timeutil import to_us


class Engine:
    """Applies accepted events; counts duplicates, ignored and out-of-order events.
    With a clock `watch` (the live worker's DeadlineWatch), SLA clocks get an at-risk
    instant and the watch is told when they start and stop and when the newest event
    time moves, so it can breach them as it passes their deadlines instead of only when
    settled. Every conversation and every event id is kept until `bound_memory`: then
    resolved conversations are forgotten per input partition (forgetting.py) and only
    the recent event ids are remembered. With `keep_forgotten`,
    conversations forgotten or closed for good are listed in `forgotten` (id and last
    state) for the caller to take: the live worker drops their checkpoint records. With
    `separate_incarnations` (the audit report), a conversation closed for good or
    forgotten and seen again is told to the sink's `reply` under an id of its own
    (`c-1`, then `c-1#2`, ...): it is a new conversation everywhere (docs/kpis.md section
    9, reading 2). With `gauges`, open and waiting conversations are counted as they change.
    With `cycles` (the audit ledger), each cycle's facts are told with its conversation id.
    `conversations` is the dict the engine keeps them in (the one the watch and the
    gauges were given), a new one by default. `answers_before_us` is the audit report's
    `to`: only a reply that occurred before it answers a message (docs/kpis.md section 3:
    a message stays unanswered until such a reply arrives, whatever came before it); by
    default every reply answers."""

    def __init__(
        self, settings: KpiSettings, sink: KpiSink, watch: ClockWatch | None = None,
        keep_forgotten: bool = False, gauges: OpenCounts | None = None,
        conversations: dict[str, Conversation] | None = None,
        cycles: CycleObserver | None = None,
        answers_before_us: int | None = None, separate_incarnations: bool = False,
    ) -> None:
        self._sink = sink
        self._cycles = cycles
        self._answers_before_us = (
            NO_EVENT_YET_US if answers_before_us is None else answers_before_us
        )
        labels = LabelValues(settings.labels)
        self._channels, self._brands = labels.channels, labels.brands
        self._sla = SlaBook(settings.sla_policies)
        self._dedupe_capacity = settings.dedupe_capacity
        self._recent = RecentIds(None)
        self.conversations: dict[str, Conversation] = (
            {} if conversations is None else conversations
        )
        self.watch = watch
        self.gauges = gauges
        self._grace_us = settings.resolved_grace_us
        self._forgetting: Forgetting | None = None
        self._incarnations: dict[str, int] | None = {} if separate_incarnations else None
        """How many times each conversation id was closed for good or forgotten (only ids
        that were)."""
        self.forgotten: list[tuple[str, Conversation]] | None = [] if keep_forgotten else None
        self.accepted = 0
        self.duplicates = 0
        self.ignored = 0
        self.out_of_order = 0
        self._skewed = False
        self.first_event_us = NO_EVENT_YET_US
        self.last_event_us = -NO_EVENT_YET_US

    @property
    def sla(self) -> SlaBook:
        return self._sla

    def apply(self, event: Event, lane: int = 0) -> bool:
        """Applies one validated event of input partition `lane`; False if it was a
        duplicate."""
        # The event's fields from the model's __dict__ (where pydantic keeps them, defaults
        # included): a lookup each, where an attribute read of a pydantic model costs three
        # type lookups (its __getattr__ hook). Each handler is called directly (compiled)
        # with the fields of its type and the conversation, looked up once here.
        fields: dict[str, Any] = event.__dict__
        if self._recent.seen_before(fields["event_id"]):
            self.duplicates += 1
            return False
        self.accepted += 1
        at_us = to_us(fields["occurred_at"])
        if at_us < self.first_event_us:
            self.first_event_us = at_us
        if at_us > self.last_event_us:
            self.last_event_us = at_us
            if self.watch is not None:
                self.watch.advance(at_us)
        forgetting = self._forgetting
        conversations = self.conversations
        if forgetting is not None and forgetting.advance(lane, at_us):
            for forgotten_id, forgotten in forgetting.forget(conversations):
                self._gone(forgotten_id, forgotten)
        conversation_id: str = fields["conversation_id"]
        conv = conversations.get(conversation_id)
        if conv is not None and at_us - conv.last_event_us >= self._grace_us and conv.closed:
            del conversations[conversation_id]  # closed for good
            self._gone(conversation_id, conv)
            conv = None
        channel = self._channels.get(fields["channel"], OTHER)
        brand = self._brands.get(fields["brand"], OTHER)
        kind: str = fields["type"]
        if kind == "message.received":
            self._on_message(fields, conversation_id, conv, at_us, channel, brand)
        elif kind == "reply.sent":
            self._on_reply(fields, conversation_id, conv, at_us, channel, brand)
        elif kind == "conversation.assigned":
            self._on_assigned(fields, conversation_id, conv, at_us, channel, brand)
        elif kind == "conversation.resolved":
            self._on_resolved(fields, conversation_id, conv, at_us, channel, brand)
        elif kind == "conversation.status_changed":
            self._on_status_changed(fields["status"], conversation_id, conv, at_us)
        elif kind == "conversation.handoff":
            self._on_handoff(conversation_id, conv, at_us)
        elif kind == "conversation.reopened":
            self._on_reopened(fields["priority"], conversation_id, conv, at_us, channel, brand)
        elif kind == "survey.answered":
            self._sink.survey(channel, brand, at_us, fields["survey"], fields["score"])
        elif kind == "sale.attributed":
            self._sink.sale(channel, brand, at_us, fields["amount"], fields["currency"])
        # conversation.tagged changes no KPI. Every event moves the conversation's last
        # event time, the latest occurred_at (a breach's team; a conversation the event
        # created starts with the event's own, Conversation(at_us)).
        if conv is not None and at_us > conv.last_event_us:
            conv.last_event_us = at_us
        if self._skewed:
            self.out_of_order += 1
            self._skewed = False
        return True

    def remember(self, event_ids: Iterable[str]) -> None:
        """Restores deduplication memory (oldest first) from a checkpoint."""
        seen_before = self._recent.seen_before
        for event_id in event_ids:
            seen_before(event_id)

    def bound_memory(self, forget_after_us: int) -> None:
        """Before the first event, the live worker's and `replay --topic`'s memory bounds:
        from then on a resolved conversation is forgotten once its input partition's
        newest event time has passed its last event time by `forget_after_us`, and at
        least the last `dedupe_capacity // 2` distinct event ids are remembered (at most
        `dedupe_capacity`). Without them (`replay --input`) neither what is a duplicate
        nor what is the same conversation depends on the order of the input."""
        if self.accepted or self.duplicates:
            raise RuntimeError("bound_memory() after the first event")
        self._forgetting = Forgetting(forget_after_us)
        self._recent = RecentIds(self._dedupe_capacity)

    def _gone(self, conversation_id: str, conv: Conversation) -> None:
        """`conv`, taken out of `conversations`, was closed for good or forgotten."""
        if self.forgotten is not None:
            self.forgotten.append((conversation_id, conv))
        incarnations = self._incarnations
        if incarnations is not None:
            incarnations[conversation_id] = incarnations.get(conversation_id, 1) + 1

    def _incarnation_id(self, conversation_id: str) -> str:
        """The conversation's id for the sink: `c-1`, then `c-1#2` once it was closed
        for good or forgotten, ..."""
        incarnations = self._incarnations
        if not incarnations:
            return conversation_id
        number = incarnations.get(conversation_id)
        return conversation_id if number is None else f"{conversation_id}#{number}"

    def rearm_expiry(self) -> None:
        """After a restore of the live worker's one-partition engine: every resolved
        conversation queued again, and those already due at its newest event time
        forgotten."""
        forgetting = self._forgetting
        if forgetting is None:
            return
        forgetting.rearm(self.conversations, self.last_event_us)
        for conversation_id, conv in forgetting.forget(self.conversations):
            self._gone(conversation_id, conv)

    def breach_open_deadlines(self) -> None:
        """Once, after the last event (the audit report): every SLA deadline not settled by
        an answer or a resolution is breached at the deadline, told to the sink and the
        cycle observer like any breach. A stopped (paused) clock has none: no outcome."""
        for conversation_id, conv in self.conversations.items():
            if conv.policy is None:
                continue
            for clock in CLOCKS:
                deadline_us, target = conv.deadline_of(clock), conv.target_of(clock)
                if deadline_us is not None and target is not None:
                    self._settle(conversation_id, conv, target, False, deadline_us,
                                 conv.team_at(deadline_us))

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
        if at_us > deadline_us:
            self._settle(conversation_id, conv, target, False, deadline_us,
                         conv.team_at(deadline_us))
        elif count_met:
            self._settle(conversation_id, conv, target, True, at_us, team)
        if self.watch is not None:
            self.watch.stopped(conversation_id, conv, clock, at_us)
        conv.clear_clock(clock)

    def _settle(
        self, conversation_id: str, conv: Conversation, target: SlaTarget, met: bool,
        at_us: int, team: str | None,
    ) -> None:
        """Tells the sink (and the ledger) an SLA outcome of the cycle: met at the answer
        `at_us`, or breached at the deadline `at_us`, for `team`."""
        assert conv.policy is not None
        self._sink.sla_outcome(
            conv.policy.name, target, conv.cycle_channel, conv.cycle_brand, met, at_us, team
        )
        if self._cycles is not None:
            self._cycles.settled(conversation_id, target, met, at_us)

    def _on_message(
        self, fields: dict[str, Any], conversation_id: str, conv: Conversation | None,
        at_us: int, channel: str, brand: str,
    ) -> None:
        self._sink.message(channel, brand, at_us, fields["sentiment"], fields["topic"])
        if conv is None:
            conv = self.conversations[conversation_id] = Conversation(at_us)
        conv.add_unanswered(channel, brand, at_us)
        if not conv.cycle_open:
            self._open_cycle(
                conversation_id, conv, at_us, channel, brand, fields["priority"],
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

    def _on_reply(
        self, fields: dict[str, Any], conversation_id: str, conv: Conversation | None,
        at_us: int, channel: str, brand: str,
    ) -> None:
        sink = self._sink
        author_type: str = fields["author_type"]
        agent_id: str | None = fields["agent_id"]
        team: str | None = fields["team"]
        if team is not None:
            sink.team_named(team)
        elif conv is not None:
            team = conv.team
        sink.reply(
            channel, brand, at_us, author_type, agent_id, fields["quick_reply"],
            self._incarnation_id(conversation_id), team,
        )
        if conv is None:
            return
        if conv.unanswered_at_us != NO_MESSAGE_US and at_us < self._answers_before_us:
            sink.answered(
                conv.unanswered_channel, conv.unanswered_brand, conv.unanswered_at_us, at_us
            )
            if conv.more_unanswered is not None:
                for message_channel, message_brand, message_at_us in conv.more_unanswered:
                    sink.answered(message_channel, message_brand, message_at_us, at_us)
                conv.more_unanswered = None
            conv.unanswered_at_us = NO_MESSAGE_US
        if author_type != "agent" or not conv.cycle_open:
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
            first_response_us = self._duration_us(start_us, at_us)
            sink.first_response(
                channel, brand, at_us, first_response_us, business_us, agent_id, team
            )
            if self._cycles is not None:
                self._cycles.first_response(
                    conversation_id, at_us, first_response_us, business_us
                )
        if conv.waiting_since_us is not None:
            sink.reply_wait(
                channel, brand, at_us, self._duration_us(conv.waiting_since_us, at_us)
            )
            conv.waiting_since_us = None
            if self.gauges is not None:
                self.gauges.wait_ended((conv.cycle_brand, conv.cycle_channel))
        self._end_clock(conversation_id, conv, "response", at_us, team=team)

    def _on_handoff(self, conversation_id: str, conv: Conversation | None, at_us: int) -> None:
        if conv is None or conv.waiting_since_us is None:
            return
        conv.waiting_since_us = at_us
        if self.gauges is not None:
            self.gauges.wait_restarted(
                (conv.cycle_brand, conv.cycle_channel), conversation_id, at_us
            )
        target: SlaTarget = "next_response"
        if not conv.first_reply_done:
            conv.first_response_start_us = at_us
            target = "first_response"
        if conv.policy is not None:  # the humans' clock, even after a breach with the bot
            self._start_response_clock(conversation_id, conv, target, at_us)

    def _open_cycle_of(self, conv: Conversation | None) -> Conversation | None:
        """The conversation of an event that needs an open cycle; None (the event counted
        as ignored) when it has none."""
        if conv is None or not conv.cycle_open:
            self.ignored += 1
            return None
        return conv

    def _on_resolved(
        self, fields: dict[str, Any], conversation_id: str, conv: Conversation | None,
        at_us: int, channel: str, brand: str,
    ) -> None:
        conv = self._open_cycle_of(conv)
        if conv is None:
            return
        sink, team = self._sink, conv.team
        start_us = conv.cycle_start_us
        resolution_us = self._duration_us(start_us, at_us)
        sink.resolution(
            channel, brand, at_us, resolution_us, fields["resolved_by"], fields["agent_id"],
            team,
            conv.agent_replies == 1,
        )
        pending_us = conv.pending_us
        if conv.status == PENDING and at_us > conv.pending_since_us:
            pending_us += at_us - conv.pending_since_us
        requester_wait_us = self._duration_us(start_us + pending_us, at_us)
        sink.requester_wait(channel, brand, at_us, requester_wait_us, team)
        if self._cycles is not None:
            self._cycles.resolved(
                conversation_id, at_us, resolution_us, requester_wait_us, team,
                conv.assignee,
            )
        sink.cycle_resolved(conv.cycle_channel, conv.cycle_brand, start_us, at_us)
        self._end_clock(conversation_id, conv, "response", at_us, count_met=False)
        if conv.resolution_left_us is not None:  # a stopped clock: met (and not watched)
            self._settle(conversation_id, conv, "resolution", True, at_us, team)
            conv.resolution_left_us = None
        else:
            self._end_clock(conversation_id, conv, "resolution", at_us, team=team)
        if self.gauges is not None:
            series = (conv.cycle_brand, conv.cycle_channel)
            self.gauges.closed(series, conv.status)
            if conv.waiting_since_us is not None:
                self.gauges.wait_ended(series)
        conv.waiting_since_us = None
        conv.cycle_open = False
        if self._forgetting is not None:
            self._forgetting.queue(conversation_id, max(at_us, conv.last_event_us))

    def _on_reopened(
        self, priority: str, conversation_id: str, conv: Conversation | None, at_us: int,
        channel: str, brand: str,
    ) -> None:
        if conv is None or conv.cycle_open or not conv.has_had_cycle:
            self.ignored += 1
            return
        self._open_cycle(conversation_id, conv, at_us, channel, brand, priority, True)

    def _on_status_changed(
        self, status: str, conversation_id: str, conv: Conversation | None, at_us: int
    ) -> None:
        """Stamped before the cycle start or the previous status change, it counts as
        happening at that instant."""
        conv = self._open_cycle_of(conv)
        if conv is None:
            return
        if at_us < conv.status_since_us:
            at_us = conv.status_since_us
        conv.status_since_us = at_us
        self._set_status(conversation_id, conv, status, at_us, at_us)

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
        conv.resolution_deadline_us = policy.deadline_us(at_us, left_us)
        if self.watch is not None:
            conv.resolution_risk_us = policy.resumed_risk_us(
                at_us, policy.resolution_us, left_us
            )
            self.watch.armed(conversation_id, conv, "resolution")
        if self._cycles is not None:  # the deadline moved by the paused time
            self._cycles.armed(conversation_id, "resolution", conv.resolution_deadline_us)

    def _on_assigned(
        self, fields: dict[str, Any], conversation_id: str, conv: Conversation | None,
        at_us: int, channel: str, brand: str,
    ) -> None:
        """With no open cycle: the assignee and team of the next cycle, counting nothing
        (a conversation never seen is first seen by it)."""
        if conv is None:
            conv = self.conversations[conversation_id] = Conversation(at_us)
        team: str | None = fields["team"]
        if team is not None:
            self._sink.team_named(team)
            conv.set_team(team, max(conv.last_event_us, at_us))
        agent_id: str = fields["agent_id"]
        if conv.cycle_open:
            if conv.assignee is None:
                self._sink.time_to_assignment(
                    channel, brand, at_us, self._duration_us(conv.cycle_start_us, at_us)
                )
            elif agent_id != conv.assignee:
                self._sink.reassignment(channel, brand, at_us)
        conv.assignee = agent_id
