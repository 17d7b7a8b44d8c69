"""What every event of one Chatwoot conversation carries: the envelope (conversation id,
channel, brand, priority) and the ids CarePulse derives from Chatwoot's (customers,
agents, teams).

Chatwoot's conversation `id` in payloads is its `display_id`, unique per account only,
so `conversation_id` is `chatwoot:<account id>:<display id>`. Message deliveries name the
account (`account.id`); conversation deliveries do not: the account is then read from
the conversation's last message (`messages[0].account_id`) or, for a conversation without
messages, from the inbox's entry in the configuration.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Final

from schemas.events import MAX_LABEL_CHARS
from streams.bridge.payload import (
    JsonObject,
    PayloadError,
    join,
    optional_id,
    optional_object,
    optional_str,
    required_id,
    required_str,
)
from streams.bridge.settings import DEFAULT_BRAND, ChatwootSettings

PREFIX: Final = "chatwoot"
CHANNEL_NAMES: Final = {
    "Channel::FacebookPage": "facebook",
    "Channel::Instagram": "instagram",
    "Channel::TwitterProfile": "x",
    "Channel::Whatsapp": "whatsapp",
    "Channel::Tiktok": "tiktok",
}
"""Chatwoot channel types with a contract name of their own; any other type is named by
its own lower-case name (`Channel::Telegram` -> `telegram`)."""
INSTAGRAM_VIA_FACEBOOK: Final = "instagram_direct_message"
"""`additional_attributes.type` of an Instagram conversation served by a Facebook page
inbox (Chatwoot's older Instagram integration)."""
PRIORITIES: Final = {"low": "low", "medium": "normal", "high": "high", "urgent": "urgent"}
CUSTOMER_HASH_HEX_CHARS: Final = 32  # 128 bits of the HMAC-SHA256


@dataclass(frozen=True, slots=True)
class Context:
    """One delivery's conversation: its account and display id, the envelope fields of
    its events, and the conversation object itself (with its path in the body)."""

    account: int
    display_id: int
    envelope: dict[str, Any]
    conversation: JsonObject
    path: str

    def event(self, event_id: str, event_type: str, occurred_at: str, **fields: Any) -> (
        dict[str, Any]
    ):
        return {"event_id": event_id, "type": event_type, "occurred_at": occurred_at,
                **self.envelope, **fields}

    def id_of(self, *parts: object) -> str:
        """An event id from Chatwoot ids: the same delivery always gives the same id."""
        return ":".join((PREFIX, str(self.account), str(self.display_id), *map(str, parts)))


def context_of(
    conversation: JsonObject, path: str, *, account: int | None, inbox: int, inbox_field: str,
    settings: ChatwootSettings,
) -> Context:
    """The context of `conversation` (found at `path`) of inbox `inbox` (read at
    `inbox_field`); `account` when the delivery names it."""
    inbox_settings = settings.inboxes.get(inbox)
    if settings.inboxes and inbox_settings is None:
        raise PayloadError("unknown_inbox", inbox_field,
                           f"inbox {inbox} is not listed in [chatwoot.inboxes]")
    account = account if account is not None else _account_of_conversation(conversation, path)
    if account is None and inbox_settings is not None:
        account = inbox_settings.account
    if account is None:
        raise PayloadError("missing_field", "account.id",
                           f"no account id in the delivery and inbox {inbox} is not listed "
                           "with its account in [chatwoot.inboxes]")
    if inbox_settings is not None and inbox_settings.account not in (None, account):
        raise PayloadError("unknown_inbox", inbox_field,
                           f"inbox {inbox} is listed under another account")
    if settings.accounts and account not in settings.accounts:
        raise PayloadError("unknown_account", "account.id",
                           f"account {account} is not listed in [chatwoot.accounts]")
    display_id = required_id(conversation, "id", path)
    brand = (inbox_settings.brand if inbox_settings else None) or settings.accounts.get(account)
    envelope: dict[str, Any] = {
        "conversation_id": f"{PREFIX}:{account}:{display_id}",
        "channel": _channel(conversation, path, settings),
        "brand": brand or DEFAULT_BRAND,
    }
    priority = PRIORITIES.get(optional_str(conversation, "priority", path) or "")
    if priority is not None:
        envelope["priority"] = priority
    return Context(account, display_id, envelope, conversation, path)


def _account_of_conversation(conversation: JsonObject, path: str) -> int | None:
    """`account_id` of the conversation (some versions send it) or of its last message."""
    account = optional_id(conversation, "account_id", path)
    if account is not None:
        return account
    messages = conversation.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return optional_id(messages[0], "account_id", join(path, "messages[0]"))
    return None


def _channel(conversation: JsonObject, path: str, settings: ChatwootSettings) -> str:
    channel_type = required_str(conversation, "channel", path)
    named = settings.channel_names.get(channel_type)
    if named is not None:
        return named
    if channel_type == "Channel::FacebookPage" and _conversation_type(conversation, path) == (
        INSTAGRAM_VIA_FACEBOOK
    ):
        return "instagram"
    name = CHANNEL_NAMES.get(channel_type) or channel_type.removeprefix("Channel::").lower()
    if not name or len(name) > MAX_LABEL_CHARS or not name.isprintable():
        raise PayloadError("invalid_field", join(path, "channel"), "not a channel type")
    return name


def _conversation_type(conversation: JsonObject, path: str) -> str | None:
    attributes = optional_object(conversation, "additional_attributes", path)
    if attributes is None:
        return None
    kind = attributes.get("type")
    return kind if isinstance(kind, str) else None


def is_public(context: Context) -> bool:
    """A tweet is a public conversation; every other Chatwoot conversation is private
    (a DM, a chat, an e-mail)."""
    return _conversation_type(context.conversation, context.path) == "tweet"


def customer_id(settings: ChatwootSettings, account: int, contact: int) -> str:
    """The pseudonymous customer id: a keyed hash of the account and contact ids, never
    the raw id nor any contact field."""
    digest = hmac.new(settings.customer_key, f"{account}:{contact}".encode(), hashlib.sha256)
    return f"{PREFIX}:customer:{digest.hexdigest()[:CUSTOMER_HASH_HEX_CHARS]}"


def agent_id(user: int) -> str:
    """A Chatwoot user (agent) id; users are global to an installation."""
    return f"{PREFIX}:user:{user}"


def team_of(context: Context, team_id: int | None = None) -> str | None:
    """The conversation's team (`meta.team`) as a label: its name (Chatwoot keeps team
    names lower-case), or `chatwoot:team:<id>` for a name too long to be a label. With
    `team_id`, the team of that id (its name when `meta.team` is that team)."""
    meta = optional_object(context.conversation, "meta", context.path)
    team = optional_object(meta, "team", join(context.path, "meta")) if meta else None
    current = optional_id(team, "id", join(context.path, "meta.team")) if team else None
    if team_id is None:
        team_id = current
    if team_id is None:
        return None
    name = team.get("name") if team is not None and current == team_id else None
    if isinstance(name, str) and 0 < len(name) <= MAX_LABEL_CHARS:
        return name
    return f"{PREFIX}:team:{team_id}"


def human_assignee(context: Context) -> int | None:
    """The user id of the conversation's assignee (`meta.assignee`), None when it has none
    or when it is an agent bot."""
    path = join(context.path, "meta")
    meta = optional_object(context.conversation, "meta", context.path)
    assignee = optional_object(meta, "assignee", path) if meta else None
    if assignee is None or meta is None:
        return None
    kind = assignee.get("type")
    if kind not in (None, "user") or meta.get("assignee_type") not in (None, "User"):
        return None
    return required_id(assignee, "id", join(path, "assignee"))
