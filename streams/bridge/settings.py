"""The plain settings of the Chatwoot mapping. `streams.config` builds them from the
`[chatwoot]` section and the environment (docs/configuration.md); this package never
reads a file or a variable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_BRAND = "default"


@dataclass(frozen=True, slots=True)
class InboxSettings:
    """One listed inbox: the account it belongs to (for conversation deliveries that
    name none) and the brand of its events (None: the account's brand)."""

    account: int | None = None
    brand: str | None = None


@dataclass(frozen=True, slots=True)
class ChatwootSettings:
    """`customer_key`: the key of the keyed hash (HMAC-SHA256) that turns a contact id
    into the pseudonymous `customer_id`. `accounts`: account id -> brand (None: brand
    `default`); when not empty, deliveries of other accounts are rejected. `inboxes`:
    likewise per inbox. `channel_names`: Chatwoot channel type (`Channel::Api`) -> the
    `channel` of its events, over the built-in names."""

    customer_key: bytes
    accounts: Mapping[int, str | None] = field(default_factory=dict)
    inboxes: Mapping[int, InboxSettings] = field(default_factory=dict)
    channel_names: Mapping[str, str] = field(default_factory=dict)
