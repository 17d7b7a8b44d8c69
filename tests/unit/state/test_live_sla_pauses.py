"""SLA pauses in the live deadline watch (docs/kpis.md, "SLA pauses"): a resolution
clock stopped by a `pause_on` status raises no breach and no at-risk while it is
stopped; on resume its deadline has moved by the stopped time (business time with a
calendar), and it is at risk at once when its unpaused time had already passed the
at-risk fraction. Times are hand-computed in the comments."""

from __future__ import annotations

from streams.config import CalendarConfig, CarePulseConfig, SlaConfig, SlaPolicy
from streams.kpi.timeutil import parse_iso_us
from streams.state.partition import PartitionState
from streams.testing import Scenario
from tests.unit.state.test_live_sla import Partition
from tests.unit.state.test_partition_state import checkpoint

RETURNS = CarePulseConfig(sla=SlaConfig(policies=(
    SlaPolicy(name="returns", resolution_seconds=3600, at_risk_fraction=0.5,
              pause_on=("pending", "on_hold")),
)))
RESOLUTION = ("default", "facebook", "returns", "resolution")


def _pending_for_two_hours() -> Scenario:
    """Opened 10:00 (deadline 11:00, at risk 10:30), pending from 10:20 to the customer's
    message at 12:00: 20 minutes used, 40 left, 10 to the at-risk point."""
    s = Scenario()
    s.message("10:00")
    s.agent_reply("10:10")
    s.status("10:20", "pending")
    return s


def test_a_paused_clock_is_neither_at_risk_nor_breached_and_resumes_later() -> None:
    s = _pending_for_two_hours()
    p = Partition(s, RETURNS)
    assert p.advance("12:00") == []  # 10:30 and 11:00 passed while stopped
    assert p.at_risk() == {} and p.breaches() == {}
    s.message("12:00")  # back to open: deadline 12:00 + 40 min, at risk 12:00 + 10 min
    assert p.advance("12:09:59.999999") == []
    assert p.advance("12:10") == [
        ("at_risk", "resolution", "2026-11-20T12:40:00Z", "2026-11-20T12:10:00Z")
    ]
    assert p.at_risk() == {RESOLUTION: 1}
    assert p.advance("12:40") == []
    assert p.advance("12:40:00.000001") == [
        ("breached", "resolution", "2026-11-20T12:40:00Z", "2026-11-20T12:40:00.000001Z")
    ]
    assert p.breaches() == {RESOLUTION: 1} and p.at_risk() == {}


def test_a_clock_paused_at_risk_leaves_risk_and_is_at_risk_again_at_resume() -> None:
    """At risk from 10:30; on hold 10:45 to 11:30 (45 minutes used, 15 left): on resume
    the deadline is 11:45 and the clock, past half of its hour, is at risk at once; the
    resolution at 11:40 meets it."""
    s = Scenario()
    s.message("10:00")
    p = Partition(s, RETURNS)
    assert p.advance("10:30") == [
        ("at_risk", "resolution", "2026-11-20T11:00:00Z", "2026-11-20T10:30:00Z")
    ]
    s.status("10:45", "on_hold")
    p.feed()
    assert p.take() == [
        ("at_risk_cleared", "resolution", "2026-11-20T11:00:00Z", "2026-11-20T10:45:00Z")
    ]
    assert p.at_risk() == {}
    assert p.advance("11:30") == []
    s.status("11:30", "open")
    assert p.advance("11:30") == [
        ("at_risk", "resolution", "2026-11-20T11:45:00Z", "2026-11-20T11:30:00Z")
    ]
    s.resolve("11:40")
    p.feed()
    assert p.take() == [
        ("at_risk_cleared", "resolution", "2026-11-20T11:45:00Z", "2026-11-20T11:40:00Z")
    ]
    assert p.advance("13:00") == []
    assert p.breaches() == {}
    assert dict(p.state.totals.sla_met) == {RESOLUTION: 1}


def test_a_status_the_policy_does_not_pause_on_stops_nothing() -> None:
    config = CarePulseConfig(sla=SlaConfig(policies=(
        SlaPolicy(name="returns", resolution_seconds=3600, at_risk_fraction=0.5,
                  pause_on=("on_hold",)),
    )))
    p = Partition(_pending_for_two_hours(), config)
    assert p.advance("11:00:00.000001") == [
        ("at_risk", "resolution", "2026-11-20T11:00:00Z", "2026-11-20T11:00:00.000001Z"),
        ("breached", "resolution", "2026-11-20T11:00:00Z", "2026-11-20T11:00:00.000001Z"),
    ]


def test_a_paused_clock_stays_paused_across_a_checkpoint() -> None:
    s = _pending_for_two_hours()
    p = Partition(s, RETURNS)
    p.advance("11:30")
    table: dict[bytes, bytes] = {}
    checkpoint(p.state, table)
    restored = PartitionState.restore(0, RETURNS, table.items())
    restored.advance(parse_iso_us(s.at("12:00")))
    assert restored.alerts == [] and sum(restored.watch.at_risk.values()) == 0
    s.message("12:00")
    assert restored.apply(p.fed, s.lines()[-1]) is None
    restored.advance(parse_iso_us(s.at("12:40:00.000001")))
    assert [(alert.kind, alert.deadline_us) for alert in restored.alerts] == [
        ("at_risk", parse_iso_us(s.at("12:40"))), ("breached", parse_iso_us(s.at("12:40")))]
    assert dict(restored.totals.sla_breaches) == {RESOLUTION: 1}


def test_a_business_hours_target_paused_over_a_weekend() -> None:
    """Mon-Fri 09:00-17:00 Europe/Rome, 4 business hours (at risk at 0.8: 3 h 12 min).
    Opened Fri 15:00 (+01:00), pending Fri 16:00 (1 business hour used) until the
    customer's message Mon 10:00: 3 hours left from Monday 10:00, so due Mon 13:00
    (12:00Z) and at risk 2 h 12 min after the resume, Mon 12:12 (11:12Z). Unpaused, the
    clock would have breached on Monday at 12:00 (+01:00)."""
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    config = CarePulseConfig(
        calendars={"office": CalendarConfig(
            timezone="Europe/Rome", hours={day: ("09:00-17:00",) for day in weekdays})},
        sla=SlaConfig(policies=(SlaPolicy(
            name="returns", resolution_seconds=4 * 3600, calendar="office",
            pause_on=("pending",)),)),
    )
    s = Scenario()
    s.message("2026-11-20T15:00:00+01:00")
    s.agent_reply("2026-11-20T15:30:00+01:00")
    s.status("2026-11-20T16:00:00+01:00", "pending")
    p = Partition(s, config)
    assert p.advance("2026-11-23T09:00:00Z") == []  # Monday 10:00 in Rome
    s.message("2026-11-23T10:00:00+01:00")
    assert p.advance("2026-11-23T11:11:59Z") == []
    assert p.advance("2026-11-23T11:12:00Z") == [
        ("at_risk", "resolution", "2026-11-23T12:00:00Z", "2026-11-23T11:12:00Z")
    ]
    assert p.advance("2026-11-23T12:00:00.000001Z") == [
        ("breached", "resolution", "2026-11-23T12:00:00Z", "2026-11-23T12:00:00.000001Z")
    ]
    assert p.breaches() == {("default", "facebook", "returns", "resolution"): 1}
