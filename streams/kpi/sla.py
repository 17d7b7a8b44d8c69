"""SLA policies as the KPI layer uses them: matching, deadlines, and outcomes.

A policy is chosen when a cycle opens, from the channel (as reported, so `other` can be
matched) and the priority of the opening event; the first matching policy wins. Deadlines
are computed once per clock start, in business time when the policy has a calendar.
A policy's `pause_on` statuses stop its resolution clock (contract 1.1): the time left is
kept while it is stopped, and the deadline is computed again from the resume.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from streams.kpi.calendar import BusinessCalendar

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
    pause_on: frozenset[str] = frozenset()
    """Working statuses during which the resolution clock stops."""

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

    def risk_instant_us(self, start_us: int, limit_us: int) -> int:
        """When `at_risk_fraction` of the target has passed (in business time if
        calendared)."""
        return self.deadline_us(start_us, round(limit_us * self.at_risk_fraction))

    def left_us(self, at_us: int, deadline_us: int) -> int:
        """What is left of a clock stopped at `at_us` before its deadline: the (business)
        time from `at_us` to the deadline."""
        if self.calendar is None:
            return deadline_us - at_us
        return self.calendar.business_us_between(at_us, deadline_us)

    def resumed_risk_us(self, at_us: int, limit_us: int, left_us: int) -> int:
        """When a clock resumed at `at_us` with `left_us` of its `limit_us` left turns at
        risk: once `at_risk_fraction` of the limit has passed in unpaused time (at once
        when it already had)."""
        risk_left_us = round(limit_us * self.at_risk_fraction) - (limit_us - left_us)
        return at_us if risk_left_us <= 0 else self.deadline_us(at_us, risk_left_us)

    def targets(self) -> tuple[SlaTarget, ...]:
        """The targets this policy defines, in report order."""
        limits = (self.first_response_us, self.next_response_us, self.resolution_us)
        return tuple(t for t, limit in zip(SLA_TARGETS, limits, strict=True) if limit)


class SlaBook:
    """The configured policies, with a memo of (channel, priority) -> policy."""

    def __init__(self, policies: tuple[SlaRules, ...]) -> None:
        self.policies = policies
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
