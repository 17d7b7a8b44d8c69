"""Conversation ids, accounts, inboxes, brands and channels of Chatwoot deliveries."""

from __future__ import annotations

import orjson
import pytest

from streams.bridge.settings import ChatwootSettings, InboxSettings
from streams.testing.chatwoot_traffic import scenario_deliveries
from tests.unit.bridge.chatwoot_support import KEY, SETTINGS, fixture, only_event, run


def test_the_conversation_id_includes_the_account_display_ids_repeat_across_accounts() -> None:
    first, second = fixture("message_created_incoming"), fixture("message_created_incoming")
    second["account"]["id"] = 4
    assert [only_event(p)["conversation_id"] for p in (first, second)] == [
        "chatwoot:3:42", "chatwoot:4:42"]


def test_a_conversation_delivery_takes_its_account_from_its_last_message() -> None:
    payload = fixture("conversation_status_changed")
    payload["messages"][0]["account_id"] = 9
    assert only_event(payload)["conversation_id"] == "chatwoot:9:42"


def test_a_conversation_without_messages_takes_its_account_from_its_listed_inbox() -> None:
    payload = fixture("conversation_status_changed")
    payload["messages"] = []
    settings = ChatwootSettings(KEY, inboxes={11: InboxSettings(account=3)})
    assert only_event(payload, settings)["conversation_id"] == "chatwoot:3:42"
    rejected = run(payload).rejected
    assert rejected is not None
    assert (rejected.reason, rejected.field) == ("missing_field", "account.id")


def test_brand_comes_from_the_inbox_then_the_account_then_default() -> None:
    payload = fixture("message_created_incoming")
    by_account = ChatwootSettings(KEY, accounts={3: "acme"})
    by_inbox = ChatwootSettings(KEY, accounts={3: "acme"},
                                inboxes={11: InboxSettings(brand="acme-whatsapp")})
    assert [only_event(payload, s)["brand"] for s in (SETTINGS, by_account, by_inbox)] == [
        "default", "acme", "acme-whatsapp"]


@pytest.mark.parametrize(("settings", "reason", "field"), [
    (ChatwootSettings(KEY, accounts={4: "other"}), "unknown_account", "account.id"),
    (ChatwootSettings(KEY, inboxes={12: InboxSettings()}), "unknown_inbox", "inbox.id"),
    (ChatwootSettings(KEY, inboxes={11: InboxSettings(account=4)}), "unknown_inbox", "inbox.id"),
])
def test_a_delivery_of_an_unlisted_account_or_inbox_is_rejected(
    settings: ChatwootSettings, reason: str, field: str
) -> None:
    for name in ("message_created_incoming", "message_updated_csat"):
        rejected = run(fixture(name), settings).rejected
        assert rejected is not None
        assert (rejected.reason, rejected.field) == (reason, field)


def test_an_unlisted_inbox_of_a_conversation_delivery_is_named_by_its_field() -> None:
    rejected = run(fixture("conversation_status_changed"),
                   ChatwootSettings(KEY, inboxes={12: InboxSettings()})).rejected
    assert rejected is not None
    assert (rejected.reason, rejected.field, rejected.detail) == (
        "unknown_inbox", "inbox_id", "inbox 11 is not listed in [chatwoot.inboxes]")


@pytest.mark.parametrize(("channel_type", "channel"), [
    ("Channel::FacebookPage", "facebook"),
    ("Channel::Instagram", "instagram"),
    ("Channel::TwitterProfile", "x"),
    ("Channel::Whatsapp", "whatsapp"),
    ("Channel::Tiktok", "tiktok"),
    ("Channel::Telegram", "telegram"),
    ("Channel::WebWidget", "webwidget"),
    ("Channel::Email", "email"),
    ("Channel::TwilioSms", "twiliosms"),
])
def test_the_channel_comes_from_the_inbox_channel_type(channel_type: str, channel: str) -> None:
    payload = fixture("message_created_incoming")
    payload["conversation"]["channel"] = channel_type
    assert only_event(payload)["channel"] == channel


def test_an_instagram_conversation_of_a_facebook_page_inbox_is_instagram() -> None:
    payload = fixture("message_created_incoming")
    payload["conversation"]["channel"] = "Channel::FacebookPage"
    payload["conversation"]["additional_attributes"] = {"type": "instagram_direct_message"}
    assert only_event(payload)["channel"] == "instagram"


def test_configured_channel_names_win() -> None:
    payload = fixture("message_created_incoming")
    payload["conversation"]["channel"] = "Channel::Api"
    settings = ChatwootSettings(KEY, channel_names={"Channel::Api": "webchat"})
    assert [only_event(payload, s)["channel"] for s in (SETTINGS, settings)] == ["api", "webchat"]


def test_a_redelivered_webhook_yields_the_same_events_and_ids() -> None:
    """Chatwoot retries with a new timestamp header but the same body: same events."""
    for delivery in scenario_deliveries():
        body = orjson.dumps(delivery)
        assert run(orjson.loads(body)) == run(orjson.loads(body))


def test_a_message_event_id_depends_on_chatwoot_ids_only() -> None:
    """The conversation's state inside a message delivery (last activity, unread count,
    updated_at) differs between two deliveries of one message: the id does not."""
    first, later = fixture("message_created_agent_reply"), fixture("message_created_agent_reply")
    later["conversation"].update(unread_count=3, timestamp=1_795_170_000, updated_at=1.8e9)
    assert only_event(first)["event_id"] == only_event(later)["event_id"] == (
        "chatwoot:3:42:message:5004")
    later["id"] = 5005
    assert only_event(later)["event_id"] == "chatwoot:3:42:message:5005"


def test_a_conversation_event_id_is_its_type_and_change_time_in_microseconds() -> None:
    payload = fixture("conversation_status_changed")
    payload["updated_at"] = 1_795_165_330.000001
    assert only_event(payload)["event_id"] == "chatwoot:3:42:conversation.handoff:1795165330000001"


def test_every_mapped_event_of_the_scenario_has_its_own_id() -> None:
    ids = [event["event_id"] for delivery in scenario_deliveries()
           for event in run(delivery).events]
    assert len(ids) == len(set(ids)) == 13


def test_records_are_the_events_keyed_by_conversation_for_the_input_topic() -> None:
    translation = run(fixture("conversation_updated_labels"))
    assert translation.records() == [
        (b"chatwoot:3:43", orjson.dumps(event)) for event in translation.events]
    assert [orjson.loads(value)["type"] for _, value in translation.records()] == [
        "conversation.tagged"]
