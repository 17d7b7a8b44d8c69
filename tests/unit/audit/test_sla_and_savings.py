"""SLA outcomes (docs/kpis.md section 5) and deflection savings (section 6), hand-computed."""

from __future__ import annotations

from typing import Any

from schemas.events import EVENT_ADAPTER
from streams.audit.report import AuditRun
from streams.config import (
    CalendarConfig,
    CarePulseConfig,
    MonthlyCosts,
    SavingsConfig,
    SlaConfig,
    SlaMatch,
    SlaPolicy,
)
from streams.testing import Scenario, report_of

DEFAULT = SlaPolicy(
    name="default", first_response_seconds=600, next_response_seconds=300,
    resolution_seconds=3600,
)


def sla_of(scenario: Scenario, *policies: SlaPolicy, **kwargs: Any) -> dict[str, Any]:
    config = kwargs.pop("config", None) or CarePulseConfig(sla=SlaConfig(policies=policies))
    result: dict[str, Any] = report_of(scenario.events, config=config, **kwargs)["sla"]
    return result


def outcome(met: int, breached: int) -> dict[str, Any]:
    total = met + breached
    return {"met": met, "breached": breached,
            "compliance": round(met / total, 6) if total else None}


def test_an_answer_at_the_deadline_meets_it_and_one_microsecond_later_breaches() -> None:
    s = Scenario()
    s.message("10:00", conversation="c-1")
    s.agent_reply("10:10:00", conversation="c-1")
    s.message("10:00", conversation="c-2")
    s.agent_reply("10:10:00.000001", conversation="c-2")
    assert sla_of(s, DEFAULT)["default"]["first_response"] == outcome(1, 1)


def test_next_response_and_resolution_targets() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("10:05")
    s.message("10:20")
    s.agent_reply("10:25")  # 300 s: met
    s.message("10:30")
    s.agent_reply("10:36")  # 360 s: breached
    s.resolve("11:00")  # 3600 s: met
    s.message("10:00", conversation="c-2")
    s.agent_reply("10:01", conversation="c-2")
    s.resolve("11:00:01", conversation="c-2")  # breached
    sla = sla_of(s, DEFAULT)["default"]
    assert sla == {
        "first_response": outcome(2, 0),
        "next_response": outcome(1, 1),
        "resolution": outcome(1, 1),
    }


def test_a_deadline_that_passes_unanswered_is_breached_at_the_deadline() -> None:
    s = Scenario()
    s.message("10:00")
    s.message("11:30", conversation="c-2")
    s.agent_reply("11:31", conversation="c-2")
    sla = sla_of(s, DEFAULT)["default"]
    # c-1: first response due 10:10 and resolution due 11:00, both before the range end
    # (11:31:01); c-2's resolution is due 12:30, after it.
    assert sla["first_response"] == outcome(1, 1)
    assert sla["resolution"] == outcome(0, 1)


def test_breaches_count_at_the_deadline_instant_inside_the_range() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("10:40")  # breached at 10:10
    s.message("10:00", conversation="c-2")
    s.agent_reply("10:09", conversation="c-2")  # met at 10:09
    first = sla_of(s, DEFAULT, start="2026-11-20T10:09:30Z", end="2026-11-20T10:20:00Z")
    assert first["default"]["first_response"] == outcome(0, 1)
    before = sla_of(s, DEFAULT, start="2026-11-20T10:00:00Z", end="2026-11-20T10:10:00Z")
    assert before["default"]["first_response"] == outcome(1, 0)


def test_a_resolution_before_the_response_deadline_cancels_the_response_target() -> None:
    s = Scenario()
    s.message("10:00")
    s.bot_reply("10:01")
    s.resolve("10:05", by="bot")
    s.message("10:00", conversation="c-2")
    s.resolve("10:30", conversation="c-2", by="auto")  # after the 10:10 deadline
    sla = sla_of(s, DEFAULT)["default"]
    assert sla["first_response"] == outcome(0, 1)
    assert sla["resolution"] == outcome(2, 0)


def test_handoff_restarts_the_first_response_clock() -> None:
    s = Scenario()
    s.message("10:00")
    s.bot_reply("10:00:30")
    s.handoff("10:08")
    s.agent_reply("10:17")  # 9 min after the handoff
    assert sla_of(s, DEFAULT)["default"]["first_response"] == outcome(1, 0)


def test_a_handoff_after_the_deadline_keeps_the_breach_and_starts_a_new_clock() -> None:
    s = Scenario()
    s.message("10:00")
    s.bot_reply("10:00:30")
    s.handoff("10:16")  # first response due 10:10: breached while with the bot
    s.agent_reply("10:20")  # the humans' clock from 10:16: met
    assert sla_of(s, DEFAULT)["default"]["first_response"] == outcome(1, 1)


def test_the_first_matching_policy_wins_and_unmatched_cycles_have_no_sla() -> None:
    urgent = SlaPolicy(
        name="urgent", match=SlaMatch(priorities=("urgent", "high")),
        first_response_seconds=60,
    )
    whatsapp = SlaPolicy(
        name="whatsapp", match=SlaMatch(channels=("whatsapp",)), first_response_seconds=120
    )
    s = Scenario()
    s.message("10:00", conversation="c-1", priority="urgent", channel="whatsapp")
    s.agent_reply("10:01:30", conversation="c-1")  # urgent: 90 s > 60 s
    s.message("10:00", conversation="c-2", channel="whatsapp")
    s.agent_reply("10:01:30", conversation="c-2")  # whatsapp: 90 s <= 120 s
    s.message("10:00", conversation="c-3", channel="x")
    s.agent_reply("10:30", conversation="c-3")  # no policy
    sla = sla_of(s, urgent, whatsapp)
    assert sla == {
        "urgent": {"first_response": outcome(0, 1)},
        "whatsapp": {"first_response": outcome(1, 0)},
    }


