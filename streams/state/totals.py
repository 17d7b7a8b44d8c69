"""Cumulative totals for the live metrics (docs/kpis.md section 8), as a KpiSink.

The live worker keeps one `LiveTotals` per input partition, next to that partition's
engine, and checkpoints both together; `/metrics` shows the sum over the partitions a
worker owns. Counts are ints and durations integer microseconds, so the totals of a
restarted worker equal those of a clean replay exactly, whatever the checkpoint timing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from typing import Any, Final

from streams.kpi.labels import OTHER, LabelValues
from streams.kpi.sink import KpiSink
from streams.kpi.sla import SlaTarget
from streams.kpi.timeutil import US_PER_SECOND
from streams.state.checkpoint.codec import LEGACY_VERSION, decode_totals

BUCKET_BOUNDS_SECONDS: tuple[int, ...] = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400)
_BOUNDS_US = tuple(seconds * US_PER_SECOND for seconds in BUCKET_BOUNDS_SECONDS)
HISTOGRAMS = ("first_response_seconds", "reply_wait_seconds", "resolution_seconds",
              "requester_wait_seconds", "time_to_assignment_seconds")
AGENT_HISTOGRAM: Final = "agent_first_response_seconds"
TEAM_HISTOGRAMS: Final = ("team_first_response_seconds", "team_requester_wait_seconds")


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


# counter families whose key starts with the brand, and their key length
_BRANDED: Final = {"messages": 2, "replies": 3, "opened": 2, "resolved": 3, "sla_breaches": 4,
                   "sla_met": 4}
_AGENT_FAMILIES: Final = ("agent_replies", "agent_resolutions")
_TEAM_FAMILIES: Final = ("team_replies", "team_resolutions", "team_sla_met",
                         "team_sla_breaches")
_COUNTERS: Final = (*_BRANDED, "surveys", "topics", "quick_replies", *_AGENT_FAMILIES,
                    "reassignments", "one_touch_resolutions", *_TEAM_FAMILIES)


class LiveTotals(KpiSink):
    """A KpiSink keeping every cumulative count of section 8, by label values: keys are
    tuples of label values in the order of the metric's labels (brand first)."""

    def __init__(self, labels: LabelValues) -> None:
        self._topics, self._quick_replies = labels.topics, labels.quick_replies
        self._agents = labels.agents  # None: no agent series
        self._teams = labels.teams  # None: no team series
        self._legacy_brand = labels.default_brand
        # label tuples -> counts; tuples keep the per-event path to one dict update
        self.messages: Counter[tuple[str, str]] = Counter()
        self.topics: Counter[tuple[str, str, str]] = Counter()
        self.replies: Counter[tuple[str, str, str]] = Counter()
        self.quick_replies: Counter[tuple[str, str, str]] = Counter()
        self.opened: Counter[tuple[str, str]] = Counter()
        self.resolved: Counter[tuple[str, str, str]] = Counter()
        self.surveys: Counter[tuple[str, int]] = Counter()
        self.sla_breaches: Counter[tuple[str, str, str, str]] = Counter()
        self.sla_met: Counter[tuple[str, str, str, str]] = Counter()
        self.agent_replies: Counter[tuple[str, str]] = Counter()
        self.agent_resolutions: Counter[tuple[str, str]] = Counter()
        self.reassignments: Counter[tuple[str, str]] = Counter()
        self.one_touch_resolutions: Counter[tuple[str, str]] = Counter()
        self.team_replies: Counter[tuple[str, str]] = Counter()  # (brand, team)
        self.team_resolutions: Counter[tuple[str, str]] = Counter()
        self.team_sla_met: Counter[tuple[str, str, str]] = Counter()  # (brand, team, target)
        self.team_sla_breaches: Counter[tuple[str, str, str]] = Counter()
        # (histogram name, brand, channel or, for AGENT_HISTOGRAM and TEAM_HISTOGRAMS, the
        # agent or team) -> samples
        self.histograms: dict[tuple[str, str, str], Histogram] = {}

    def _histogram(self, name: str, brand: str, label: str) -> Histogram:
        key = (name, brand, label)
        histogram = self.histograms.get(key)
        if histogram is None:
            histogram = self.histograms[key] = Histogram()
        return histogram

    def message(
        self, channel: str, brand: str, at_us: int, sentiment: float | None, topic: str | None
    ) -> None:
        self.messages[(brand, channel)] += 1
        self.topics[(brand, channel, self._topics.get(topic, OTHER))] += 1

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
        self.replies[(brand, channel, author_type)] += 1
        if quick_reply is not None:
            self.quick_replies[(brand, channel, self._quick_replies.get(quick_reply, OTHER))] += 1
        if author_type != "agent":
            return
        agents = self._agents
        if agents is not None and agent_id is not None:
            self.agent_replies[(brand, agents.get(agent_id, OTHER))] += 1
        teams = self._teams
        if teams is not None:
            self.team_replies[(brand, teams.get(team, OTHER))] += 1

    def answered(self, channel: str, brand: str, message_at_us: int, reply_at_us: int) -> None:
        """Answered messages feed the windowed gauges only."""

    def cycle_opened(self, channel: str, brand: str, at_us: int, reopen: bool) -> None:
        self.opened[(brand, channel)] += 1

    def cycle_resolved(
        self, channel: str, brand: str, started_at_us: int, resolved_at_us: int
    ) -> None:
        """Resolution rate feeds the windowed gauges only."""

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
        self._histogram("first_response_seconds", brand, channel).observe(duration_us)
        agents = self._agents
        if agents is not None and agent_id is not None:
            self._histogram(AGENT_HISTOGRAM, brand, agents.get(agent_id, OTHER)).observe(
                duration_us
            )
        self._observe_team("team_first_response_seconds", brand, team, duration_us)

    def _observe_team(self, name: str, brand: str, team: str | None, duration_us: int) -> None:
        """A sample of the team histogram `name`, when team series are on."""
        teams = self._teams
        if teams is not None:
            self._histogram(name, brand, teams.get(team, OTHER)).observe(duration_us)

    def reply_wait(self, channel: str, brand: str, at_us: int, duration_us: int) -> None:
        self._histogram("reply_wait_seconds", brand, channel).observe(duration_us)

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
        self.resolved[(brand, channel, resolved_by)] += 1
        self._histogram("resolution_seconds", brand, channel).observe(duration_us)
        if one_touch:
            self.one_touch_resolutions[(brand, channel)] += 1
        agents = self._agents
        if agents is not None and agent_id is not None:
            self.agent_resolutions[(brand, agents.get(agent_id, OTHER))] += 1
        teams = self._teams
        if teams is not None:
            self.team_resolutions[(brand, teams.get(team, OTHER))] += 1

    def requester_wait(
        self, channel: str, brand: str, at_us: int, duration_us: int, team: str | None
    ) -> None:
        self._histogram("requester_wait_seconds", brand, channel).observe(duration_us)
        self._observe_team("team_requester_wait_seconds", brand, team, duration_us)

    def time_to_assignment(self, channel: str, brand: str, at_us: int, duration_us: int) -> None:
        self._histogram("time_to_assignment_seconds", brand, channel).observe(duration_us)

    def reassignment(self, channel: str, brand: str, at_us: int) -> None:
        self.reassignments[(brand, channel)] += 1

    def team_named(self, team: str) -> None:
        """Team series come from the allowlist, not from the names seen."""

    def survey(self, channel: str, brand: str, at_us: int, survey: str, score: int) -> None:
        self.surveys[(survey, score)] += 1

    def sale(self, channel: str, brand: str, at_us: int, amount: float, currency: str) -> None:
        """Sales feed the windowed gauges only."""

    def sla_outcome(
        self, policy: str, target: SlaTarget, channel: str, brand: str, met: bool, at_us: int,
        team: str | None,
    ) -> None:
        (self.sla_met if met else self.sla_breaches)[(brand, channel, policy, target)] += 1
        teams = self._teams
        if teams is not None:
            label = teams.get(team, OTHER)
            (self.team_sla_met if met else self.team_sla_breaches)[(brand, label, target)] += 1

    def add(self, other: LiveTotals) -> None:
        """Adds another partition's totals (for the exposition of a worker)."""
        for name in _COUNTERS:
            getattr(self, name).update(getattr(other, name))
        for key, histogram in other.histograms.items():
            self._histogram(*key).add(histogram)

    def to_json(self) -> dict[str, Any]:
        return {
            **{name: [[*key, n] for key, n in getattr(self, name).items()]
               for name in _COUNTERS},
            "histograms": [[*key, h.to_json()] for key, h in self.histograms.items()],
        }

    def load_json(self, data: dict[str, Any], version: int = LEGACY_VERSION) -> None:
        """Adds checkpointed totals (into a fresh instance: restores them), written in
        checkpoint format `version` (streams/state/checkpoint/codec.py; unversioned data
        is version 1). Families newer than the checkpoint start at 0; agent (team)
        families are left out when agent (team) series are off."""
        data = decode_totals(data, version, self._legacy_brand)
        for name in _COUNTERS:
            if (self._agents is None and name in _AGENT_FAMILIES) or (
                self._teams is None and name in _TEAM_FAMILIES
            ):
                continue
            counter = getattr(self, name)
            for row in data.get(name, ()):
                counter[tuple(row[:-1])] += row[-1]
        for row in data["histograms"]:
            name, brand, label = row[:-1]
            if (self._agents is None and name == AGENT_HISTOGRAM) or (
                self._teams is None and name in TEAM_HISTOGRAMS
            ):
                continue
            self._histogram(name, brand, label).add(Histogram.from_json(row[-1]))
