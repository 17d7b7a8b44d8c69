"""Hand-computed scenarios of contract 1.1 in the report: SLA pauses of the resolution
clock (docs/kpis.md section 5) and the per-team breakdown (section 3, "Per team")."""

from __future__ import annotations

from typing import Any

from streams.config import CalendarConfig, CarePulseConfig, SlaConfig, SlaMatch, SlaPolicy
from streams.kpi.timeutil import parse_iso_us
from streams.testing import Scenario, report_of

FRIDAY, MONDAY, TUESDAY = "2026-11-20", "2026-11-23", "2026-11-24"
OFFICE = CalendarConfig(timezone="UTC", hours={
    day: ("09:00-17:00",) for day in ("mon", "tue", "wed", "thu", "fri")  # type: ignore[misc]
})
PAUSED = SlaPolicy(name="paused", match=SlaMatch(channels=("facebook",)),
                   resolution_seconds=4 * 3600, calendar="office", pause_on=("pending",),
                   at_risk_fraction=0.5)
UNPAUSED = SlaPolicy(name="unpaused", match=SlaMatch(channels=("x",)),
                     resolution_seconds=4 * 3600, calendar="office")
PAUSE_CONFIG = CarePulseConfig(calendars={"office": OFFICE},
                               sla=SlaConfig(policies=(PAUSED, UNPAUSED)))


def at(day: str, time: str) -> str:
    return f"{day}T{time}:00Z"


def weekend_pending(s: Scenario, conversation: str, channel: str = "facebook") -> None:
    """Opened Friday 14:00; pending from Friday 15:00 (1 of its 4 business hours used)
    until the customer writes on Monday 16:00: 3 business hours left, due Tuesday 11:00
    (Monday 16:00-17:00, Tuesday 09:00-11:00; wall-clock time would say Monday 19:00)."""
    s.message(at(FRIDAY, "14:00"), conversation, channel=channel)
    s.agent_reply(at(FRIDAY, "14:30"), conversation, channel=channel)
    s.status(at(FRIDAY, "15:00"), "pending", conversation, channel=channel)
    s.message(at(MONDAY, "16:00"), conversation, channel=channel)


def test_a_4_business_hour_target_paused_over_a_weekend_pending_period() -> None:
    s = Scenario()
    weekend_pending(s, "met")
    s.resolve(at(TUESDAY, "10:30"), "met")
    weekend_pending(s, "late")
    s.resolve(at(TUESDAY, "11:30"), "late")  # breached at Tuesday 11:00
    weekend_pending(s, "no-pause", channel="x")  # due Monday 10:00 without a pause
    s.resolve(at(TUESDAY, "10:30"), "no-pause", channel="x")
    report = report_of(s.events, config=PAUSE_CONFIG, end=at(TUESDAY, "11:00"))
    # `late` breaches at 11:00, outside [.., 11:00); 11:00 and later are in the next range
    assert report["sla"]["paused"]["resolution"] == {"met": 1, "breached": 0,
                                                     "compliance": 1.0}
    assert report["sla"]["unpaused"]["resolution"] == {"met": 0, "breached": 1,
                                                       "compliance": 0.0}
    later = report_of(s.events, config=PAUSE_CONFIG, start=at(TUESDAY, "11:00"))
    assert later["sla"]["paused"]["resolution"]["breached"] == 1
    # requester wait leaves the weekend out: 2026-11-20 14:00 to 11-24 10:30 is 333,000 s,
    # pending Friday 15:00 to Monday 16:00 is 262,800 s
    assert report["totals"]["requester_wait_seconds"]["p50"] == 70_200.0


def test_no_outcome_while_stopped_a_resolution_while_stopped_meets() -> None:
    s = Scenario()
    s.message(at(FRIDAY, "14:00"), "stopped")
    s.status(at(FRIDAY, "15:00"), "pending", "stopped")  # still pending at the end
    s.message(at(FRIDAY, "14:00"), "solved")
    s.status(at(FRIDAY, "15:00"), "pending", "solved")
    s.resolve(at(TUESDAY, "12:00"), "solved")  # long after the unpaused deadline: met
    s.message(at(FRIDAY, "14:00"), "on-hold")
    s.status(at(FRIDAY, "15:00"), "on_hold", "on-hold")  # not in pause_on: due Monday 10:00
    s.message(at(FRIDAY, "14:00"), "too-late")
    s.status(at(MONDAY, "10:00"), "pending", "too-late")  # at the deadline: changes nothing
    s.resolve(at(MONDAY, "10:30"), "too-late")
    report = report_of(s.events, config=PAUSE_CONFIG)
    assert report["sla"]["paused"]["resolution"] == {"met": 1, "breached": 2,
                                                     "compliance": 0.333333}


