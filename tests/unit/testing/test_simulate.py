"""Tests of the synthetic traffic generator (streams/testing/simulate.py).

The contract checks below are a small stand-alone reading of docs/events.md, independent of the
project's schema module on purpose.
"""

import itertools
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from streams.testing.simulate import generate_lines, write_file

ENVELOPE = ("event_id", "type", "occurred_at", "conversation_id", "channel")
TYPES = {"message.received", "reply.sent", "conversation.assigned", "conversation.handoff",
         "conversation.resolved", "conversation.reopened", "conversation.status_changed",
         "conversation.tagged", "survey.answered", "sale.attributed"}
SCORE_RANGE = {"csat": (1, 5), "nps": (0, 10)}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _type_error(event: dict[str, Any]) -> str | None:
    """Rule broken by the type-specific fields of `event`, or None."""
    kind = event["type"]
    sentiment = event.get("sentiment", 0.0)
    if kind == "message.received" and (
            not isinstance(event.get("customer_id"), str)
            or event.get("visibility", "private") not in ("public", "private")
            or not _is_number(sentiment) or not -1 <= sentiment <= 1):
        return "message"
    if kind == "reply.sent" and (
            event.get("author_type") not in ("agent", "bot", "automation")
            or (event["author_type"] == "agent" and not isinstance(event.get("agent_id"), str))):
        return "reply"
    if kind == "conversation.assigned" and not isinstance(event.get("agent_id"), str):
        return "assigned"
    if kind == "conversation.resolved" and event.get("resolved_by") not in ("agent", "bot", "auto"):
        return "resolved"
    if kind == "conversation.status_changed" and (
            event.get("status") not in ("open", "pending", "on_hold")
            or not isinstance(event.get("agent_id", ""), str)):
        return "status"
    if kind == "survey.answered":
        low, high = SCORE_RANGE.get(event.get("survey", ""), (1, 0))
        score = event.get("score")
        if not isinstance(score, int) or isinstance(score, bool) or not low <= score <= high:
            return "survey"
    if kind == "sale.attributed" and (
            not _is_number(event.get("amount")) or event["amount"] < 0
            or not re.fullmatch(r"[A-Z]{3}", str(event.get("currency")))):
        return "sale"
    return None


def contract_error(line: bytes) -> str | None:
    """Why `line` breaks the event contract, or None for a valid event."""
    try:
        event = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return "not_utf8"
    except ValueError:
        return "not_json"
    if not isinstance(event, dict):
        return "not_object"
    if not event:
        return "empty"
    for field in ENVELOPE:
        if not isinstance(event.get(field), str) or not 1 <= len(event[field]) <= 128:
            return f"missing_{field}"
    if event["type"] not in TYPES:
        return "unknown_type"
    if event["channel"] != event["channel"].lower():
        return "channel"
    if event.get("priority", "normal") not in ("low", "normal", "high", "urgent"):
        return "priority"
    try:
        occurred_at = datetime.fromisoformat(event["occurred_at"])
    except ValueError:
        return "timestamp"
    if occurred_at.tzinfo is None:
        return "naive_timestamp"
    return _type_error(event)


