"""The audit report's tallies: per reported channel, per agent and per team, and their KPIs
(docs/kpis.md sections 2-6). The audit's sink (streams/audit/sink.py) fills them; totals are
the merge of the channels at the end, so the per-event path does the work once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from streams.kpi.formulas import (
    csat_mean,
    csat_score,
    mean_seconds,
    net_sentiment,
    nps_score,
    response_rate,
)
from streams.kpi.settings import Thresholds
from streams.kpi.sla import SLA_TARGETS
from streams.kpi.stats import duration_stats, ratio
from streams.kpi.timeutil import US_PER_SECOND

T = TypeVar("T")
AUTHOR_TYPES = ("agent", "bot", "automation")
MICROS_PER_UNIT = 1_000_000  # sale amounts are summed as exact integer micro-units
CSAT_SCORES = 6  # index = score, 1..5 used
NPS_SCORES = 11  # index = score, 0..10


@dataclass(slots=True)
class ChannelTally:
    messages: int = 0
    replies: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AUTHOR_TYPES, 0))
    answered: int = 0
    opened: int = 0
    reopened: int = 0
    resolved: int = 0
    opened_and_resolved: int = 0
    first_response_us: list[int] = field(default_factory=list)
    first_response_business_us: list[int] = field(default_factory=list)
    reply_wait_us: list[int] = field(default_factory=list)
    resolution_us: list[int] = field(default_factory=list)
    requester_wait_us: list[int] = field(default_factory=list)
    time_to_assignment_us: list[int] = field(default_factory=list)
    reassignments: int = 0
    one_touch: int = 0
    csat_by_score: list[int] = field(default_factory=lambda: [0] * CSAT_SCORES)
    nps_by_score: list[int] = field(default_factory=lambda: [0] * NPS_SCORES)
    sentiment_positive: int = 0
    sentiment_neutral: int = 0
    sentiment_negative: int = 0
    sales: int = 0
    sales_micros: Counter[str] = field(default_factory=Counter)

    def merge(self, other: ChannelTally) -> None:
        for f in fields(self):
            name = f.name
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, int):
                setattr(self, name, mine + theirs)
            elif isinstance(mine, dict):
                for key, count in theirs.items():
                    mine[key] = mine.get(key, 0) + count
            elif name.endswith("_by_score"):
                setattr(self, name, [a + b for a, b in zip(mine, theirs, strict=True)])
            else:
                mine.extend(theirs)

    def kpis(self, thresholds: Thresholds, with_business: bool) -> dict[str, Any]:
        csat_responses = sum(self.csat_by_score)
        csat_total = sum(score * n for score, n in enumerate(self.csat_by_score))
        satisfied = sum(self.csat_by_score[thresholds.csat_satisfied_min :])
        nps_responses = sum(self.nps_by_score)
        promoters = sum(self.nps_by_score[thresholds.nps_promoter_min :])
        detractors = sum(self.nps_by_score[: thresholds.nps_detractor_max + 1])
        rated = self.sentiment_positive + self.sentiment_neutral + self.sentiment_negative
        kpis: dict[str, Any] = {
            "messages_received": self.messages,
            "replies_sent": sum(self.replies.values()),
            "replies_by_author": dict(self.replies),
            "answered_messages": self.answered,
            "response_rate": response_rate(self.answered, self.messages),
            "conversations_opened": self.opened,
            "conversations_reopened": self.reopened,
            "conversations_resolved": self.resolved,
            "resolution_rate": ratio(self.opened_and_resolved, self.opened),
            "first_response_seconds": duration_stats(self.first_response_us),
            "reply_wait_seconds": duration_stats(self.reply_wait_us),
            "resolution_seconds": duration_stats(self.resolution_us),
            "requester_wait_seconds": duration_stats(self.requester_wait_us),
            "time_to_assignment_seconds": duration_stats(self.time_to_assignment_us),
            "reassignments": self.reassignments,
            "one_touch_resolutions": self.one_touch,
            "one_touch_rate": ratio(self.one_touch, self.resolved),
            "csat": {
                "responses": csat_responses,
                "mean": csat_mean(csat_total, csat_responses),
                "score": csat_score(satisfied, csat_responses),
            },
            "nps": {
                "responses": nps_responses,
                "promoters": promoters,
                "passives": nps_responses - promoters - detractors,
                "detractors": detractors,
                "score": nps_score(promoters, detractors, nps_responses),
            },
            "sentiment": {
                "positive": self.sentiment_positive,
                "neutral": self.sentiment_neutral,
                "negative": self.sentiment_negative,
                "net": net_sentiment(self.sentiment_positive, self.sentiment_negative, rated),
            },
            "sales": {
                "count": self.sales,
                "amount": {
                    currency: micros / MICROS_PER_UNIT
                    for currency, micros in sorted(self.sales_micros.items())
                },
            },
        }
        if with_business:
            kpis["first_response_business_seconds"] = duration_stats(
                self.first_response_business_us
            )
        return kpis


@dataclass(slots=True)
class AgentTally:
    replies: int = 0
    first_responses: int = 0
    first_response_sum_us: int = 0
    first_response_max_us: int = 0
    conversations: set[str] = field(default_factory=set)
    resolutions: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "replies": self.replies,
            "first_responses": self.first_responses,
            "first_response_mean": mean_seconds(
                self.first_response_sum_us, self.first_responses
            ),
            "first_response_max": (
                self.first_response_max_us / US_PER_SECOND if self.first_responses else None
            ),
            "conversations": len(self.conversations),
            "resolutions": self.resolutions,
        }


@dataclass(slots=True)
class TeamTally:
    """One team's facts (docs/kpis.md section 3, "Per team"); SLA outcomes per target,
    summed over policies: [met, breached]."""

    replies: int = 0
    first_response_us: list[int] = field(default_factory=list)
    resolved: int = 0
    requester_wait_us: list[int] = field(default_factory=list)
    one_touch: int = 0
    sla: dict[str, list[int]] = field(
        default_factory=lambda: {target: [0, 0] for target in SLA_TARGETS}
    )

    def summary(self) -> dict[str, Any]:
        return {
            "replies": self.replies,
            "first_response_seconds": duration_stats(self.first_response_us),
            "conversations_resolved": self.resolved,
            "requester_wait_seconds": duration_stats(self.requester_wait_us),
            "one_touch_resolutions": self.one_touch,
            "sla": {
                target: {"met": met, "breached": breached,
                         "compliance": ratio(met, met + breached)}
                for target, (met, breached) in self.sla.items()
            },
        }


class Tallies(dict[str, T]):
    """A dict that creates a missing tally on first use (a hit stays a plain lookup)."""

    def __init__(self, factory: Callable[[], T]) -> None:
        super().__init__()
        self._factory = factory

    def __missing__(self, key: str) -> T:
        value = self[key] = self._factory()
        return value