def test_at_risk_counts_unpaused_time() -> None:
    rules = PAUSE_CONFIG.kpi_settings().sla_policies[0]
    limit_us = 4 * 3600 * 1_000_000
    # paused Friday 15:00 with 3 of 4 hours left; at risk after half (2 h) of unpaused
    # time: 1 business hour after the resume on Monday 16:00, so Monday 17:00
    left_us = rules.left_us(parse_iso_us(at(FRIDAY, "15:00")),
                            parse_iso_us(at(MONDAY, "10:00")))
    assert left_us == 3 * 3600 * 1_000_000
    resumed_us = parse_iso_us(at(MONDAY, "16:00"))
    assert rules.resumed_risk_us(resumed_us, limit_us, left_us) == parse_iso_us(
        at(MONDAY, "17:00")
    )
    # with less than half left it is at risk from the resume on
    assert rules.resumed_risk_us(resumed_us, limit_us, limit_us // 4) == resumed_us


TEAMS_CONFIG = CarePulseConfig(sla=SlaConfig(policies=(
    SlaPolicy(name="fast", first_response_seconds=600, resolution_seconds=7200),
)))


def by_team(scenario: Scenario) -> dict[str, Any]:
    result: dict[str, Any] = report_of(scenario.events, config=TEAMS_CONFIG)["by_team"]
    return result


def test_a_reply_with_its_own_team_belongs_to_it() -> None:
    s = Scenario()
    s.message("10:00")
    s.assign("10:01", "a-1", team="tier1")
    s.agent_reply("10:05", team="tier2")  # its own team: tier2's first response, met
    s.message("10:06")
    s.agent_reply("10:08")  # no team of its own: the conversation's (tier1)
    s.bot_reply("10:09", team="bots")  # names a team; not an agent reply
    s.resolve("10:30")  # the conversation's team
    teams = by_team(s)
    assert sorted(teams) == ["bots", "none", "tier1", "tier2"]
    assert (teams["tier2"]["replies"], teams["tier1"]["replies"], teams["bots"]["replies"]) \
        == (1, 1, 0)
    assert teams["tier2"]["first_response_seconds"]["max"] == 300.0
    assert teams["tier1"]["first_response_seconds"]["count"] == 0
    assert teams["tier2"]["sla"]["first_response"] == {"met": 1, "breached": 0,
                                                       "compliance": 1.0}
    assert teams["tier1"]["conversations_resolved"] == 1
    assert teams["tier1"]["one_touch_resolutions"] == 0  # two agent replies
    assert teams["tier1"]["requester_wait_seconds"]["max"] == 1800.0
    assert teams["tier1"]["sla"]["resolution"]["met"] == 1
    assert teams["none"]["replies"] == 0
    assert teams["none"]["sla"] == {target: {"met": 0, "breached": 0, "compliance": None}
                                    for target in ("first_response", "next_response",
                                                   "resolution")}


def test_a_breach_belongs_to_the_team_before_the_deadline_passed() -> None:
    s = Scenario()
    s.message("10:00", "c-1")  # first response due 10:10
    s.assign("10:05", "a-1", "c-1", team="day")
    s.assign("10:20", "a-2", "c-1", team="night")  # after the deadline
    s.agent_reply("10:25", "c-1")  # late: the breach is day's, the reply night's
    s.message("10:00", "c-2")
    s.add("conversation.tagged", "10:15", "c-2")  # the first event after the deadline
    s.assign("10:08", "a-3", "c-2", team="night")  # arrives after it: not the breach's
    teams = by_team(s)
    assert teams["day"]["sla"]["first_response"]["breached"] == 1
    assert teams["night"]["sla"]["first_response"]["breached"] == 0
    assert teams["night"]["replies"] == 1
    assert teams["night"]["first_response_seconds"]["max"] == 1500.0
    assert teams["none"]["sla"]["first_response"]["breached"] == 1  # c-2, settled at the end


def test_an_assignment_between_cycles_changes_the_team_at_once() -> None:
    s = Scenario()
    s.message("10:00")
    s.assign("10:01", "a-1", team="tier1")
    s.resolve("10:30")
    s.assign("10:40", "a-2", team="tier2")  # no open cycle: the team changes now
    s.agent_reply("10:45")  # belongs to tier2
    s.assign("10:50", "a-2")  # without a team: keeps tier2
    s.message("11:00")  # the reopened cycle keeps a-2 and tier2
    s.agent_reply("11:05", team="tier3")  # its own team does not change the conversation's
    s.resolve("11:10")
    teams = by_team(s)
    assert (teams["tier1"]["conversations_resolved"], teams["tier2"]["conversations_resolved"],
            teams["tier3"]["conversations_resolved"]) == (1, 1, 0)
    assert (teams["tier2"]["replies"], teams["tier3"]["replies"]) == (1, 1)
    assert teams["tier2"]["one_touch_resolutions"] == 1


def test_a_customer_message_stamped_before_the_pause_resumes_the_clock_at_the_pause() -> None:
    config = CarePulseConfig(sla=SlaConfig(policies=(
        SlaPolicy(name="hour", resolution_seconds=3600, pause_on=("pending", "on_hold")),
    )))
    s = Scenario()
    s.message("10:00")  # due 11:00
    s.status("10:20", "pending")  # stopped with 40 minutes left
    s.status("10:25", "on_hold")  # from one paused status to another: still stopped
    s.message("10:10")  # stamped before the last status change: resumes at 10:25, due 11:05
    s.resolve("11:03")
    assert report_of(s.events, config=config)["sla"]["hour"]["resolution"]["met"] == 1


def test_a_team_named_none_shares_the_key_of_facts_without_a_team() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("10:05", team="none")
    s.message("10:00", "c-2")
    s.agent_reply("10:06", "c-2")
    teams = by_team(s)
    assert list(teams) == ["none"]
    assert teams["none"]["replies"] == 2
