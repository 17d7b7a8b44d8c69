"""What may watch the engine's conversations, besides its sink (sink.py).

The live worker attaches a deadline watch (SLA clocks turn at risk and breach as its now
passes them) and open gauges (open and waiting conversations per series); both live in
streams.state and fit these protocols. The audit replay attaches neither, and a cycle
observer only when a per-conversation ledger is asked for (streams/audit/ledger.py).
"""

from __future__ import annotations

from typing import Protocol

from streams.kpi.conversation import Clock, Conversation
from streams.kpi.sla import SlaTarget

Series = tuple[str, str]  # (brand, channel) of the cycle


class ClockWatch(Protocol):
    def armed(self, conversation_id: str, conv: Conversation, clock: Clock) -> None:
        """The clock started, with its deadline and at-risk instant set on `conv`."""

    def stopped(
        self, conversation_id: str, conv: Conversation, clock: Clock, at_us: int
    ) -> None:
        """The clock was met, cancelled or restarted at `at_us`."""

    def advance(self, now_us: int) -> None:
        """The newest event time moved to `now_us`."""


class OpenCounts(Protocol):
    def opened(self, series: Series) -> None:
        """A cycle opened, with status `open`."""

    def closed(self, series: Series, status: str) -> None:
        """A cycle of working status `status` was resolved."""

    def status_changed(self, series: Series, old_status: str, new_status: str) -> None:
        """An open cycle's working status changed."""

    def wait_started(self, series: Series, conversation_id: str, since_us: int) -> None: ...

    def wait_restarted(self, series: Series, conversation_id: str, since_us: int) -> None: ...

    def wait_ended(self, series: Series) -> None: ...


class CycleObserver(Protocol):
    """Told each cycle's facts with its conversation id (the audit ledger): the same
    durations and instants the sink gets."""

    def opened(self, conversation_id: str, conv: Conversation, reopen: bool) -> None:
        """A cycle opened: its start, channel, brand and policy are set on `conv`."""

    def armed(self, conversation_id: str, target: SlaTarget, deadline_us: int) -> None: ...

    def settled(self, conversation_id: str, target: SlaTarget, met: bool, at_us: int) -> None:
        """An SLA outcome: met at the answer, or breached at the deadline `at_us`."""

    def first_response(
        self, conversation_id: str, at_us: int, duration_us: int, business_us: int | None
    ) -> None: ...

    def resolved(self, conversation_id: str, at_us: int, duration_us: int) -> None: ...
