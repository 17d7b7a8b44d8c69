"""What may watch the engine's conversations, besides its sink (sink.py).

The live worker attaches a deadline watch (SLA clocks turn at risk and breach as its now
passes them) and open gauges (open and waiting conversations per series); both live in
streams.state and fit these protocols. The audit replay attaches neither.
"""

from __future__ import annotations

from typing import Protocol

from streams.kpi.conversation import Clock, Conversation

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
