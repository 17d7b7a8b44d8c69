"""CarePulse configuration: one TOML file loaded into validated, frozen models.

Every section is optional; an absent file means the defaults of docs/kpis.md section 7 (known
channels, no SLA policy, 20 EUR per contact, no social cost). Unknown keys are errors, so
a typo never silently falls back to a default. Errors name the key path and the reason.

The sections that change the numbers are in kpis.py, the deployment sections in
deployment.py; `CarePulseConfig.kpi_settings()` hands the KPI layer (streams.kpi) the
plain values it needs, so that layer never imports this package.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from streams.config.base import KeyPathError, Section
from streams.config.chatwoot import ChatwootConfig
from streams.config.deployment import IngestConfig, KafkaConfig, MetricsConfig, WorkerConfig
from streams.config.kpis import (
    AgentsConfig,
    BrandsConfig,
    CalendarConfig,
    ChannelsConfig,
    DedupeConfig,
    LimitsConfig,
    QuickRepliesConfig,
    SavingsConfig,
    SlaConfig,
    SlaPolicy,
    TeamsConfig,
    ThresholdsConfig,
    TopicsConfig,
)
from streams.kpi.settings import KpiSettings, LabelAllowlists
from streams.kpi.timeutil import US_PER_SECOND


class CarePulseConfig(Section):
    channels: ChannelsConfig = ChannelsConfig()
    brands: BrandsConfig = BrandsConfig()
    topics: TopicsConfig = TopicsConfig()
    quick_replies: QuickRepliesConfig = QuickRepliesConfig()
    agents: AgentsConfig = AgentsConfig()
    teams: TeamsConfig = TeamsConfig()
    thresholds: ThresholdsConfig = ThresholdsConfig()
    calendars: dict[str, CalendarConfig] = Field(default_factory=dict)
    sla: SlaConfig = SlaConfig()
    savings: SavingsConfig = SavingsConfig()
    dedupe: DedupeConfig = DedupeConfig()
    limits: LimitsConfig = LimitsConfig()
    kafka: KafkaConfig = KafkaConfig()
    metrics: MetricsConfig = MetricsConfig()
    worker: WorkerConfig = WorkerConfig()
    ingest: IngestConfig = IngestConfig()
    chatwoot: ChatwootConfig = ChatwootConfig()

    @model_validator(mode="after")
    def _references_resolve(self) -> CarePulseConfig:
        """Mistakes that would otherwise be silent: a policy no cycle can reach, a
        channel name that can never match, a calendar or policy name used twice."""
        reported = {*self.channels.allowlist, "other"}
        names = [policy.name for policy in self.sla.policies]
        for index, policy in enumerate(self.sla.policies):
            key = f"sla.policies[{index}]"
            if policy.calendar is not None and policy.calendar not in self.calendars:
                defined = ", ".join(repr(name) for name in self.calendars)
                raise KeyPathError(f"{key}.calendar", f"no such calendar {policy.calendar!r} " + (
                    f"(calendars defined: {defined})" if defined else
                    f"(no calendar is defined: add a [calendars.{policy.calendar}] section)"
                ))
            if names.index(policy.name) != index:
                raise KeyPathError(f"{key}.name", "duplicate policy name")
            channels = policy.match.channels if policy.match else None
            for position, channel in enumerate(channels or ()):
                if channel not in reported:
                    raise KeyPathError(f"{key}.match.channels[{position}]",
                                    f"{channel!r} is not an allowlisted channel nor 'other'")
            _check_pause_on(key, policy)
            if index and _matches_everything(self.sla.policies[index - 1]):
                raise KeyPathError(key, "unreachable: the policy before it matches every cycle")
        for channel in self.savings.alternative_cost_per_channel:
            if channel not in reported:
                raise KeyPathError(f"savings.alternative_cost_per_channel.{channel}",
                                "not an allowlisted channel nor 'other'")
        return self

    def kpi_settings(self) -> KpiSettings:
        """What the KPI layer needs of this configuration, calendars built. The agents'
        allowlist counts only with `[metrics] agent_series` on, and the resolved grace
        and the late-event tolerance come from `[worker]`: they change numbers although
        their sections do not."""
        calendars = {name: calendar.build() for name, calendar in self.calendars.items()}
        return KpiSettings(
            labels=LabelAllowlists(
                channels=self.channels.allowlist,
                brands=self.brands.allowlist,
                topics=self.topics.allowlist,
                quick_replies=self.quick_replies.allowlist,
                agents=self.agents.allowlist if self.metrics.agent_series else None,
                teams=self.teams.allowlist if self.metrics.team_series else None,
            ),
            thresholds=self.thresholds,
            sla_policies=tuple(policy.rules(calendars) for policy in self.sla.policies),
            savings=self.savings,
            dedupe_capacity=self.dedupe.capacity,
            resolved_grace_us=round(self.worker.resolved_grace_seconds * US_PER_SECOND),
            late_event_tolerance_us=round(
                self.worker.late_event_tolerance_seconds * US_PER_SECOND
            ),
        )


def _check_pause_on(key: str, policy: SlaPolicy) -> None:
    pause_on = policy.pause_on
    for position, status in enumerate(pause_on):
        if pause_on.index(status) != position:
            raise KeyPathError(f"{key}.pause_on[{position}]", f"{status!r} is listed twice")
    if pause_on and policy.resolution_seconds is None:
        raise KeyPathError(f"{key}.pause_on", "stops the resolution clock only: set "
                           "resolution_seconds or remove pause_on")


def _matches_everything(policy: SlaPolicy) -> bool:
    match = policy.match
    return match is None or (match.channels is None and match.priorities is None)
