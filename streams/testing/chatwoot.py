"""A simulated Chatwoot installation: webhook deliveries built field for field as
Chatwoot builds them, for tests, the demo and benchmarks of the Chatwoot bridge.

The shapes follow Chatwoot's sources (docs/chatwoot.md lists them): a message delivery is
`Message#webhook_data` (account, additional_attributes, content_attributes, content_type,
content, conversation, created_at, id, inbox, message_type, private, sender, source_id)
merged with `event`; a conversation delivery is `Conversation#webhook_data` (the
`Conversations::EventDataPresenter#push_data` fields) merged with `event` and, for
`conversation_status_changed` and `conversation_updated`, `changed_attributes` (a list of
`{attribute: {previous_value, current_value}}`). Every status change is delivered twice,
as Chatwoot does. All names, numbers and addresses are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Payload = dict[str, Any]
US_PER_SECOND = 1_000_000


def iso_ms(instant_us: int) -> str:
    """Rails' JSON time: `2026-11-20T09:00:00.000Z` (milliseconds)."""
    moment = datetime.fromtimestamp(instant_us // US_PER_SECOND, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{instant_us % US_PER_SECOND // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Inbox:
    """An inbox of an account: `Inbox#webhook_data` and its channel type."""

    account_id: int
    account_name: str
    inbox_id: int
    name: str
    channel_type: str

    def account(self) -> Payload:
        return {"id": self.account_id, "name": self.account_name}

    def webhook_data(self) -> Payload:
        return {"id": self.inbox_id, "name": self.name}


def user(user_id: int) -> Payload:
    """`User#webhook_data` of a synthetic agent."""
    return {"id": user_id, "name": f"Agent {user_id}", "email": f"agent{user_id}@example.invalid",
            "type": "user"}


def user_push_data(user_id: int) -> Payload:
    """`User#push_event_data` (a conversation's `meta.assignee`)."""
    return {"id": user_id, "name": f"Agent {user_id}", "available_name": f"Agent {user_id}",
            "avatar_url": "", "type": "user", "availability_status": "online", "thumbnail": ""}


def agent_bot(bot_id: int) -> Payload:
    """`AgentBot#webhook_data`."""
    return {"id": bot_id, "name": f"Bot {bot_id}", "type": "agent_bot"}


@dataclass
class Conversation:
    """One conversation of `inbox`, with the state its deliveries show."""

    inbox: Inbox
    display_id: int
    contact_id: int
    created_us: int
    status: str = "open"
    assignee: int | None = None
    team: tuple[int, str] | None = None
    labels: list[str] = field(default_factory=list)
    priority: str | None = None
    last_message: Payload | None = None
    updated_us: int = 0
    last_activity_us: int = 0

    def contact_push_data(self) -> Payload:
        """`Contact#push_event_data` (a conversation's `meta.sender`)."""
        return {"additional_attributes": {}, "custom_attributes": {}, "email": None,
                "id": self.contact_id, "identifier": None, "name": f"Customer {self.contact_id}",
                "phone_number": f"+1555010{self.contact_id % 10000:04d}", "thumbnail": "",
                "blocked": False, "type": "contact"}

    def contact_webhook_data(self) -> Payload:
        """`Contact#webhook_data` (the sender of an incoming message)."""
        pushed = self.contact_push_data()
        return {"account": self.inbox.account(), "additional_attributes": {}, "avatar": "",
                "custom_attributes": {}, "email": None, "id": self.contact_id,
                "identifier": None, "name": pushed["name"], "phone_number": pushed["phone_number"],
                "thumbnail": "", "blocked": False, "type": "contact"}

    def webhook_data(self) -> Payload:
        """`Conversation#webhook_data`: `EventDataPresenter#push_data`."""
        created_at = self.created_us // US_PER_SECOND
        return {
            "additional_attributes": {},
            "can_reply": True,
            "channel": self.inbox.channel_type,
            "contact_inbox": {
                "id": self.contact_id + 10_000, "contact_id": self.contact_id,
                "inbox_id": self.inbox.inbox_id, "source_id": f"source-{self.contact_id}",
                "created_at": iso_ms(self.created_us), "updated_at": iso_ms(self.created_us),
                "hmac_verified": False, "pubsub_token": f"token-{self.contact_id}",
            },
            "id": self.display_id,
            "inbox_id": self.inbox.inbox_id,
            "messages": [self.last_message] if self.last_message else [],
            "labels": list(self.labels),
            "meta": {
                "sender": self.contact_push_data(),
                "assignee": user_push_data(self.assignee) if self.assignee else None,
                "assignee_type": "User" if self.assignee else None,
                "team": {"id": self.team[0], "name": self.team[1]} if self.team else None,
                "hmac_verified": False,
            },
            "status": self.status,
            "custom_attributes": {},
            "snoozed_until": None,
            "unread_count": 0,
            "first_reply_created_at": None,
            "priority": self.priority,
            "waiting_since": 0,
            "agent_last_seen_at": 0,
            "contact_last_seen_at": 0,
            "last_activity_at": self.last_activity_us // US_PER_SECOND,
            "timestamp": self.last_activity_us // US_PER_SECOND,
            "created_at": created_at,
            "updated_at": self.updated_us / US_PER_SECOND,
        }

    def message(
        self, message_id: int, at_us: int, message_type: str, *, sender: Payload | None = None,
        private: bool = False, content_type: str = "text",
        content_attributes: Payload | None = None,
    ) -> Payload:
        """The `message_created` delivery of a new message (incoming: from the contact)."""
        if message_type == "incoming" and sender is None:
            sender = self.contact_webhook_data()
        self.updated_us = self.last_activity_us = at_us
        if message_type in ("incoming", "outgoing", "template") and not private:
            self.last_message = self._push_data(message_id, at_us, message_type, sender,
                                                content_type, content_attributes or {})
        return self._message_payload("message_created", message_id, at_us, message_type, sender,
                                     private, content_type, content_attributes or {})

    def csat_answer(self, message_id: int, sent_us: int, at_us: int, rating: int) -> Payload:
        """The `message_updated` delivery of the CSAT survey message `message_id` (sent at
        `sent_us`) once the customer rated it: the update touches the conversation."""
        self.updated_us = at_us
        attributes = {"submitted_values": {"csat_survey_response": {
            "rating": rating, "feedback_message": "synthetic feedback"}}}
        return self._message_payload("message_updated", message_id, sent_us, "template", None,
                                     False, "input_csat", attributes)

    def set_status(self, status: str, at_us: int) -> list[Payload]:
        """A status change: `conversation_status_changed`, then its `conversation_updated`
        twin, as Chatwoot sends them."""
        previous, self.status, self.updated_us = self.status, status, at_us
        change = {"previous_value": previous, "current_value": status}
        return [
            self._conversation_payload("conversation_status_changed", [{"status": change}]),
            self._conversation_payload("conversation_updated", [
                {"status": change}, self._updated_at_change(at_us)]),
        ]

    def assign(self, assignee: int | None, at_us: int, team: tuple[int, str] | None = None) -> (
        Payload
    ):
        """A `conversation_updated` for a new assignee (and team, when given)."""
        changes: list[Payload] = [{"assignee_id": {"previous_value": self.assignee,
                                                   "current_value": assignee}}]
        self.assignee, self.updated_us = assignee, at_us
        if team is not None:
            changes.append({"team_id": {"previous_value": self.team[0] if self.team else None,
                                        "current_value": team[0]}})
            self.team = team
        return self._conversation_payload("conversation_updated",
                                          [*changes, self._updated_at_change(at_us)])

    def add_labels(self, labels: list[str], at_us: int) -> Payload:
        previous = list(self.labels)
        self.labels = [*previous, *labels]
        self.updated_us = at_us
        return self._conversation_payload("conversation_updated", [
            {"label_list": {"previous_value": previous, "current_value": list(self.labels)}},
            self._updated_at_change(at_us)])

    def _updated_at_change(self, at_us: int) -> Payload:
        return {"updated_at": {"previous_value": iso_ms(at_us - US_PER_SECOND),
                               "current_value": iso_ms(at_us)}}

    def _conversation_payload(self, event: str, changes: list[Payload]) -> Payload:
        return {**self.webhook_data(), "event": event, "changed_attributes": changes}

    def _message_payload(
        self, event: str, message_id: int, at_us: int, message_type: str,
        sender: Payload | None, private: bool, content_type: str, content_attributes: Payload,
    ) -> Payload:
        return {
            "account": self.inbox.account(),
            "additional_attributes": {},
            "content_attributes": content_attributes,
            "content_type": content_type,
            "content": f"synthetic message {message_id}",
            "conversation": self.webhook_data(),
            "created_at": iso_ms(at_us),
            "id": message_id,
            "inbox": self.inbox.webhook_data(),
            "message_type": message_type,
            "private": private,
            "sender": sender,
            "source_id": f"source-message-{message_id}",
            "event": event,
        }

    def _push_data(
        self, message_id: int, at_us: int, message_type: str, sender: Payload | None,
        content_type: str, content_attributes: Payload,
    ) -> Payload:
        """`Message#push_event_data`: the conversation's last chat message."""
        kind = (sender or {}).get("type", "")
        sender_type = {"contact": "Contact", "user": "User", "agent_bot": "AgentBot"}.get(kind)
        pushed: Payload = {}
        if sender is not None:  # merge_sender_attributes: the sender's push_event_data
            pushed["sender"] = {"contact": self.contact_push_data(),
                                "user": user_push_data(sender["id"])}.get(
                kind, {**sender, "avatar_url": ""})
        return {
            "id": message_id, "content": f"synthetic message {message_id}",
            "account_id": self.inbox.account_id, "inbox_id": self.inbox.inbox_id,
            "conversation_id": self.display_id,
            "message_type": ("incoming", "outgoing", "activity", "template").index(message_type),
            "created_at": at_us // US_PER_SECOND, "updated_at": iso_ms(at_us), "private": False,
            "status": "sent", "source_id": f"source-message-{message_id}",
            "content_type": content_type, "content_attributes": content_attributes,
            "sender_type": sender_type, "sender_id": (sender or {}).get("id"),
            "external_source_ids": {}, "additional_attributes": {},
            "processed_message_content": f"synthetic message {message_id}", "sentiment": {},
            "conversation": {"assignee_id": self.assignee, "unread_count": 0,
                             "last_activity_at": at_us // US_PER_SECOND,
                             "contact_inbox": {"source_id": f"source-{self.contact_id}"}},
            **pushed,
        }
