"""SLA policies as the core uses them: matching, deadlines, and outcomes.

A policy is chosen when a cycle opens, from the channel (as reported, so `other` can be
matched) and the priority of the opening event; the first matching policy wins. Deadlines
are computed once per clock start, in business time when the policy has a calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from streams.config import CarePulseConfig, SlaPolicy
from streams.kpi.calendar import BusinessCalendar
from streams.kpi.timeutil import seconds_to_us

SlaTarget = Literal["first_response", "next_response", "resolution"]
SLA_TARGETS: tuple[SlaTarget, ...] = ("first_response", "next_response", "resolution")


@dataclass(frozen=True, slots=True)
class SlaRules:
    name: str
    channels: frozenset[str] | None
    priorities: frozenset[str] | None
    first_response_us: int | None
    next_response_us: int | None
    resolution_us: int | None
    calendar: BusinessCalendar | None
    at_risk_fraction: float

    def matches(self, channel: str, priority: str) -> bool:
        return (self.channels is None or channel in self.channels) and (
            self.priorities is None or priority in self.priorities
        )

    def deadline_us(self, start_us: int, target_us: int) -> int:
        if self.calendar is None:
            return start_us + target_us
        return self.calendar.deadline_after(start_us, target_us)

    def limit_us(self, target: SlaTarget) -> int | None:
        if target == "first_response":
            return self.first_response_us
        return self.next_response_us if target == "next_response" else self.resolution_us

    def targets(self) -> tuple[SlaTarget, ...]:
        """The targets this policy defines, in report order."""
        limits = (self.first_response_us, self.next_response_us, self.resolution_us)
        return tuple(t for t, limit in zip(SLA_TARGETS, limits, strict=True) if limit)


def _rules(policy: SlaPolicy, calendars: dict[str, BusinessCalendar]) -> SlaRules:
    match = policy.match

    def us(seconds: float | None) -> int | None:
        return None if seconds is None else seconds_to_us(seconds)

    return SlaRules(
        name=policy.name,
        channels=frozenset(match.channels) if match and match.channels is not None else None,
        priorities=(
            frozenset(match.priorities) if match and match.priorities is not None else None
        ),
        first_response_us=us(policy.first_response_seconds),
        next_response_us=us(policy.next_response_seconds),
        resolution_us=us(policy.resolution_seconds),
        calendar=calendars[policy.calendar] if policy.calendar else None,
        at_risk_fraction=policy.at_risk_fraction,
    )


class SlaBook:
    """The configured policies, with a memo of (channel, priority) -> policy."""

    def __init__(self, config: CarePulseConfig) -> None:
        calendars = {name: cal.build() for name, cal in config.calendars.items()}
        self.policies: tuple[SlaRules, ...] = tuple(
            _rules(policy, calendars) for policy in config.sla.policies
        )
        self._memo: dict[tuple[str, str], SlaRules | None] = {}

    def match(self, channel: str, priority: str) -> SlaRules | None:
        key = (channel, priority)
        try:
            return self._memo[key]
        except KeyError:
            found = next((p for p in self.policies if p.matches(channel, priority)), None)
            self._memo[key] = found
            return found

    def by_name(self, name: str) -> SlaRules | None:
        """The policy of that name; None if the configuration no longer has it."""
        return next((p for p in self.policies if p.name == name), None)

    def label_sets(self, channels: Iterable[str]) -> list[tuple[str, str, SlaTarget]]:
        """(channel, policy, target) of every target a cycle of these channels can get."""
        return [
            (channel, policy.name, target)
            for policy in self.policies
            for channel in channels
            if policy.channels is None or channel in policy.channels
            for target in policy.targets()
        ]

    @property
    def has_calendar(self) -> bool:
        return any(policy.calendar is not None for policy in self.policies)