ROME = CalendarConfig(
    timezone="Europe/Rome",
    hours={day: ("09:00-17:00",) for day in ("mon", "tue", "wed", "thu", "fri")},
)
BUSINESS = SlaPolicy(name="business", first_response_seconds=1800, calendar="rome")


def business_config() -> CarePulseConfig:
    return CarePulseConfig(calendars={"rome": ROME}, sla=SlaConfig(policies=(BUSINESS,)))


def test_friday_1645_with_30_business_minutes_is_due_monday_0915_in_rome() -> None:
    s = Scenario()
    s.message("2026-11-20T16:45:00+01:00", conversation="c-1")  # Friday
    s.agent_reply("2026-11-23T09:15:00+01:00", conversation="c-1")  # Monday, at the deadline
    s.message("2026-11-20T16:45:00+01:00", conversation="c-2")
    s.agent_reply("2026-11-23T09:15:01+01:00", conversation="c-2")
    report = report_of(s.events, config=business_config())
    assert report["sla"]["business"]["first_response"] == outcome(1, 1)
    business = report["totals"]["first_response_business_seconds"]
    assert business["count"] == 2
    assert business["p50"] == 1800.0
    assert business["max"] == 1801.0


def test_a_breach_in_business_time_is_attributed_to_the_business_deadline() -> None:
    s = Scenario()
    s.message("2026-11-20T16:45:00+01:00")
    s.agent_reply("2026-11-23T12:00:00+01:00")
    config = business_config()
    inside = report_of(s.events, config=config, start="2026-11-23T08:15:00Z",
                       end="2026-11-23T08:15:00.000001Z")
    assert inside["sla"]["business"]["first_response"] == outcome(0, 1)
    weekend = report_of(s.events, config=config, start="2026-11-21T00:00:00Z",
                        end="2026-11-23T00:00:00Z")
    assert weekend["sla"]["business"]["first_response"] == outcome(0, 0)


def test_messages_answered_while_closed_have_zero_business_seconds() -> None:
    s = Scenario()
    s.message("2026-11-21T10:00:00+01:00")  # Saturday
    s.agent_reply("2026-11-21T11:00:00+01:00")
    report = report_of(s.events, config=business_config())
    assert report["totals"]["first_response_business_seconds"]["max"] == 0.0
    assert report["totals"]["first_response_seconds"]["max"] == 3600.0
    assert report["sla"]["business"]["first_response"] == outcome(1, 0)


def test_business_seconds_stats_appear_only_with_a_calendar_policy() -> None:
    s = Scenario()
    s.message("10:00")
    assert "first_response_business_seconds" not in report_of(s.events)["totals"]


def resolutions(count: int, channel: str = "facebook", s: Scenario | None = None) -> Scenario:
    """`count` conversations opened at 10:00 and resolved at 11:00 on 2026-11-10."""
    s = s or Scenario(day="2026-11-10")
    for index in range(count):
        conversation = f"{channel}-{index}"
        s.message("10:00", conversation=conversation, channel=channel)
        s.resolve("11:00", conversation=conversation, channel=channel)
    return s


def test_100_resolutions_at_20_eur_against_500_eur_over_30_days_save_1500() -> None:
    config = CarePulseConfig(savings=SavingsConfig(monthly=MonthlyCosts(tools=300, ads=200)))
    report = report_of(
        resolutions(100).events, config=config,
        start="2026-11-01T00:00:00Z", end="2026-12-01T00:00:00Z",
    )
    assert report["savings"] == {
        "currency": "EUR", "resolved_on_social": 100, "alternative_cost": 2000.0,
        "social_cost": 500.0, "savings": 1500.0, "roi": 3.0,
    }


def test_costs_are_prorated_and_alternative_costs_can_differ_per_channel() -> None:
    savings = SavingsConfig(
        currency="USD", alternative_cost_per_channel={"whatsapp": 12.5},
        monthly=MonthlyCosts(staff_hours=100, hourly_rate=30),
    )
    s = resolutions(2, channel="whatsapp", s=resolutions(3))
    report = report_of(
        s.events, config=CarePulseConfig(savings=savings),
        start="2026-11-10T00:00:00Z", end="2026-11-13T00:00:00Z",
    )
    assert report["savings"] == {
        "currency": "USD", "resolved_on_social": 5, "alternative_cost": 85.0,
        "social_cost": 300.0, "savings": -215.0, "roi": -0.716667,
    }


def test_the_report_settles_open_deadlines_once_however_often_it_is_asked_for() -> None:
    s = Scenario()
    s.message("10:00")
    s.message("10:20", conversation="c-2")  # c-1's first response was due 10:10
    run = AuditRun(CarePulseConfig(sla=SlaConfig(policies=(DEFAULT,))))
    for line in s.lines():
        run.feed(EVENT_ADAPTER.validate_json(line))
    first = run.report()
    assert first["sla"]["default"]["first_response"] == outcome(0, 1)
    assert run.report() == first
