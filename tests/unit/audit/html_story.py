"""A small hand-computed story for the HTML report tests (test_html_report.py and
test_html_in_chromium.py), replayed with `carepulse replay` over 10:00-12:00 UTC, whose
previous period is 08:00-10:00.

Previous period: p-1 (facebook) waits 20 min for a-1 and is resolved at 09:00; p-2 is
never answered. Range: c-1 (facebook, topic billing) answered by a-1 in 5 min with a
quick reply, resolved at 10:30, CSAT 5 and NPS 9; c-2 (x, a hostile topic) answered by a
hostile agent id after 1 h 23 min 20 s; c-3 (facebook) answered by a-1 in 10 min. One SLA
policy (first response 15 min, resolution 1 h) and a social cost of 3,600 EUR a month
(10 EUR for two hours: a month is 2,592,000 s)."""

from __future__ import annotations

from pathlib import Path

from streams.testing import Scenario

HOSTILE_TOPIC = "<script>alert(1)</script>"
HOSTILE_AGENT = '<b onmouseover="x()">evil</b>'
RANGE = ("2026-11-20T10:00:00Z", "2026-11-20T12:00:00Z")
CONFIG = """
[[sla.policies]]
name = "default"
first_response_seconds = 900
resolution_seconds = 3600

[savings.monthly]
tools = 3600.0
"""


def story() -> Scenario:
    s = Scenario()
    s.message("08:00", conversation="p-1")
    s.agent_reply("08:20", conversation="p-1")
    s.message("08:30", conversation="p-2")
    s.resolve("09:00", conversation="p-1")
    s.message("10:00", conversation="c-1", topic="billing")
    s.agent_reply("10:05", conversation="c-1", quick_reply="qr-hi")
    s.message("10:10", conversation="c-2", channel="x", topic=HOSTILE_TOPIC)
    s.resolve("10:30", conversation="c-1")
    s.survey("10:31", "csat", 5, conversation="c-1")
    s.survey("10:32", "nps", 9, conversation="c-1")
    s.message("11:00", conversation="c-3")
    s.agent_reply("11:10", conversation="c-3")
    s.agent_reply("11:33:20", conversation="c-2", channel="x", agent=HOSTILE_AGENT)
    return s


def write_story(directory: Path) -> tuple[Path, Path]:
    """The events file and the configuration file."""
    events, config = directory / "story.jsonl", directory / "story.toml"
    events.write_bytes(b"\n".join(story().lines()) + b"\n")
    config.write_text(CONFIG, encoding="utf-8")
    return events, config
