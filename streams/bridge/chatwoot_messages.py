"""`message_created` and `message_updated` deliveries (`Message#webhook_data`).

A public incoming message is the customer writing: `message.received`. An outgoing
message is a reply: by an agent when a user (`sender.type` `user`) sent it by hand, by a
bot when an agent bot (or any other non-user sender) did, by an automation when it is a
template message, has no sender, or was sent by an automation rule or a campaign (the
same test as Chatwoot's own `human_response?`). Private notes and activity messages
map to nothing. `message_updated` maps only a CSAT survey answer: the `input_csat`
message whose `content_attributes.submitted_values.csat_survey_response.rating` is set.
"""

from __future__ import annotations

from typing import Any, Final

from streams.bridge.chatwoot_context import (
    Context,
    agent_id,
    context_of,
    customer_id,
    is_public,
    team_of,
)
from streams.bridge.payload import (
    JsonObject,
    PayloadError,
    epoch_us,
    join,
    optional_id,
    optional_object,
    required_id,
    required_object,
    rfc3339,
    time_us,
)
from streams.bridge.settings import ChatwootSettings
from streams.bridge.translation import Translation, ignore, mapped

MESSAGE_TYPES: Final = ("incoming", "outgoing", "activity", "template")
"""Chatwoot's `Message.message_type` enum, in its order (some payloads send the index)."""
CSAT_CONTENT_TYPE: Final = "input_csat"
CSAT_SCALE: Final = range(1, 6)


def message_created(payload: JsonObject, settings: ChatwootSettings) -> Translation:
    kind = _message_type(payload)
    if payload.get("private") is True:
        return ignore("private note")
    if kind == "activity":
        return ignore("activity message")
    context = _context(payload, settings)
    message = required_id(payload, "id", "")
    occurred_at = rfc3339(time_us(payload, "created_at", ""))
    visibility = "public" if is_public(context) else "private"
    if kind == "incoming":
        customer = customer_id(settings, context.account, _contact(payload, context))
        return mapped([context.event(
            context.id_of("message", message), "message.received", occurred_at,
            customer_id=customer, visibility=visibility,
        )])
    return mapped([context.event(
        context.id_of("message", message), "reply.sent", occurred_at,
        visibility=visibility, **_author(payload, kind, context),
    )])


def message_updated(payload: JsonObject, settings: ChatwootSettings) -> Translation:
    if payload.get("content_type") != CSAT_CONTENT_TYPE:
        return ignore("message_updated maps only a CSAT survey answer")
    rating = _csat_rating(payload)
    if rating is None:
        return ignore("CSAT survey message without an answer")
    context = _context(payload, settings)
    message = required_id(payload, "id", "")
    # the answer updates the message, which touches its conversation: the conversation's
    # updated_at is the answer's time (the message's created_at is when it was asked)
    occurred_at = rfc3339(epoch_us(context.conversation, "updated_at", context.path))
    return mapped([context.event(
        context.id_of("csat", message), "survey.answered", occurred_at, survey="csat",
        score=rating,
    )])


def _message_type(payload: JsonObject) -> str:
    kind = payload.get("message_type")
    if isinstance(kind, int) and not isinstance(kind, bool) and 0 <= kind < len(MESSAGE_TYPES):
        return MESSAGE_TYPES[kind]
    if kind is None:
        raise PayloadError("missing_field", "message_type", "field required")
    if kind not in MESSAGE_TYPES:
        raise PayloadError("invalid_field", "message_type",
                           "must be one of " + ", ".join(MESSAGE_TYPES))
    return str(kind)


def _context(payload: JsonObject, settings: ChatwootSettings) -> Context:
    conversation = required_object(payload, "conversation", "")
    account = required_id(required_object(payload, "account", ""), "id", "account")
    inbox_object = optional_object(payload, "inbox", "")
    if inbox_object is not None:
        inbox, inbox_field = required_id(inbox_object, "id", "inbox"), "inbox.id"
    else:
        inbox, inbox_field = required_id(conversation, "inbox_id", "conversation"), (
            "conversation.inbox_id")
    return context_of(conversation, "conversation", account=account, inbox=inbox,
                      inbox_field=inbox_field, settings=settings)


def _contact(payload: JsonObject, context: Context) -> int:
    """The contact who wrote: the sender (a contact), else the conversation's contact."""
    sender = optional_object(payload, "sender", "")
    if sender is not None and sender.get("type") in (None, "contact"):
        return required_id(sender, "id", "sender")
    meta = optional_object(context.conversation, "meta", context.path)
    contact = optional_object(meta, "sender", join(context.path, "meta")) if meta else None
    if contact is not None:
        return required_id(contact, "id", join(context.path, "meta.sender"))
    contact_inbox = optional_object(context.conversation, "contact_inbox", context.path)
    found = optional_id(contact_inbox, "contact_id", join(context.path, "contact_inbox")) if (
        contact_inbox) else None
    if found is None:
        raise PayloadError("missing_field", "sender.id", "no contact id in the delivery")
    return found


def _author(payload: JsonObject, kind: str, context: Context) -> dict[str, Any]:
    sender = optional_object(payload, "sender", "")
    if kind == "template" or sender is None or _automated(payload):
        return {"author_type": "automation"}
    if sender.get("type") != "user":
        return {"author_type": "bot"}
    fields: dict[str, Any] = {
        "author_type": "agent", "agent_id": agent_id(required_id(sender, "id", "sender")),
    }
    team = team_of(context)
    if team is not None:
        fields["team"] = team
    return fields


def _automated(payload: JsonObject) -> bool:
    """Sent by an automation rule or a campaign (Chatwoot's `human_response?` test)."""
    content = optional_object(payload, "content_attributes", "")
    additional = optional_object(payload, "additional_attributes", "")
    return bool(content and content.get("automation_rule_id") is not None) or bool(
        additional and additional.get("campaign_id") is not None
    )


def _csat_rating(payload: JsonObject) -> int | None:
    path = "content_attributes"
    content = optional_object(payload, "content_attributes", "")
    submitted = optional_object(content, "submitted_values", path) if content else None
    path = join(path, "submitted_values")
    response = optional_object(submitted, "csat_survey_response", path) if submitted else None
    rating = response.get("rating") if response else None
    if rating is None:
        return None
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in CSAT_SCALE:
        raise PayloadError("invalid_field", join(path, "csat_survey_response.rating"),
                           "must be an integer 1..5")
    return rating
