"""The audit report's sink: keeps the facts attributed to instants inside [from, to),
in the tallies of streams/kpi/tally.py (per reported channel, agent and team; totals are
the merge of the channels at the end, so the per-event path does the work once). Teams
are keyed by their name, `none` for facts without a team; `team_names` lists every team
an accepted event named, whatever its time (the keys of the report's `by_team`). With
`charts` (the HTML report) it also counts inbound messages by quarter hour of UTC, which
any time zone's hours and days are made of; the JSON report does not show them.
"""

from __future__ import annotations

from collections import Counter

from streams.kpi.labels import NO_TEAM
from streams.kpi.settings import Thresholds
from streams.kpi.sink import KpiSink
from streams.kpi.sla import SlaTarget
from streams.kpi.tally import MICROS_PER_UNIT, AgentTally, ChannelTally, Tallies, TeamTally
from streams.kpi.timeutil import US_PER_SECOND

QUARTER_HOUR_US = 900 * US_PER_SECOND


class ReportSink(KpiSink):
    """A KpiSink that keeps what belongs to [from_us, to_us)."""

    def __init__(
        self, from_us: int, to_us: int, thresholds: Thresholds, charts: bool = False
    ) -> None:
        self.from_us = from_us
        self.to_us = to_us
        self._positive_above = thresholds.sentiment_positive_above
        self._negative_below = thresholds.sentiment_negative_below
        self.channels: Tallies[ChannelTally] = Tallies(ChannelTally)
        self.agents: Tallies[AgentTally] = Tallies(AgentTally)
        self.topics: Counter[str] = Counter()
        self.quick_replies: Counter[str] = Counter()
        self.sla: dict[tuple[str, SlaTarget], list[int]] = {}  # -> [met, breached]
        self.inbound_by_quarter_hour: Counter[int] | None = Counter() if charts else None
        self.teams: Tallies[TeamTally] = Tallies(TeamTally)
        self.team_names: set[str] = {NO_TEAM}
        self._no_team = self.teams[NO_TEAM]

    def _team(self, team: str | None) -> TeamTally:
        return self._no_team if team is None else self.teams[team]

    def message(
        self, channel: str, brand: str, at_us: int, sentiment: float | None, topic: str | None
    ) -> None:
        if not self.from_us <= at_us < self.to_us:
            return
        tally = self.channels[channel]
        tally.messages += 1
        if self.inbound_by_quarter_hour is not None:
            self.inbound_by_quarter_hour[at_us // QUARTER_HOUR_US] += 1
        if sentiment is not None:
            if sentiment > self._positive_above:
                tally.sentiment_positive += 1
            elif sentiment < self._negative_below:
                tally.sentiment_negative += 1
            else:
                tally.sentiment_neutral += 1
        if topic is not None:
            self.topics[topic] += 1

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
        if not self.from_us <= at_us < self.to_us:
            return
        self.channels[channel].replies[author_type] += 1
        if quick_reply is not None:
            self.quick_replies[quick_reply] += 1
        if author_type == "agent":
            self._team(team).replies += 1
            if agent_id is not None:
                agent = self.agents[agent_id]
                agent.replies += 1
                agent.conversations.add(conversation_id)

    def answered(self, channel: str, brand: str, message_at_us: int, reply_at_us: int) -> None:
        if self.from_us <= message_at_us < self.to_us and reply_at_us < self.to_us:
            self.channels[channel].answered += 1

    def cycle_opened(self, channel: str, brand: str, at_us: int, reopen: bool) -> None:
        if not self.from_us <= at_us < self.to_us:
            return
        tally = self.channels[channel]
        tally.opened += 1
        tally.reopened += reopen

    def cycle_resolved(
        self, channel: str, brand: str, started_at_us: int, resolved_at_us: int
    ) -> None:
        if self.from_us <= started_at_us < self.to_us and resolved_at_us < self.to_us:
            self.channels[channel].opened_and_resolved += 1

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
        if not self.from_us <= at_us < self.to_us:
            return
        tally = self.channels[channel]
        tally.first_response_us.append(duration_us)
        self._team(team).first_response_us.append(duration_us)
        if business_us is not None:
            tally.first_response_business_us.append(business_us)
        if agent_id is not None:
            agent = self.agents[agent_id]
            agent.first_responses += 1
            agent.first_response_sum_us += duration_us
            agent.first_response_max_us = max(agent.first_response_max_us, duration_us)

    def reply_wait(self, channel: str, brand: str, at_us: int, duration_us: int) -> None:
        if self.from_us <= at_us < self.to_us:
            self.channels[channel].reply_wait_us.append(duration_us)

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
        if not self.from_us <= at_us < self.to_us:
            return
        tally = self.channels[channel]
        tally.resolved += 1
        tally.resolution_us.append(duration_us)
        tally.one_touch += one_touch
        team_tally = self._team(team)
        team_tally.resolved += 1
        team_tally.one_touch += one_touch
        if agent_id is not None:
            self.agents[agent_id].resolutions += 1

    def requester_wait(
        self, channel: str, brand: str, at_us: int, duration_us: int, team: str | None
    ) -> None:
        if self.from_us <= at_us < self.to_us:
            self.channels[channel].requester_wait_us.append(duration_us)
            self._team(team).requester_wait_us.append(duration_us)

    def time_to_assignment(self, channel: str, brand: str, at_us: int, duration_us: int) -> None:
        if self.from_us <= at_us < self.to_us:
            self.channels[channel].time_to_assignment_us.append(duration_us)

    def reassignment(self, channel: str, brand: str, at_us: int) -> None:
        if self.from_us <= at_us < self.to_us:
            self.channels[channel].reassignments += 1

    def team_named(self, team: str) -> None:
        self.team_names.add(team)

    def survey(self, channel: str, brand: str, at_us: int, survey: str, score: int) -> None:
        if not self.from_us <= at_us < self.to_us:
            return
        tally = self.channels[channel]
        (tally.csat_by_score if survey == "csat" else tally.nps_by_score)[score] += 1

    def sale(self, channel: str, brand: str, at_us: int, amount: float, currency: str) -> None:
        if not self.from_us <= at_us < self.to_us:
            return
        tally = self.channels[channel]
        tally.sales += 1
        tally.sales_micros[currency] += round(amount * MICROS_PER_UNIT)

    def sla_outcome(
        self, policy: str, target: SlaTarget, channel: str, brand: str, met: bool, at_us: int,
        team: str | None,
    ) -> None:
        if not self.from_us <= at_us < self.to_us:
            return
        counts = self.sla.get((policy, target))
        if counts is None:
            counts = self.sla[(policy, target)] = [0, 0]
        outcome = 0 if met else 1
        counts[outcome] += 1
        self._team(team).sla[target][outcome] += 1
