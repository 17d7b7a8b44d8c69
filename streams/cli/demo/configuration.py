"""The demo worker's configuration: every label value of the simulation allowlisted,
agent and team series on, and SLA policies whose targets the demo's traffic both meets
and breaches within its first minute (and a resolution target that pauses while a case
is pending or on hold, met or breached minutes later).

The demo re-stamps simulated traffic to the wall clock at its sending rate (traffic.py),
so about an hour of simulated conversations passes in each minute at 50 events/s: first
responses take seconds, not minutes. The targets below are therefore seconds. At the
default rate some 10-15% of the targets due in the first minute are breached (the
simulation starts at midnight, when agents are slow but conversations few, so time is
compressed most), some 40% once the simulated morning is busy, ten minutes in. They
show how SLA numbers move, not what a real team should promise; docs/cli.md describes
them.
"""

from __future__ import annotations

import json
from pathlib import Path

from streams.testing.chatwoot_traffic import DEMO_ACCOUNT_BRANDS, demo_label_allowlists
from streams.testing.simulate import label_allowlists

OFFICE_HOURS = '["09:00-17:00"]'
DEMO_SLA = f"""
[calendars.office]
timezone = "UTC"
hours = {{ mon = {OFFICE_HOURS}, tue = {OFFICE_HOURS}, wed = {OFFICE_HOURS}, \
thu = {OFFICE_HOURS}, fri = {OFFICE_HOURS} }}

[[sla.policies]]
name = "urgent"
match = {{ priorities = ["urgent", "high"] }}
first_response_seconds = 15

[[sla.policies]]
name = "office-hours"
match = {{ priorities = ["low"] }}
first_response_seconds = 30
calendar = "office"

[[sla.policies]]
name = "standard"
first_response_seconds = 30
next_response_seconds = 45
resolution_seconds = 600
pause_on = ["pending", "on_hold"]
"""
"""Around the clock, high and urgent cycles are to be answered within 15 s, normal ones
within 30 s and each later answer within 45 s, and resolved within 600 s not counting
the time spent pending or on hold; low-priority cycles within 30 s of business time,
Monday to Friday 09:00-17:00 UTC: outside those hours their clocks stand still, so they
are met, never breached nor at risk."""


def demo_config_text(source: str = "simulator") -> str:
    """The `carepulse.toml` of the demo's worker (and gateway, with Chatwoot traffic)."""
    chatwoot = source == "chatwoot"
    values = demo_label_allowlists() if chatwoot else label_allowlists()
    allowlists = "".join(f"[{section}]\nallowlist = {json.dumps(list(listed))}\n"
                         for section, listed in values.items())
    accounts = "".join(f'{account} = "{brand}"\n' for account, brand in DEMO_ACCOUNT_BRANDS.items())
    bridge = f"[chatwoot.accounts]\n{accounts}" if chatwoot else ""
    return allowlists + "[metrics]\nagent_series = true\nteam_series = true\n" + bridge + DEMO_SLA


def write_demo_config(path: Path, source: str = "simulator") -> Path:
    path.write_text(demo_config_text(source), encoding="utf-8")
    return path
