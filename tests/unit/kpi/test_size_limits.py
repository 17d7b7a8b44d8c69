"""Per-field size limits, the record size limit (checked before any decoding), the
nesting depth and the value ranges that keep the core's integers finite."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas.events import (
    EARLIEST_OCCURRED_AT,
    MAX_ID_CHARS,
    MAX_LABEL_CHARS,
    MAX_NESTING_DEPTH,
    MAX_SALE_AMOUNT,
    MAX_TAGS,
)
from schemas.rejections import DEFAULT_MAX_RECORD_BYTES, Rejection, parse_event
from streams.config import CarePulseConfig

ENVELOPE = {"event_id": "e-1", "occurred_at": "2026-11-20T10:00:00Z",
            "conversation_id": "c-1", "channel": "x"}
TEN_MB = 10 * 1024 * 1024


def record(type_: str = "message.received", **fields: Any) -> bytes:
    body = {**ENVELOPE, "type": type_, "customer_id": "u-1", **fields}
    return json.dumps(body).encode()


def outcome(raw: bytes, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> tuple[str, str]:
    result = parse_event(raw, max_record_bytes)
    return (result.reason, result.field) if isinstance(result, Rejection) else ("ok", "")


@pytest.mark.parametrize(("type_", "field", "limit"), [
    ("message.received", "event_id", MAX_ID_CHARS),
    ("message.received", "conversation_id", MAX_ID_CHARS),
    ("message.received", "customer_id", MAX_ID_CHARS),
    ("conversation.assigned", "agent_id", MAX_ID_CHARS),
    ("message.received", "channel", MAX_LABEL_CHARS),
    ("message.received", "brand", MAX_LABEL_CHARS),
    ("message.received", "topic", MAX_LABEL_CHARS),
    ("conversation.assigned", "team", MAX_LABEL_CHARS),
    ("reply.sent", "quick_reply", MAX_LABEL_CHARS),
])
def test_each_text_field_accepts_its_limit_and_rejects_one_more(
    type_: str, field: str, limit: int
) -> None:
    extra = {"author_type": "bot"} if type_ == "reply.sent" else {}
    if type_ == "conversation.assigned":
        extra = {"agent_id": "a-1"}
    assert outcome(record(type_, **{**extra, field: "v" * limit})) == ("ok", "")
    assert outcome(record(type_, **{**extra, field: "v" * (limit + 1)})) == (
        "invalid_field", field)


def test_tags_are_limited_in_number_and_length() -> None:
    assert outcome(record(tags=["t"] * MAX_TAGS)) == ("ok", "")
    assert outcome(record(tags=["t"] * (MAX_TAGS + 1))) == ("invalid_field", "tags")
    long_tag = ["t", "v" * (MAX_LABEL_CHARS + 1)]
    assert outcome(record(tags=long_tag)) == ("invalid_field", "tags[1]")


def test_a_ten_megabyte_event_id_is_rejected_by_the_record_size_before_decoding() -> None:
    huge = record(event_id="e" * TEN_MB)
    assert outcome(huge) == ("too_large", "")
    # Not decoded: broken JSON and bytes that are not UTF-8 after the limit change nothing.
    cut_and_broken = huge[: DEFAULT_MAX_RECORD_BYTES + 1] + b"\xff"
    assert outcome(cut_and_broken) == ("too_large", "")
    # With the largest record limit one can configure, the field limit still refuses it.
    largest = CarePulseConfig.model_validate({"limits": {"max_record_bytes": 16 * 1024 * 1024}})
    assert outcome(huge, largest.limits.max_record_bytes) == ("invalid_field", "event_id")


def nested(levels: int) -> bytes:
    """A valid event with an ignored extra field of `levels` nested arrays."""
    return record()[:-1] + b', "extra": ' + b"[" * levels + b"]" * levels + b"}"


def test_nesting_deeper_than_the_limit_is_invalid_json() -> None:
    assert outcome(nested(MAX_NESTING_DEPTH)) == ("ok", "")
    assert outcome(nested(MAX_NESTING_DEPTH + 1)) == ("invalid_json", "")
    assert outcome(nested(MAX_NESTING_DEPTH * 50)) == ("invalid_json", "")


@pytest.mark.parametrize(("occurred_at", "accepted"), [
    ("1970-01-01T00:00:00Z", True),
    ("1970-01-01T00:59:59+01:00", False),
    ("2099-12-31T23:59:59.999999Z", True),
    ("2100-01-01T00:59:59+01:00", True),
    ("2100-01-01T00:00:00Z", False),
    ("9999-12-31T23:59:59-23:59", False),
    ("0001-01-01T00:00:00+23:59", False),
])
def test_event_times_lie_in_the_supported_years(occurred_at: str, accepted: bool) -> None:
    expected = ("ok", "") if accepted else ("invalid_field", "occurred_at")
    assert outcome(record(occurred_at=occurred_at)) == expected
    assert EARLIEST_OCCURRED_AT.year == 1970


def test_sale_amounts_are_bounded() -> None:
    sale = {"amount": MAX_SALE_AMOUNT, "currency": "EUR"}
    assert outcome(record("sale.attributed", **sale)) == ("ok", "")
    for amount in (MAX_SALE_AMOUNT * 1.0001, 1e308):
        assert outcome(record("sale.attributed", **{**sale, "amount": amount})) == (
            "invalid_field", "amount")
