"""The event contract (docs/events.md): what is accepted, what is rejected and why."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas.events import (
    EVENT_TYPES,
    ConversationStatusChanged,
    MessageReceived,
    ReplySent,
    SaleAttributed,
)
from schemas.export import SCHEMA_PATH, render
from schemas.rejections import REJECT_REASONS, Rejection, parse_event

ENVELOPE = {
    "event_id": "e-1",
    "occurred_at": "2026-11-20T10:00:00Z",
    "conversation_id": "c-1",
    "channel": "facebook",
}
VALID: dict[str, dict[str, Any]] = {
    "message.received": {"customer_id": "u-9", "visibility": "public", "topic": "billing",
                         "tags": ["refund"], "sentiment": -0.6},
    "reply.sent": {"author_type": "agent", "agent_id": "a-7", "quick_reply": "qr-1"},
    "conversation.assigned": {"agent_id": "a-7", "team": "tier1"},
    "conversation.handoff": {},
    "conversation.resolved": {"resolved_by": "bot"},
    "conversation.reopened": {},
    "conversation.status_changed": {"status": "on_hold", "agent_id": "a-7"},
    "conversation.tagged": {"topic": "billing", "tags": ["vip"]},
    "survey.answered": {"survey": "nps", "score": 0},
    "sale.attributed": {"amount": 0, "currency": "EUR"},
}


def raw(type_: str, **changes: Any) -> bytes:
    event = {**ENVELOPE, "type": type_, **VALID[type_], **changes}
    return json.dumps({k: v for k, v in event.items() if v is not DROP}).encode()


DROP = object()


def rejected(record: bytes) -> Rejection:
    result = parse_event(record)
    assert isinstance(result, Rejection), result
    return result


def test_one_valid_example_of_every_type_is_accepted() -> None:
    assert set(VALID) == set(EVENT_TYPES)
    for type_ in EVENT_TYPES:
        event = parse_event(raw(type_))
        assert not isinstance(event, Rejection), (type_, event)
        assert event.type == type_


def test_defaults_and_ignored_extra_fields() -> None:
    event = parse_event(raw("message.received", visibility=DROP, future_field={"x": 1}))
    assert isinstance(event, MessageReceived)
    assert (event.brand, event.priority, event.visibility) == ("default", "normal", "private")


def test_offsets_are_kept_and_sale_amounts_accept_integers() -> None:
    event = parse_event(raw("sale.attributed", occurred_at="2026-11-20T11:00:00+01:00",
                            amount=12))
    assert isinstance(event, SaleAttributed)
    assert event.amount == 12.0
    assert event.occurred_at.utcoffset() is not None
    assert event.occurred_at.isoformat() == "2026-11-20T11:00:00+01:00"


def test_a_status_change_needs_no_agent_id() -> None:
    event = parse_event(raw("conversation.status_changed", status="pending", agent_id=DROP))
    assert isinstance(event, ConversationStatusChanged)
    assert (event.status, event.agent_id) == ("pending", None)


def test_bot_replies_need_no_agent_id() -> None:
    event = parse_event(raw("reply.sent", author_type="bot", agent_id=DROP))
    assert isinstance(event, ReplySent)
    assert event.agent_id is None


@pytest.mark.parametrize(
    ("record", "reason", "field"),
    [
        (b"{\"event_id\": ", "invalid_json", ""),
        (b"\xff\xfe{}", "invalid_utf8", ""),
        (b"[1, 2]", "not_an_object", ""),
        (b"42", "not_an_object", ""),
        (b"{}", "missing_field", "type"),
        (raw("message.received", type="message.sent"), "unknown_type", "type"),
        (raw("message.received", conversation_id=DROP), "missing_field", "conversation_id"),
        (raw("message.received", customer_id=DROP), "missing_field", "customer_id"),
        (raw("message.received", occurred_at="2026-11-20T10:00:00"), "invalid_field",
         "occurred_at"),
        (raw("message.received", occurred_at="yesterday"), "invalid_field", "occurred_at"),
        (raw("message.received", sentiment=1.5), "invalid_field", "sentiment"),
        (raw("message.received", sentiment="very"), "invalid_field", "sentiment"),
        (raw("message.received", tags=["ok", 3]), "invalid_field", "tags[1]"),
        (raw("message.received", event_id=""), "invalid_field", "event_id"),
        (raw("message.received", event_id="e" * 129), "invalid_field", "event_id"),
        (raw("message.received", channel="Facebook"), "invalid_field", "channel"),
        (raw("message.received", priority="asap"), "invalid_field", "priority"),
        (raw("message.received", visibility="secret"), "invalid_field", "visibility"),
        (raw("reply.sent", agent_id=DROP), "invalid_field", "agent_id"),
        (raw("reply.sent", agent_id=None), "invalid_field", "agent_id"),
        # a field's own error is reported before the agent_id rule, also a later field's
        (raw("reply.sent", agent_id=DROP, event_id=""), "invalid_field", "event_id"),
        (raw("reply.sent", agent_id=DROP, quick_reply=""), "invalid_field", "quick_reply"),
        (raw("reply.sent", author_type="human"), "invalid_field", "author_type"),
        (raw("conversation.resolved", resolved_by=DROP), "missing_field", "resolved_by"),
        (raw("conversation.status_changed", status=DROP), "missing_field", "status"),
        (raw("conversation.status_changed", status="closed"), "invalid_field", "status"),
        (raw("conversation.status_changed", agent_id=""), "invalid_field", "agent_id"),
        (raw("survey.answered", survey="csat", score=0), "invalid_field", "score"),
        (raw("survey.answered", survey="csat", score=6), "invalid_field", "score"),
        (raw("survey.answered", survey="nps", score=11), "invalid_field", "score"),
        (raw("survey.answered", score="9"), "invalid_field", "score"),
        (raw("survey.answered", score=9.5), "invalid_field", "score"),
        (raw("sale.attributed", amount=-1), "invalid_field", "amount"),
        (raw("sale.attributed", currency="eur"), "invalid_field", "currency"),
        (b"{\"pad\": \"" + b"x" * 70_000 + b"\"}", "too_large", ""),
    ],
)
def test_every_rule_rejects_with_its_reason_and_field(
    record: bytes, reason: str, field: str
) -> None:
    rejection = rejected(record)
    assert (rejection.reason, rejection.field) == (reason, field)


def test_every_reason_of_the_closed_set_is_reachable() -> None:
    # the parametrized cases above use each reason at least once
    assert set(REJECT_REASONS) == {
        "too_large", "invalid_utf8", "invalid_json", "not_an_object", "unknown_type",
        "missing_field", "invalid_field",
    }


def test_rejections_never_quote_the_offending_value() -> None:
    secret = "u-secret-customer-4711"
    for record in (
        raw("message.received", type=secret),
        raw("message.received", sentiment=secret),
        raw("message.received", occurred_at=secret),
        raw("reply.sent", author_type=secret),
    ):
        rejection = rejected(record)
        assert secret not in rejection.detail
        assert secret not in rejection.field


def test_the_exported_json_schema_matches_the_models() -> None:
    exported = SCHEMA_PATH.read_text(encoding="utf-8")
    assert exported == render(), "run `python -m schemas.export` and commit the result"
    schema = json.loads(exported)
    assert schema["discriminator"]["propertyName"] == "type"
    assert sorted(schema["discriminator"]["mapping"]) == sorted(EVENT_TYPES)


def test_the_size_limit_counts_the_record_not_its_line_break() -> None:
    record = json.dumps({"pad": "x" * (1024 - 11)}).encode()
    assert len(record) == 1024
    assert parse_event(record + b"\n", max_record_bytes=1024) == Rejection(
        "missing_field", "type", "field required"
    )
    assert parse_event(record + b"x", max_record_bytes=1024) == Rejection(
        "too_large", "", "record of 1025 bytes > 1024"
    )
