"""The sections that change the numbers: label allowlists, thresholds, business-hours
calendars, SLA policies, savings, deduplication and the record size limit. A report or
a live metric depends on them, and on `[worker] resolved_grace_seconds` (model.py);
nothing else in the file changes a number."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, Strict, field_validator, model_validator

from schemas.events import KNOWN_CHANNELS, MAX_LABEL_CHARS, Priority
from streams.config.base import Fraction, Money, PositiveSeconds, Score, Section
from streams.kpi.calendar import BusinessCalendar, parse_hours
from streams.kpi.sla import SlaRules
from streams.kpi.timeutil import seconds_to_us

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _valid_hours(spec: str) -> str:
    parse_hours(spec)
    return spec


HoursSpec = Annotated[str, AfterValidator(_valid_hours)]


class ChannelsConfig(Section):
    """Channels reported under their own name; every other value is reported as `other`."""

    allowlist: tuple[str, ...] = KNOWN_CHANNELS

    @field_validator("allowlist")
    @classmethod
    def _lower_case_and_not_other(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not value or value != value.lower() or value == "other":
                raise ValueError(f"channel {value!r} must be non-empty, lower-case, not 'other'")
        return values


MAX_LABEL_VALUES = 500
"""Most values an allowlist of brands, topics, quick replies or agents may list: each
listed value is a label value of its own (README, "Cardinality")."""


def _label_values(values: tuple[str, ...], reserved: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not value or len(value) > MAX_LABEL_CHARS or value in reserved:
            raise ValueError(f"{value!r} must be 1..{MAX_LABEL_CHARS} characters and not "
                             + " nor ".join(repr(name) for name in reserved))
    return values


def _not_other(values: tuple[str, ...]) -> tuple[str, ...]:
    return _label_values(values, ("other",))


def _not_other_nor_none(values: tuple[str, ...]) -> tuple[str, ...]:
    return _label_values(values, ("other", "none"))


# Allowlists of label values: at most MAX_LABEL_VALUES, none of the values CarePulse
# reports for everything outside the list
Allowlist = Annotated[
    tuple[str, ...], Field(max_length=MAX_LABEL_VALUES), AfterValidator(_not_other)
]
TopicAllowlist = Annotated[
    tuple[str, ...], Field(max_length=MAX_LABEL_VALUES), AfterValidator(_not_other_nor_none)
]


class BrandsConfig(Section):
    """Brands reported under their own name in metric labels; any other as `other`.
    Events without a brand have brand `default` (docs/events.md)."""

    allowlist: Allowlist = ("default",)


class TopicsConfig(Section):
    """Topics of inbound messages reported by name; others as `other`, none as `none`."""

    allowlist: TopicAllowlist = ()


class QuickRepliesConfig(Section):
    """Quick-reply ids reported by name; any other as `other`."""

    allowlist: Allowlist = ()


class AgentsConfig(Section):
    """Agents with series of their own when `metrics.agent_series` is on; others `other`."""

    allowlist: Allowlist = ()


class TeamsConfig(Section):
    """Teams with series of their own when `metrics.team_series` is on; others `other`,
    facts without a team `none`. The report's `by_team` lists every team by name."""

    allowlist: TopicAllowlist = ()


class ThresholdsConfig(Section):
    sentiment_positive_above: Fraction = 0.2
    sentiment_negative_below: Fraction = -0.2
    csat_satisfied_min: Score = Field(4, ge=1, le=5)
    nps_promoter_min: Score = Field(9, ge=0, le=10)
    nps_detractor_max: Score = Field(6, ge=0, le=10)

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsConfig:
        if self.sentiment_negative_below > self.sentiment_positive_above:
            raise ValueError("sentiment_negative_below must not exceed sentiment_positive_above")
        if self.nps_detractor_max >= self.nps_promoter_min:
            raise ValueError("nps_detractor_max must be below nps_promoter_min")
        return self


class CalendarConfig(Section):
    """Opening hours per weekday as "HH:MM-HH:MM" strings, in `timezone` wall-clock time."""

    timezone: str
    hours: dict[Weekday, tuple[HoursSpec, ...]]
    holidays: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {name!r}") from error
        return name

    @model_validator(mode="after")
    def _builds(self) -> CalendarConfig:
        self.build()
        return self

    def build(self) -> BusinessCalendar:
        weekly_open = {
            WEEKDAYS.index(day): [parse_hours(spec) for spec in specs]
            for day, specs in self.hours.items()
        }
        return BusinessCalendar(self.timezone, weekly_open, self.holidays)


class SlaMatch(Section):
    """A policy applies when the cycle's channel and priority are both listed (an absent
    list matches everything)."""

    channels: tuple[str, ...] | None = None
    priorities: tuple[Priority, ...] | None = None


class SlaPolicy(Section):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    match: SlaMatch | None = None
    first_response_seconds: PositiveSeconds | None = None
    next_response_seconds: PositiveSeconds | None = None
    resolution_seconds: PositiveSeconds | None = None
    calendar: str | None = None
    at_risk_fraction: Annotated[float, Strict()] = Field(0.8, gt=0, le=1)
    pause_on: tuple[Literal["pending", "on_hold"], ...] = ()
    """Working statuses that stop the resolution clock (contract 1.1)."""

    def rules(self, calendars: dict[str, BusinessCalendar]) -> SlaRules:
        """The policy as the KPI layer applies it, with its calendar built."""
        match = self.match

        def us(seconds: float | None) -> int | None:
            return None if seconds is None else seconds_to_us(seconds)

        return SlaRules(
            name=self.name,
            channels=frozenset(match.channels) if match and match.channels is not None else None,
            priorities=(
                frozenset(match.priorities) if match and match.priorities is not None else None
            ),
            first_response_us=us(self.first_response_seconds),
            next_response_us=us(self.next_response_seconds),
            resolution_us=us(self.resolution_seconds),
            calendar=calendars[self.calendar] if self.calendar else None,
            at_risk_fraction=self.at_risk_fraction,
            pause_on=frozenset(self.pause_on),
        )


class SlaConfig(Section):
    policies: tuple[SlaPolicy, ...] = ()


class MonthlyCosts(Section):
    """Monthly social-care costs; staff is either `staff` or `staff_hours` x `hourly_rate`."""

    tools: Money = 0.0
    ads: Money = 0.0
    staff: Money | None = None
    staff_hours: Money = 0.0
    hourly_rate: Money = 0.0

    @model_validator(mode="after")
    def _one_staff_form(self) -> MonthlyCosts:
        if self.staff is not None and (self.staff_hours or self.hourly_rate):
            raise ValueError("give either staff or staff_hours and hourly_rate, not both")
        return self

    @property
    def total(self) -> float:
        staff = self.staff if self.staff is not None else self.staff_hours * self.hourly_rate
        return self.tools + self.ads + staff


class SavingsConfig(Section):
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    alternative_cost_per_contact: Money = 20.0
    alternative_cost_per_channel: dict[str, Money] = Field(default_factory=dict)
    monthly: MonthlyCosts = MonthlyCosts()

    @property
    def monthly_total(self) -> float:
        return self.monthly.total

    def alternative_cost(self, channel: str) -> float:
        return self.alternative_cost_per_channel.get(channel, self.alternative_cost_per_contact)


class DedupeConfig(Section):
    """How many recent `event_id`s are remembered (memory stays bounded)."""

    capacity: Score = Field(1_000_000, ge=1_000, le=100_000_000)


class LimitsConfig(Section):
    max_record_bytes: Score = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
