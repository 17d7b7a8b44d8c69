"""What the conversation engine tells its consumers.

The engine turns events into facts (a message, a first-response sample, an SLA outcome,
...), each with the instant it is attributed to (docs/kpis.md section 2). A sink decides what
to do with them: the audit report keeps those inside its range, the live worker feeds
counters and windows. Both see the same facts, so they cannot disagree.
Channels and brands are already label values (allowlisted or `other`, see
streams/kpi/labels.py); durations are microseconds, never negative. A fact about a cycle
(its resolution, an SLA outcome) has the channel and brand of the event that opened it.
A `team` is the team the fact is attributed to (docs/kpis.md section 3, "Per team"): the
raw name from the events, None for a fact without a team; sinks map it to a label.
"""

from __future__ import annotations

from streams.kpi.sla import SlaTarget


class KpiSink:
    """What a sink is told. A base class, not a Protocol: every sink derives from it, so
    the compiled core calls a sink natively (a Protocol call goes through Python's call
    protocol with its arguments boxed, and the engine tells a sink several facts per
    event). A fact a sink does not want is left to these bodies, which do nothing."""

    def message(
        self, channel: str, brand: str, at_us: int, sentiment: float | None, topic: str | None
    ) -> None: ...

    def reply(
        self,
        channel: str,
        brand: str,
        at_us: int,
        author_type: str,
        agent_id: str | None,
        quick_reply: str | None,
        conversation_id: str,
        team: str | None,
    ) -> None:
        """`team`: the reply's own team, else the conversation's team at that moment."""

    def answered(self, channel: str, brand: str, message_at_us: int, reply_at_us: int) -> None:
        """An inbound message (of `channel`, at `message_at_us`) got the first reply that
        answers it: the first to arrive, or with the engine's `answers_before_us` (the
        report's `to`), the first to arrive that occurred before it."""

    def cycle_opened(self, channel: str, brand: str, at_us: int, reopen: bool) -> None: ...

    def cycle_resolved(
        self, channel: str, brand: str, started_at_us: int, resolved_at_us: int
    ) -> None:
        """A cycle (of the channel that opened it) was resolved."""

    def first_response(
        self,
        channel: str,
        brand: str,
        at_us: int,
        duration_us: int,
        business_us: int | None,
        agent_id: str | None,
        team: str | None,
    ) -> None:
        """`team`: that of the reply giving the sample."""

    def reply_wait(self, channel: str, brand: str, at_us: int, duration_us: int) -> None: ...

    def resolution(
        self,
        channel: str,
        brand: str,
        at_us: int,
        duration_us: int,
        resolved_by: str,
        agent_id: str | None,
        team: str | None,
        one_touch: bool,
    ) -> None:
        """`team`: the conversation's at the resolution; `one_touch`: the cycle had exactly
        one agent reply."""

    def requester_wait(
        self, channel: str, brand: str, at_us: int, duration_us: int, team: str | None
    ) -> None:
        """At a resolution: the cycle's time minus its pending time."""

    def time_to_assignment(self, channel: str, brand: str, at_us: int, duration_us: int) -> None:
        """The first assignment of a cycle without assignee."""

    def reassignment(self, channel: str, brand: str, at_us: int) -> None:
        """An assignment of an open cycle to an agent other than its assignee."""

    def team_named(self, team: str) -> None:
        """An accepted reply or assignment names `team` (whatever its time)."""

    def survey(self, channel: str, brand: str, at_us: int, survey: str, score: int) -> None: ...

    def sale(self, channel: str, brand: str, at_us: int, amount: float, currency: str) -> None: ...

    def sla_outcome(
        self, policy: str, target: SlaTarget, channel: str, brand: str, met: bool, at_us: int,
        team: str | None,
    ) -> None:
        """Met (at the answering event) or breached (at the deadline instant)."""


