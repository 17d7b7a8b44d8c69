"""What the live worker and `carepulse replay --topic` may forget (docs/kpis.md, end of
section 8): a resolved conversation once its input partition's newest event time has
passed the conversation's last event time by `after_us` (the resolved grace plus the
late-event tolerance). Memory only: whether a conversation is *closed for good* is the
engine's rule (section 1), decided by the conversation's own events; forgetting only
drops state that rule no longer needs for any event arriving within the tolerance.

A lane is an input partition (all events of a conversation share one), so a partition
whose events run ahead makes none of another's conversations forgotten. Each lane keeps
its resolved conversations in a heap keyed by the instant they become due; an entry
whose conversation has had an event since is queued again, one that was reopened is
dropped (its next resolution queues it). Event time only, never a clock.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field

from streams.kpi.conversation import Conversation

NO_EVENT_YET_US = 1 << 62  # a lane's now before its first event


@dataclass(slots=True)
class _Lane:
    """One input partition's newest event time and resolved conversations by due time."""

    now_us: int = -NO_EVENT_YET_US
    due: list[tuple[int, str]] = field(default_factory=list)


class Forgetting:
    """The lanes of one engine; `advance` before each event, `queue` at each resolution."""

    __slots__ = ("_current", "_lanes", "after_us")

    def __init__(self, after_us: int) -> None:
        self.after_us = after_us
        self._lanes: dict[int, _Lane] = {}
        self._current = _Lane()  # the lane of the event being applied

    def advance(self, lane: int, at_us: int) -> bool:
        """Makes `lane` current and moves its now to `at_us` if later; True when one of
        its conversations may be due (`forget` then says which)."""
        current = self._lanes.get(lane)
        if current is None:
            current = self._lanes[lane] = _Lane()
        if at_us > current.now_us:
            current.now_us = at_us
        self._current = current
        return bool(current.due) and current.due[0][0] <= current.now_us

    def queue(self, conversation_id: str, last_event_us: int) -> None:
        """A conversation of the current lane was resolved."""
        heapq.heappush(self._current.due, (last_event_us + self.after_us, conversation_id))

    def forget(
        self, conversations: dict[str, Conversation]
    ) -> Iterator[tuple[str, Conversation]]:
        """Takes out of `conversations`, and yields, the current lane's resolved ones due
        at its now."""
        lane = self._current
        due, now_us, after_us = lane.due, lane.now_us, self.after_us
        while due and due[0][0] <= now_us:
            _, conversation_id = heapq.heappop(due)
            conv = conversations.get(conversation_id)
            if conv is None or not conv.closed:
                continue
            due_us = conv.last_event_us + after_us
            if due_us > now_us:
                heapq.heappush(due, (due_us, conversation_id))
                continue
            del conversations[conversation_id]
            yield conversation_id, conv

    def rearm(self, conversations: dict[str, Conversation], now_us: int) -> None:
        """After a restore of the live worker's one-partition engine: one lane at
        `now_us` with every resolved conversation queued (`forget` then takes those
        already due)."""
        after_us = self.after_us
        lane = self._current = _Lane(now_us, [
            (conv.last_event_us + after_us, conversation_id)
            for conversation_id, conv in conversations.items() if conv.closed
        ])
        heapq.heapify(lane.due)
        self._lanes = {0: lane}
