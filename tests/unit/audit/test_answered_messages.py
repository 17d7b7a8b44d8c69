"""`answered_messages` (docs/kpis.md section 3): an inbound message of the range is
answered by ANY later-arriving reply of its conversation that occurred before `to`, even
when a reply stamped after `to` arrived first. Through `carepulse replay` in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streams.cli.main import main
from streams.testing import Scenario

RANGE = ("--from", "2026-12-01T00:00:00Z", "--to", "2027-01-01T00:00:00Z")
NO_STATS = {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}


def replayed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, story: Scenario, *options: str
) -> dict[str, Any]:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in story.lines()))
    code = main(["replay", "--input", str(path), *options])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    report: dict[str, Any] = json.loads(captured.out)
    return report


def late_agent_reply_then_bot_reply() -> Scenario:
    """The defect's file, in this line order: the message 6 minutes before `to`, an agent
    reply stamped 5 days after `to`, then a bot reply stamped before `to`."""
    s = Scenario()
    s.message("2026-12-31T23:53:54Z")
    s.agent_reply("2027-01-05T14:00:25Z", agent="a-7")
    s.bot_reply("2026-12-31T23:58:00Z")
    return s


def test_a_reply_before_to_arriving_after_one_stamped_after_to_answers_the_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = replayed(capsys, tmp_path, late_agent_reply_then_bot_reply(), *RANGE)
    assert report["range"] == {"from": "2026-12-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}
    assert report["events"] == {"read": 3, "accepted": 3, "rejected": 0, "duplicates": 0,
                                "ignored": 0, "out_of_order": 0}
    expected = {
        "messages_received": 1,
        "replies_sent": 1,  # the bot's; the agent's lies after `to`
        "replies_by_author": {"agent": 0, "bot": 1, "automation": 0},
        "answered_messages": 1,
        "response_rate": 1.0,
        "conversations_opened": 1,
        "conversations_reopened": 0,
        "conversations_resolved": 0,
        "resolution_rate": 0.0,
        "first_response_seconds": NO_STATS,  # the agent's reply gives it, after `to`
        "reply_wait_seconds": NO_STATS,
        "resolution_seconds": NO_STATS,
    }
    for section in (report["totals"], report["by_channel"]["facebook"]):
        assert {key: section[key] for key in expected} == expected
    assert list(report["by_channel"]) == ["facebook"]
    assert report["agents"] == {}  # a-7 replied after `to` only
    assert report["savings"]["resolved_on_social"] == 0


def test_without_a_range_the_first_reply_answers_and_gives_the_agent_its_sample(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = replayed(capsys, tmp_path, late_agent_reply_then_bot_reply())
    totals = report["totals"]
    assert (totals["answered_messages"], totals["response_rate"]) == (1, 1.0)
    assert totals["replies_by_author"] == {"agent": 1, "bot": 1, "automation": 0}
    # 2027-01-05T14:00:25 - 2026-12-31T23:53:54 = 4 days 14:06:31
    assert totals["first_response_seconds"]["max"] == 4 * 86_400 + 14 * 3600 + 6 * 60 + 31
    assert report["agents"]["a-7"]["first_responses"] == 1


def test_a_message_followed_only_by_replies_after_to_is_not_answered(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    s = Scenario()
    s.message("2026-12-31T23:53:54Z")
    s.agent_reply("2027-01-05T14:00:25Z")
    s.bot_reply("2027-01-01T00:00:00Z")  # `to` itself is outside the range
    totals = replayed(capsys, tmp_path, s, *RANGE)["totals"]
    assert (totals["messages_received"], totals["answered_messages"]) == (1, 0)
    assert totals["response_rate"] == 0.0


def test_a_reply_before_to_answers_only_the_messages_that_arrived_before_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Followed means in arrival order: the 23:59 message came after the bot reply
    (stamped 23:58), and the only reply after it is stamped after `to`."""
    s = Scenario()
    s.message("2026-12-31T23:53:54Z")
    s.agent_reply("2027-01-05T14:00:25Z")
    s.bot_reply("2026-12-31T23:58:00Z")
    s.message("2026-12-31T23:59:00Z")
    s.agent_reply("2027-01-02T09:00:00Z")
    totals = replayed(capsys, tmp_path, s, *RANGE)["totals"]
    assert (totals["messages_received"], totals["answered_messages"]) == (2, 1)
    assert totals["response_rate"] == 0.5
