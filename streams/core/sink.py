"""What the conversation engine tells its consumers.

The engine turns events into facts (a message, a first-response sample, an SLA outcome,
...), each with the instant it is attributed to (KPIS.md section 2). A sink decides what
to do with them: the audit report keeps those inside its range, the live worker feeds
counters and windows. Both see the same facts, so they cannot disagree.
Channels are already reported channels (allowlisted or `other`); durations are
microseconds, never negative.
"""

from __future__ import annotations

from typing import Protocol

from streams.core.sla import SlaTarget


class KpiSink(Protocol):
    def message(
        self, channel: str, at_us: int, sentiment: float | None, topic: str | None
    ) -> None: ...

    def reply(
        self,
        channel: str,
        at_us: int,
        author_type: str,
        agent_id: str | None,
        quick_reply: str | None,
        conversation_id: str,
    ) -> None: ...

    def answered(self, channel: str, message_at_us: int, reply_at_us: int) -> None:
        """An inbound message (of `channel`, at `message_at_us`) got its first reply."""

    def cycle_opened(self, channel: str, at_us: int, reopen: bool) -> None: ...

    def cycle_resolved(self, channel: str, started_at_us: int, resolved_at_us: int) -> None:
        """A cycle (of the channel that opened it) was resolved."""

    def first_response(
        self,
        channel: str,
        at_us: int,
        duration_us: int,
        business_us: int | None,
        agent_id: str | None,
    ) -> None: ...

    def reply_wait(self, channel: str, at_us: int, duration_us: int) -> None: ...

    def resolution(
        self,
        channel: str,
        at_us: int,
        duration_us: int,
        resolved_by: str,
        agent_id: str | None,
    ) -> None: ...

    def survey(self, channel: str, at_us: int, survey: str, score: int) -> None: ...

    def sale(self, channel: str, at_us: int, amount: float, currency: str) -> None: ...

    def sla_outcome(
        self, policy: str, target: SlaTarget, channel: str, met: bool, at_us: int
    ) -> None:
        """Met (at the answering event) or breached (at the deadline instant)."""
