"""Cumulative totals for the live metrics (KPIS.md section 8), as a KpiSink.

The live worker keeps one `LiveTotals` per input partition, next to that partition's
engine, and checkpoints both together; `/metrics` shows the sum over the partitions a
worker owns. Counts are ints and durations integer microseconds, so the totals of a
restarted worker equal those of a clean replay exactly, whatever the checkpoint timing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from typing import Any

from streams.core.sla import SlaTarget
from streams.core.timeutil import US_PER_SECOND

BUCKET_BOUNDS_SECONDS: tuple[int, ...] = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400)
_BOUNDS_US = tuple(seconds * US_PER_SECOND for seconds in BUCKET_BOUNDS_SECONDS)
HISTOGRAMS = ("first_response_seconds", "reply_wait_seconds", "resolution_seconds")


class Histogram:
    """Per-bucket counts (not cumulative; the last slot is +Inf) and an exact sum."""

    __slots__ = ("bucket_counts", "sum_us")

    def __init__(self) -> None:
        self.bucket_counts = [0] * (len(_BOUNDS_US) + 1)
        self.sum_us = 0

    def observe(self, duration_us: int) -> None:
        self.bucket_counts[bisect_left(_BOUNDS_US, duration_us)] += 1
        self.sum_us += duration_us

    @property
    def count(self) -> int:
        return sum(self.bucket_counts)

    def add(self, other: Histogram) -> None:
        self.bucket_counts = [a + b for a, b in zip(self.bucket_counts, other.bucket_counts,
                                                     strict=True)]
        self.sum_us += other.sum_us

    def to_json(self) -> list[Any]:
        return [self.bucket_counts, self.sum_us]

    @classmethod
    def from_json(cls, data: list[Any]) -> Histogram:
        histogram = cls()
        histogram.bucket_counts, histogram.sum_us = list(data[0]), int(data[1])
        return histogram


class LiveTotals:
    """A KpiSink keeping every cumulative count of section 8, by label values."""

    def __init__(self) -> None:
        # label tuples -> counts; tuples keep the per-event path to one dict update
        self.messages: Counter[str] = Counter()
        self.replies: Counter[tuple[str, str]] = Counter()
        self.opened: Counter[str] = Counter()
        self.resolved: Counter[tuple[str, str]] = Counter()
        self.surveys: Counter[tuple[str, int]] = Counter()
        self.sla_breaches: Counter[tuple[str, str, str]] = Counter()
        self.sla_met: Counter[tuple[str, str, str]] = Counter()
        self.histograms: dict[tuple[str, str], Histogram] = {}

    def _histogram(self, name: str, channel: str) -> Histogram:
        histogram = self.histograms.get((name, channel))
        if histogram is None:
            histogram = self.histograms[(name, channel)] = Histogram()
        return histogram

    def message(
        self, channel: str, at_us: int, sentiment: float | None, topic: str | None
    ) -> None:
        self.messages[channel] += 1

    def reply(
        self,
        channel: str,
        at_us: int,
        author_type: str,
        agent_id: str | None,
        quick_reply: str | None,
        conversation_id: str,
    ) -> None:
        self.replies[(channel, author_type)] += 1

    def answered(self, channel: str, message_at_us: int, reply_at_us: int) -> None:
        """Answered messages feed the windowed gauges only."""

    def cycle_opened(self, channel: str, at_us: int, reopen: bool) -> None:
        self.opened[channel] += 1

    def cycle_resolved(self, channel: str, started_at_us: int, resolved_at_us: int) -> None:
        """Resolution rate feeds the windowed gauges only."""

    def first_response(
        self,
        channel: str,
        at_us: int,
        duration_us: int,
        business_us: int | None,
        agent_id: str | None,
    ) -> None:
        self._histogram("first_response_seconds", channel).observe(duration_us)

    def reply_wait(self, channel: str, at_us: int, duration_us: int) -> None:
        self._histogram("reply_wait_seconds", channel).observe(duration_us)

    def resolution(
        self,
        channel: str,
        at_us: int,
        duration_us: int,
        resolved_by: str,
        agent_id: str | None,
    ) -> None:
        self.resolved[(channel, resolved_by)] += 1
        self._histogram("resolution_seconds", channel).observe(duration_us)

    def survey(self, channel: str, at_us: int, survey: str, score: int) -> None:
        self.surveys[(survey, score)] += 1

    def sale(self, channel: str, at_us: int, amount: float, currency: str) -> None:
        """Sales feed the windowed gauges only."""

    def sla_outcome(
        self, policy: str, target: SlaTarget, channel: str, met: bool, at_us: int
    ) -> None:
        (self.sla_met if met else self.sla_breaches)[(channel, policy, target)] += 1

    def add(self, other: LiveTotals) -> None:
        """Adds another partition's totals (for the exposition of a worker)."""
        for name in ("messages", "replies", "opened", "resolved", "surveys", "sla_breaches",
                     "sla_met"):
            getattr(self, name).update(getattr(other, name))
        for key, histogram in other.histograms.items():
            self._histogram(*key).add(histogram)

    def to_json(self) -> dict[str, Any]:
        return {
            "messages": list(self.messages.items()),
            "replies": [[*key, n] for key, n in self.replies.items()],
            "opened": list(self.opened.items()),
            "resolved": [[*key, n] for key, n in self.resolved.items()],
            "surveys": [[*key, n] for key, n in self.surveys.items()],
            "sla_breaches": [[*key, n] for key, n in self.sla_breaches.items()],
            "sla_met": [[*key, n] for key, n in self.sla_met.items()],
            "histograms": [[*key, h.to_json()] for key, h in self.histograms.items()],
        }

    def load_json(self, data: dict[str, Any]) -> None:
        """Adds checkpointed totals (into a fresh instance: restores them)."""
        self.messages.update(dict(data["messages"]))
        self.opened.update(dict(data["opened"]))
        for name in ("replies", "resolved", "surveys", "sla_breaches", "sla_met"):
            getattr(self, name).update({tuple(row[:-1]): row[-1] for row in data[name]})
        for name, channel, histogram in data["histograms"]:
            self._histogram(name, channel).add(Histogram.from_json(histogram))
