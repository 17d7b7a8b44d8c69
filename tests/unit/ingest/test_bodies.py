"""The body of POST /v1/events: JSON array or NDJSON, the worker's validation per event,
whole-body refusals in one line that quotes nothing of the body."""

from __future__ import annotations

import orjson
import pytest

from streams.ingest.bodies import BodyError, TooManyEvents, parse_body
from streams.testing import Scenario


def _events() -> list[bytes]:
    s = Scenario()
    s.message("10:00", "conv-1", event_id="e1")
    s.message("10:01", "conv-2", event_id="e2")
    return list(s.lines())


def test_an_array_and_ndjson_give_the_same_events_keyed_by_conversation() -> None:
    lines = _events()
    as_array = b"[" + b",".join(lines) + b"]"
    as_ndjson = b"\n" + b"\n\n".join(lines) + b"\n"
    for body in (as_array, as_ndjson):
        parsed = parse_body(body, max_events=10)
        assert [key for key, _ in parsed.accepted] == [b"conv-1", b"conv-2"]
        assert [orjson.loads(value) for _, value in parsed.accepted] == [
            orjson.loads(line) for line in lines]
        assert parsed.rejected == []
    # NDJSON lines go out byte for byte
    assert [value for _, value in parse_body(as_ndjson, 10).accepted] == lines


def test_each_rejected_event_has_its_index_reason_and_field() -> None:
    good = _events()[0]
    missing = orjson.dumps({**orjson.loads(good), "conversation_id": None})
    body = b"\n".join([b'{"type": "ticket.opened"}', good, missing, b"[1]", b"{"])
    parsed = parse_body(body, max_events=10)
    assert [(i, r.reason, r.field) for i, r in parsed.rejected] == [
        (0, "unknown_type", "type"),
        (2, "invalid_field", "conversation_id"),
        (3, "not_an_object", ""),
        (4, "invalid_json", ""),
    ]
    assert [key for key, _ in parsed.accepted] == [b"conv-1"]


@pytest.mark.parametrize(("body", "expected"), [
    (b"[" * 2000 + b"]" * 2000, "the body is not valid JSON (depth limit exceeded)"),
    (b'[{"a": "\xff"}]', "the body is not valid UTF-8 (at byte 8)"),
    (b"[1, 2", "the body is not valid JSON (unexpected end of data)"),
    (b"  \n\n ", "the body holds no event"),
])
def test_a_body_that_cannot_be_read_is_one_line_quoting_nothing(
    body: bytes, expected: str
) -> None:
    with pytest.raises(BodyError) as raised:
        parse_body(body, max_events=10)
    assert str(raised.value) == expected


def test_more_events_than_the_limit_is_refused_before_validating_any() -> None:
    body = b"\n".join([b"{}"] * 4)
    with pytest.raises(TooManyEvents) as raised:
        parse_body(body, max_events=3)
    assert str(raised.value) == ("4 events in one request; at most 3 "
                                 "([ingest] max_events_per_request): split the batch")
