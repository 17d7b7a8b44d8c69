"""The demo worker's configuration: it loads, it has SLA policies (one on a business-hours
calendar), and the demo's own traffic both meets and breaches their targets within its
first minute, so the live summary and the wall's SLA tiles show numbers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from streams.audit.replay import replay_lines
from streams.audit.report import AuditRun
from streams.cli.demo import DEFAULT_RATE_PER_SECOND
from streams.cli.demo.command import BAD_FRACTION
from streams.cli.demo.configuration import write_demo_config
from streams.cli.demo.traffic import Restamper
from streams.config import CarePulseConfig, load_config
from streams.kpi.timeutil import US_PER_SECOND, parse_iso_us
from streams.metrics.catalogue import series_bound
from streams.testing.simulate import generate_lines, label_allowlists

REPO_ROOT = Path(__file__).resolve().parents[3]
US_PER_MINUTE = 60 * US_PER_SECOND


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> CarePulseConfig:
    return load_config(write_demo_config(tmp_path_factory.mktemp("demo") / "carepulse.toml"))


def test_the_demo_config_loads_with_policies_one_on_a_business_hours_calendar(
    config: CarePulseConfig,
) -> None:
    policies = config.sla.policies
    assert len(policies) >= 2
    assert [policy.calendar for policy in policies].count("office") == 1
    office = config.calendars["office"]
    assert office.timezone == "UTC"
    assert set(office.hours) == {"mon", "tue", "wed", "thu", "fri"}
    assert all(hours == ("09:00-17:00",) for hours in office.hours.values())
    assert policies[-1].match is None  # the last one catches every other cycle
    assert config.metrics.agent_series
    assert config.agents.allowlist == label_allowlists()["agents"]


def demo_minute(config: CarePulseConfig, starting_at: str) -> dict[str, Any]:
    """The report's `sla` for the demo's first minute of traffic (its seed, rate and bad
    lines), re-stamped as the demo sends it, as if the demo had started at `starting_at`.
    A deadline counts as breached only if it passed within the minute, as it would live."""
    start_us = parse_iso_us(starting_at)
    events = int(60 * DEFAULT_RATE_PER_SECOND)
    restamp = Restamper()
    lines = (restamp(line, start_us + index * US_PER_SECOND // int(DEFAULT_RATE_PER_SECOND))
             for index, line in enumerate(generate_lines(events, 1, BAD_FRACTION)))
    run = AuditRun(config, start_us, start_us + US_PER_MINUTE)
    replay_lines(lines, run)
    sla: dict[str, Any] = run.report()["sla"]
    return sla


def test_a_demo_minute_in_office_hours_meets_and_breaches_every_policy(
    config: CarePulseConfig,
) -> None:
    sla = demo_minute(config, "2026-11-02T10:00:00Z")  # a Monday
    assert set(sla) == {policy.name for policy in config.sla.policies}
    for policy, targets in sla.items():
        first = targets["first_response"]
        assert first["met"] > 0 and first["breached"] > 0, (policy, targets)
        assert 0.5 < first["compliance"] < 1, (policy, targets)


def test_out_of_office_hours_the_calendar_policy_is_met_and_never_breached(
    config: CarePulseConfig,
) -> None:
    sla = demo_minute(config, "2026-11-07T10:00:00Z")  # a Saturday
    office = sla["office-hours"]["first_response"]
    assert office["met"] > 0 and office["breached"] == 0
    for policy in ("urgent", "standard"):  # around the clock
        assert sla[policy]["first_response"]["breached"] > 0, sla


def test_the_series_bound_of_the_demo_config_is_the_one_documented(
    config: CarePulseConfig,
) -> None:
    text = " ".join((REPO_ROOT / "docs" / "metrics.md").read_text().split())
    documented = re.search(r"the demo's configuration \([^)]*\) the bound is ([\d,]+)\.", text)
    assert documented is not None
    assert int(documented[1].replace(",", "")) == series_bound(config)