def _events(lines: list[bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if contract_error(line) is None]


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first = list(generate_lines(3000, 7, 0.02))
    assert list(generate_lines(3000, 7, 0.02)) == first
    path = tmp_path / "sim.jsonl"
    assert write_file(path, 3000, 7, 0.02) == 3000
    assert path.read_bytes() == b"".join(line + b"\n" for line in first)


def test_different_seed_gives_different_lines() -> None:
    assert list(generate_lines(500, 7)) != list(generate_lines(500, 8))
    assert list(generate_lines(500, 7, 0.1)) != list(generate_lines(500, 8, 0.1))


@pytest.mark.parametrize("events", [0, 1, 2, 999, 2500])
def test_exact_line_count(tmp_path: Path, events: int) -> None:
    assert sum(1 for _ in generate_lines(events, 3, 0.1)) == events
    path = tmp_path / "count.jsonl"
    assert write_file(path, events, 3, 0.1) == events
    assert path.read_bytes().count(b"\n") == events


@pytest.mark.parametrize(("events", "bad_fraction", "bad_lines"),
                         [(1000, 0.05, 50), (1000, 0.0, 0), (333, 0.1, 33), (200, 1.0, 200),
                          (10, 0.25, 2)])
def test_exact_number_of_malformed_lines(events: int, bad_fraction: float,
                                         bad_lines: int) -> None:
    lines = list(generate_lines(events, 7, bad_fraction))
    errors = [contract_error(line) for line in lines]
    assert sum(error is not None for error in errors) == bad_lines
    assert len(lines) == events


def test_malformed_lines_are_spread_and_of_many_kinds() -> None:
    lines = list(generate_lines(4000, 11, 0.25))
    errors = [contract_error(line) for line in lines]
    bad_positions = [index for index, error in enumerate(errors) if error is not None]
    assert len(bad_positions) == 1000
    assert bad_positions[0] < 100
    assert bad_positions[-1] > 3900
    kinds = Counter(error.split("_")[0] if error.startswith("missing") else error
                    for error in errors if error is not None)
    assert set(kinds) == {"not_json", "not_utf8", "not_object", "unknown_type", "missing",
                          "naive_timestamp", "survey", "message", "sale", "empty", "reply"}


def test_valid_lines_are_a_prefix_of_the_clean_stream() -> None:
    mixed = list(generate_lines(1000, 7, 0.05))
    valid = [line for line in mixed if contract_error(line) is None]
    assert valid == list(generate_lines(950, 7))


def test_no_line_holds_a_newline_byte() -> None:
    lines = list(generate_lines(3000, 5, 0.3))
    assert [line for line in lines if b"\n" in line or b"\r" in line] == []
    assert all(line for line in lines)


def test_every_valid_line_has_envelope_and_offset_aware_time() -> None:
    lines = list(generate_lines(5000, 7))
    assert [contract_error(line) for line in lines if contract_error(line)] == []
    stamps = [json.loads(line)["occurred_at"] for line in lines]
    assert all(datetime.fromisoformat(stamp).tzinfo is not None for stamp in stamps)
    assert stamps[0] == "2026-11-02T00:00:17Z"
    assert sum(stamp.endswith("+01:00") for stamp in stamps) == 265
    assert sum("." in stamp for stamp in stamps) == 1510


def test_event_type_mix_in_5000_events() -> None:
    counts = Counter(event["type"] for event in _events(list(generate_lines(5000, 7))))
    assert counts == {"reply.sent": 1538, "message.received": 1510,
                      "conversation.assigned": 758, "conversation.resolved": 557,
                      "conversation.status_changed": 187, "conversation.tagged": 167,
                      "conversation.handoff": 140, "survey.answered": 119,
                      "sale.attributed": 18, "conversation.reopened": 6}


def test_occurred_at_never_decreases() -> None:
    events = _events(list(generate_lines(20_000, 7, 0.05)))
    instants = [datetime.fromisoformat(event["occurred_at"]) for event in events]
    assert all(earlier <= later for earlier, later in itertools.pairwise(instants))
    assert len(events) == 19_000


def test_duplicates_are_exact_resends_and_ids_are_otherwise_unique() -> None:
    lines = list(generate_lines(20_000, 7))
    resends = sum(1 for earlier, later in itertools.pairwise(lines) if earlier == later)
    assert resends == 43
    ids = Counter(json.loads(line)["event_id"] for line in lines)
    assert len(ids) == 20_000 - resends
    assert max(ids.values()) == 2


def test_conversations_are_consistent() -> None:
    by_conversation: dict[str, list[dict[str, Any]]] = {}
    for event in _events(list(generate_lines(20_000, 7))):
        by_conversation.setdefault(event["conversation_id"], []).append(event)
    assert len(by_conversation) == 3059
    for events in by_conversation.values():
        assert events[0]["type"] == "message.received"
        assert len({(e["channel"], e["brand"], e.get("priority")) for e in events}) == 1
        assert len({e["customer_id"] for e in events if "customer_id" in e}) == 1
        kinds = [f"{e['type']}/{e.get('author_type', '')}" for e in events]
        if "conversation.handoff/" in kinds:
            assert kinds.index("reply.sent/bot") < kinds.index("conversation.handoff/")
        if "reply.sent/agent" in kinds:
            assert kinds.index("conversation.assigned/") < kinds.index("reply.sent/agent")
    agent_ids = {event["agent_id"] for group in by_conversation.values() for event in group
                 if "agent_id" in event}
    assert agent_ids <= {f"a-{number:03d}" for number in range(1, 41)}
    assert len(agent_ids) == 40


def test_traffic_mix_is_realistic() -> None:
    events = _events(list(generate_lines(40_000, 7)))
    channels = Counter(event["channel"] for event in events)
    assert set(channels) == {"facebook", "instagram", "x", "whatsapp", "linkedin", "tiktok",
                             "youtube", "threads"}
    authors = Counter(e["author_type"] for e in events if e["type"] == "reply.sent")
    assert set(authors) == {"agent", "bot", "automation"}
    assert authors["agent"] > authors["bot"] > authors["automation"]
    resolved_by = Counter(e["resolved_by"] for e in events if e["type"] == "conversation.resolved")
    assert set(resolved_by) == {"agent", "bot", "auto"}
    surveys = {e["survey"] for e in events if e["type"] == "survey.answered"}
    assert surveys == {"csat", "nps"}
    currencies = Counter(e["currency"] for e in events if e["type"] == "sale.attributed")
    assert currencies.most_common(1)[0][0] == "EUR"
    assert any(e.get("quick_reply") == "qr-greeting" for e in events)
    assert sum("sentiment" in e for e in events) > 0


@pytest.mark.parametrize(("events", "bad_fraction"), [(-1, 0.0), (10, -0.1), (10, 1.5)])
def test_rejects_bad_arguments(events: int, bad_fraction: float) -> None:
    with pytest.raises(ValueError, match="bad_fraction"):
        next(generate_lines(events, 1, bad_fraction))


def _conversations(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_conversation: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_conversation.setdefault(event["conversation_id"], []).append(event)
    return by_conversation


def test_working_status_changes_follow_the_agents_work() -> None:
    """`pending` right after an agent reply (a question; a tag or a reassignment may come
    between), ended by the customer's message or a resolution; `on_hold` only for
    delivery and returns (the carrier), set back to `open` by the agent before the next
    agent reply; each change names the conversation's assignee."""
    events = _events(list(generate_lines(40_000, 7)))
    statuses = Counter(e["status"] for e in events if e["type"] == "conversation.status_changed")
    assert statuses == {"pending": 1368, "on_hold": 148, "open": 42}
    ended: Counter[str] = Counter()
    for group in _conversations(events).values():
        topics = {e.get("topic") for e in group} - {None}
        status, work = "open", [e for e in group
                                if e["type"] not in ("conversation.tagged",
                                                     "conversation.assigned")]
        for earlier, event in itertools.pairwise(work):
            kind = event["type"]
            if kind == "conversation.status_changed":
                assignments = [e for e in group[:group.index(event)]
                               if e["type"] == "conversation.assigned"]
                assert event["agent_id"] == assignments[-1]["agent_id"]
                if event["status"] == "open":
                    assert status == "on_hold"
                else:
                    assert (earlier["type"], earlier.get("author_type")) == ("reply.sent",
                                                                              "agent")
                if event["status"] == "on_hold":
                    assert topics <= {"delivery", "returns"}  # some name no topic
                status = event["status"]
                continue
            assert not (kind == "reply.sent" and status == "on_hold")
            if kind in ("message.received", "conversation.resolved"):
                if status == "pending":
                    ended[kind] += 1
                status = "open"
    assert ended == {"message.received": 1084, "conversation.resolved": 2}


def test_assignments_name_teams_and_some_reassign() -> None:
    """Every assignment and agent reply names one of the three teams; after the first
    assignment, most go to another agent (reassignments), a few to the same one again,
    and some escalate the case to tier 2."""
    events = _events(list(generate_lines(40_000, 7)))
    teams = Counter(e["team"] for e in events if "team" in e)
    assert set(teams) == {"tier1", "tier2", "sales"}
    assert all("team" in e for e in events if e["type"] == "conversation.assigned"
               or e.get("author_type") == "agent")
    kinds: Counter[str] = Counter()
    for group in _conversations(events).values():
        assignee, team = None, None
        for event in group:  # a reopened cycle keeps its assignee
            if event["type"] != "conversation.assigned":
                continue
            if assignee is not None:
                kinds["same agent" if event["agent_id"] == assignee else "another agent"] += 1
                if event["team"] != team:
                    kinds[f"to {event['team']}"] += 1
            assignee, team = event["agent_id"], event["team"]
    assert kinds == {"another agent": 206, "same agent": 19, "to tier2": 42}
