"""Bodies as an attacker (or a broken sender) would send them: a clean rejection with a
reason and a field, never an exception, never the input quoted back."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.bridge.chatwoot import MAX_BODY_BYTES, translate
from streams.bridge.translation import BRIDGE_REASONS
from tests.unit.bridge.chatwoot_support import SETTINGS, fixture, run


@pytest.mark.parametrize(("body", "reason"), [
    (b"\xff\xfe{}", "invalid_utf8"),
    (b'{"event": "message_created", "content": "\xc3\x28"}', "invalid_utf8"),
    (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
    (b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "invalid_json"),
    (b"", "invalid_json"),
    (b'{"event": "message_created", "created_at": NaN}', "invalid_json"),
    (b"{", "invalid_json"),
    (b"[1, 2]", "not_an_object"),
    (b'"message_created"', "not_an_object"),
    (b"null", "not_an_object"),
    (b"{}", "missing_field"),
    (b'{"event": 7}', "invalid_field"),
    (b'{"event": "conversation_deleted"}', "unknown_event"),
    (b" " * (MAX_BODY_BYTES + 1), "too_large"),
])
def test_a_hostile_body_is_rejected_with_its_reason(body: bytes, reason: str) -> None:
    translation = translate(body, SETTINGS)
    assert translation.rejected is not None
    assert (translation.outcome, translation.rejected.reason, translation.events) == (
        "rejected", reason, ())


@pytest.mark.parametrize("event", [
    "conversation_created", "contact_created", "contact_updated", "webwidget_triggered",
    "inbox_created", "inbox_updated", "conversation_typing_on", "conversation_typing_off",
    "conversation_opened", "conversation_resolved",
])
def test_events_chatwoot_sends_that_carepulse_does_not_count_are_ignored(event: str) -> None:
    translation = translate(orjson.dumps({"event": event}), SETTINGS)
    assert (translation.outcome, translation.ignored) == ("ignored", f"{event} maps to no event")


@pytest.mark.parametrize("name", ["conversation_created", "contact_created"])
def test_the_fixtures_of_unmapped_events_are_ignored(name: str) -> None:
    assert run(fixture(name)).outcome == "ignored"


@pytest.mark.parametrize(("path", "value", "reason", "field"), [
    (("conversation",), [], "invalid_field", "conversation"),
    (("conversation",), None, "missing_field", "conversation"),
    (("account", "id"), True, "invalid_field", "account.id"),
    (("account", "id"), -1, "invalid_field", "account.id"),
    (("account", "id"), "1" * 40, "invalid_field", "account.id"),
    (("id",), 1.5, "invalid_field", "id"),
    (("created_at",), "yesterday", "invalid_field", "created_at"),
    (("created_at",), "2026-11-20T09:00:00", "invalid_field", "created_at"),
    (("created_at",), "1969-12-31T23:59:59Z", "invalid_field", "created_at"),
    (("created_at",), 1e300, "invalid_field", "created_at"),
    (("message_type",), "broadcast", "invalid_field", "message_type"),
    (("conversation", "channel"), 3, "invalid_field", "conversation.channel"),
    (("conversation", "channel"), "Channel::" + "A" * 80, "invalid_field", "conversation.channel"),
    (("sender",), "contact", "invalid_field", "sender"),
])
def test_an_ill_typed_field_is_rejected_naming_it(
    path: tuple[str, ...], value: Any, reason: str, field: str
) -> None:
    payload = fixture("message_created_incoming")
    holder = payload
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    rejected = translate(orjson.dumps(payload), SETTINGS).rejected
    assert rejected is not None
    assert (rejected.reason, rejected.field) == (reason, field)


def test_a_rejection_never_quotes_the_delivery() -> None:
    payload = fixture("message_created_incoming")
    payload["created_at"] = "Customer 901 +15550100901"
    rejected = run(payload).rejected
    assert rejected is not None
    assert "901" not in rejected.detail and "Customer" not in rejected.detail


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "event", "account", "conversation", "inbox", "sender", "meta",
                         "status", "changed_attributes", "messages", "channel", "created_at",
                         "updated_at", "message_type", "private", "content_type",
                         "content_attributes", "inbox_id", "assignee", "team"]),
        children, max_size=6),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(payload=json_values, event=st.sampled_from([
    "message_created", "message_updated", "conversation_status_changed",
    "conversation_updated"]))
def test_any_json_never_raises_and_every_outcome_is_well_formed(payload: Any, event: str) -> None:
    if isinstance(payload, dict):
        payload = {**payload, "event": event}
    translation = translate(json.dumps(payload).encode(), SETTINGS)
    if translation.rejected is not None:
        assert translation.rejected.reason in BRIDGE_REASONS
        assert translation.events == ()
    elif translation.ignored is None:
        assert translation.events


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_fixture_with_one_field_replaced_never_raises(data: st.DataObject) -> None:
    """Each fixture with one value anywhere in it replaced by arbitrary JSON."""
    name = data.draw(st.sampled_from([
        "message_created_incoming", "message_created_agent_reply", "message_updated_csat",
        "conversation_status_changed", "conversation_updated_assignee",
        "conversation_updated_labels"]))
    payload = fixture(name)
    holder: Any = payload
    while True:
        keys = list(holder) if isinstance(holder, dict) else list(range(len(holder)))
        key = data.draw(st.sampled_from(keys))
        child = holder[key]
        if not (isinstance(child, dict | list) and child) or data.draw(st.booleans()):
            holder[key] = data.draw(json_values)
            break
        holder = child
    translation = translate(json.dumps(payload).encode(), SETTINGS)
    assert translation.outcome in ("mapped", "ignored", "rejected")