class TeeSink(KpiSink):
    """Tells two sinks every fact (the live worker: cumulative totals and windows)."""

    __slots__ = ("_first", "_second")

    def __init__(self, first: KpiSink, second: KpiSink) -> None:
        self._first, self._second = first, second

    def message(
        self, channel: str, brand: str, at_us: int, sentiment: float | None, topic: str | None
    ) -> None:
        self._first.message(channel, brand, at_us, sentiment, topic)
        self._second.message(channel, brand, at_us, sentiment, topic)

    def reply(
        self,
        channel: str,
        brand: str,
        at_us: int,
        author_type: str,
        agent_id: str | None,
        quick_reply: str | None,
        conversation_id: str,
        team: str | None,
    ) -> None:
        self._first.reply(
            channel, brand, at_us, author_type, agent_id, quick_reply, conversation_id, team
        )
        self._second.reply(
            channel, brand, at_us, author_type, agent_id, quick_reply, conversation_id, team
        )

    def answered(self, channel: str, brand: str, message_at_us: int, reply_at_us: int) -> None:
        self._first.answered(channel, brand, message_at_us, reply_at_us)
        self._second.answered(channel, brand, message_at_us, reply_at_us)

    def cycle_opened(self, channel: str, brand: str, at_us: int, reopen: bool) -> None:
        self._first.cycle_opened(channel, brand, at_us, reopen)
        self._second.cycle_opened(channel, brand, at_us, reopen)

    def cycle_resolved(
        self, channel: str, brand: str, started_at_us: int, resolved_at_us: int
    ) -> None:
        self._first.cycle_resolved(channel, brand, started_at_us, resolved_at_us)
        self._second.cycle_resolved(channel, brand, started_at_us, resolved_at_us)

    def first_response(
        self,
        channel: str,
        brand: str,
        at_us: int,
        duration_us: int,
        business_us: int | None,
        agent_id: str | None,
        team: str | None,
    ) -> None:
        self._first.first_response(
            channel, brand, at_us, duration_us, business_us, agent_id, team
        )
        self._second.first_response(
            channel, brand, at_us, duration_us, business_us, agent_id, team
        )

    def reply_wait(self, channel: str, brand: str, at_us: int, duration_us: int) -> None:
        self._first.reply_wait(channel, brand, at_us, duration_us)
        self._second.reply_wait(channel, brand, at_us, duration_us)

    def resolution(
        self,
        channel: str,
        brand: str,
        at_us: int,
        duration_us: int,
        resolved_by: str,
        agent_id: str | None,
        team: str | None,
        one_touch: bool,
    ) -> None:
        self._first.resolution(
            channel, brand, at_us, duration_us, resolved_by, agent_id, team, one_touch
        )
        self._second.resolution(
            channel, brand, at_us, duration_us, resolved_by, agent_id, team, one_touch
        )

    def requester_wait(
        self, channel: str, brand: str, at_us: int, duration_us: int, team: str | None
    ) -> None:
        self._first.requester_wait(channel, brand, at_us, duration_us, team)
        self._second.requester_wait(channel, brand, at_us, duration_us, team)

    def time_to_assignment(self, channel: str, brand: str, at_us: int, duration_us: int) -> None:
        self._first.time_to_assignment(channel, brand, at_us, duration_us)
        self._second.time_to_assignment(channel, brand, at_us, duration_us)

    def reassignment(self, channel: str, brand: str, at_us: int) -> None:
        self._first.reassignment(channel, brand, at_us)
        self._second.reassignment(channel, brand, at_us)

    def team_named(self, team: str) -> None:
        self._first.team_named(team)
        self._second.team_named(team)

    def survey(self, channel: str, brand: str, at_us: int, survey: str, score: int) -> None:
        self._first.survey(channel, brand, at_us, survey, score)
        self._second.survey(channel, brand, at_us, survey, score)

    def sale(self, channel: str, brand: str, at_us: int, amount: float, currency: str) -> None:
        self._first.sale(channel, brand, at_us, amount, currency)
        self._second.sale(channel, brand, at_us, amount, currency)

    def sla_outcome(
        self, policy: str, target: SlaTarget, channel: str, brand: str, met: bool, at_us: int,
        team: str | None,
    ) -> None:
        self._first.sla_outcome(policy, target, channel, brand, met, at_us, team)
        self._second.sla_outcome(policy, target, channel, brand, met, at_us, team)
