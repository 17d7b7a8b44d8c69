"""message_created / message_updated deliveries (fixtures built field for field from
Chatwoot's Message#webhook_data) map to exactly these events."""

from __future__ import annotations

import pytest

from tests.unit.bridge.chatwoot_support import CUSTOMER_901, ENVELOPE_42, fixture, only_event, run


def test_an_incoming_customer_message_is_message_received_with_a_pseudonymous_customer() -> None:
    assert only_event(fixture("message_created_incoming")) == {
        "event_id": "chatwoot:3:42:message:5001", "type": "message.received",
        "occurred_at": "2026-11-20T09:00:00.000000Z", **ENVELOPE_42,
        "customer_id": CUSTOMER_901, "visibility": "private",
    }


def test_the_customer_id_holds_no_contact_field_nor_the_raw_id() -> None:
    payload = fixture("message_created_incoming")
    customer = only_event(payload)["customer_id"]
    sender = payload["sender"]
    for value in (sender["name"], sender["phone_number"], "901"):
        assert value not in customer


def test_an_agent_reply_names_the_agent_and_the_conversation_team() -> None:
    assert only_event(fixture("message_created_agent_reply")) == {
        "event_id": "chatwoot:3:42:message:5004", "type": "reply.sent",
        "occurred_at": "2026-11-20T09:05:10.500000Z", **ENVELOPE_42, "visibility": "private",
        "author_type": "agent", "agent_id": "chatwoot:user:7", "team": "billing",
    }


def test_an_agent_bot_reply_is_a_bot_reply() -> None:
    event = only_event(fixture("message_created_bot_reply"))
    assert (event["type"], event["author_type"], "agent_id" in event) == (
        "reply.sent", "bot", False)


@pytest.mark.parametrize(
    "name", ["message_created_template_csat", "message_created_automation_rule"])
def test_template_and_automation_rule_messages_are_automation_replies(name: str) -> None:
    event = only_event(fixture(name))
    assert (event["type"], event["author_type"]) == ("reply.sent", "automation")


def test_a_campaign_message_of_an_agent_is_an_automation_reply() -> None:
    payload = fixture("message_created_agent_reply")
    payload["additional_attributes"] = {"campaign_id": 4}
    assert only_event(payload)["author_type"] == "automation"


def test_an_outgoing_message_without_sender_is_an_automation_reply() -> None:
    payload = fixture("message_created_agent_reply")
    payload["sender"] = None
    assert only_event(payload)["author_type"] == "automation"


@pytest.mark.parametrize(("name", "reason"), [
    ("message_created_private_note", "private note"),
    ("message_created_activity", "activity message"),
    ("message_updated_edit", "message_updated maps only a CSAT survey answer"),
])
def test_private_notes_activity_and_edits_map_to_nothing(name: str, reason: str) -> None:
    translation = run(fixture(name))
    assert (translation.outcome, translation.ignored, translation.events) == (
        "ignored", reason, ())


def test_a_csat_answer_is_survey_answered_at_the_conversation_update_time() -> None:
    assert only_event(fixture("message_updated_csat")) == {
        "event_id": "chatwoot:3:42:csat:5008", "type": "survey.answered",
        "occurred_at": "2026-11-20T09:20:00.000000Z", **ENVELOPE_42,
        "survey": "csat", "score": 4,
    }


def test_a_csat_survey_not_yet_answered_maps_to_nothing() -> None:
    payload = fixture("message_updated_csat")
    payload["content_attributes"] = {}
    assert run(payload).ignored == "CSAT survey message without an answer"


@pytest.mark.parametrize("rating", [0, 6, "5", True, 4.5])
def test_a_csat_rating_outside_1_to_5_is_rejected_naming_the_field(rating: object) -> None:
    payload = fixture("message_updated_csat")
    payload["content_attributes"]["submitted_values"]["csat_survey_response"]["rating"] = rating
    rejected = run(payload).rejected
    assert rejected is not None
    assert (rejected.reason, rejected.field) == (
        "invalid_field", "content_attributes.submitted_values.csat_survey_response.rating")


def test_a_tweet_is_public_and_so_are_its_replies() -> None:
    incoming, reply = fixture("message_created_incoming"), fixture("message_created_agent_reply")
    for payload in (incoming, reply):
        payload["conversation"]["channel"] = "Channel::TwitterProfile"
        payload["conversation"]["additional_attributes"] = {"type": "tweet"}
    assert [only_event(p)["visibility"] for p in (incoming, reply)] == ["public", "public"]
    assert only_event(incoming)["channel"] == "x"


def test_the_message_type_may_come_as_chatwoots_enum_index() -> None:
    payload = fixture("message_created_incoming")
    payload["message_type"] = 0
    assert only_event(payload)["type"] == "message.received"


def test_rails_older_time_format_is_read() -> None:
    payload = fixture("message_created_incoming")
    payload["created_at"] = "2026-11-20 09:00:00 UTC"
    assert only_event(payload)["occurred_at"] == "2026-11-20T09:00:00.000000Z"


def test_a_contact_sender_without_type_still_identifies_the_customer() -> None:
    payload = fixture("message_created_incoming")
    del payload["sender"]["type"]
    assert only_event(payload)["customer_id"] == CUSTOMER_901


def test_without_a_sender_the_customer_is_the_conversations_contact() -> None:
    payload = fixture("message_created_incoming")
    payload["sender"] = None
    assert only_event(payload)["customer_id"] == CUSTOMER_901
