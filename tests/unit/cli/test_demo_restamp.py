"""The demo's pure pieces: restamping simulated events to the wall clock, and the
durations its summary shows."""

from __future__ import annotations

import orjson
import pytest

from streams.cli.demo.summary import format_duration
from streams.cli.demo.traffic import Restamper
from streams.kpi.timeutil import parse_iso_us
from streams.testing.simulate import generate_lines


def test_restamping_moves_valid_events_to_now_and_leaves_bad_lines_alone() -> None:
    restamp = Restamper()
    now_us = parse_iso_us("2030-01-02T03:04:05.678901Z")
    valid = b'{"a":1,"occurred_at":"2026-11-02T00:00:01+01:00","type":"x"}'
    stamped = restamp(valid, now_us)
    assert stamped == b'{"a":1,"occurred_at":"2030-01-02T03:04:05.678901Z","type":"x"}'
    assert restamp(valid, now_us + 5) == stamped  # an exact re-send stays exact
    naive = b'{"occurred_at":"2026-11-02T00:00:01","type":"x"}'
    truncated = b'{"occurred_at":"2026-11-02T00:0'
    assert restamp(naive, now_us) == naive
    assert restamp(truncated, now_us) == truncated


def test_restamped_simulation_keeps_every_valid_line_valid_and_in_order() -> None:
    restamp = Restamper()
    stamped = [restamp(line, 1_000_000 * i) for i, line in enumerate(generate_lines(2000, 3))]
    instants = [parse_iso_us(orjson.loads(line)["occurred_at"]) for line in stamped]
    assert instants == sorted(instants)
    assert all(line.count(b'"occurred_at":"1970-01-01T') == 1 for line in stamped)


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "-"), (0.4, "0s"), (59, "59s"), (60, "1m"), (185, "3m05s"), (3600, "1h"),
    (7620, "2h07m"), (86400, "24h"),
])
def test_durations_are_short_and_exact_to_the_unit_shown(
    seconds: float | None, text: str
) -> None:
    assert format_duration(seconds) == text
