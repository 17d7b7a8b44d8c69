"""`[chatwoot]`: the Chatwoot bridge's mapping (docs/chatwoot.md): brands per account and
per inbox, which accounts and inboxes are known, channel names, and where the key of the
customer-id hash is read from. The key itself is never in the file: the variable named
by `customer_key_env` holds it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import Field, Strict, field_validator, model_validator

from schemas.events import MAX_LABEL_CHARS
from streams.bridge.settings import ChatwootSettings, InboxSettings
from streams.config.base import ConfigError, KeyPathError, Section

MIN_CUSTOMER_KEY_BYTES = 16
Label = Annotated[str, Field(min_length=1, max_length=MAX_LABEL_CHARS)]
AccountId = Annotated[int, Strict(), Field(ge=0)]


class ChatwootInbox(Section):
    """One inbox: its account (needed for a conversation without messages, whose
    deliveries name no account) and its brand (over the account's)."""

    account: AccountId | None = None
    brand: Label | None = None


def _ids(section: str, noun: str, keys: Mapping[str, object]) -> None:
    for key in keys:
        if not (key.isascii() and key.isdigit()):
            raise KeyPathError(f"chatwoot.{section}.{key}",
                               f"must be a Chatwoot {noun} id (digits)")


class ChatwootConfig(Section):
    """Accounts and inboxes are keyed by their Chatwoot id (`[chatwoot.accounts]`
    `1 = "acme"`). When `accounts` (or `inboxes`) lists any, a delivery of another account
    (inbox) is rejected to the DLQ (`unknown_account`, `unknown_inbox`)."""

    customer_key_env: str = Field("CAREPULSE_CHATWOOT_CUSTOMER_KEY", min_length=1)
    accounts: dict[str, Label] = Field(default_factory=dict)
    inboxes: dict[str, ChatwootInbox] = Field(default_factory=dict)
    channels: dict[str, Label] = Field(default_factory=dict)

    @field_validator("channels")
    @classmethod
    def _lower_case_channels(cls, channels: dict[str, str]) -> dict[str, str]:
        for channel_type, name in channels.items():
            if name != name.lower():
                raise KeyPathError(f"chatwoot.channels.{channel_type}",
                                   f"channel {name!r} must be lower-case")
        return channels

    @model_validator(mode="after")
    def _ids_resolve(self) -> ChatwootConfig:
        _ids("accounts", "account", self.accounts)
        _ids("inboxes", "inbox", self.inboxes)
        for key, inbox in self.inboxes.items():
            if self.accounts and inbox.account is not None and str(inbox.account) not in (
                self.accounts
            ):
                raise KeyPathError(f"chatwoot.inboxes.{key}.account",
                                   f"account {inbox.account} is not in [chatwoot.accounts]")
        return self

    def bridge_settings(self, environ: Mapping[str, str]) -> ChatwootSettings:
        """The bridge's settings, the customer key read from the environment; a
        ConfigError naming the variable when it is unset or too short."""
        key = environ.get(self.customer_key_env, "").encode()
        if len(key) < MIN_CUSTOMER_KEY_BYTES:
            state = "is not set" if not key else f"is shorter than {MIN_CUSTOMER_KEY_BYTES} bytes"
            raise ConfigError(
                f"{self.customer_key_env} {state}: the Chatwoot bridge pseudonymises contact "
                f"ids with this secret key (at least {MIN_CUSTOMER_KEY_BYTES} bytes, e.g. "
                "`openssl rand -hex 32`); keep it stable, a new key gives new customer ids"
            )
        return ChatwootSettings(
            customer_key=key,
            accounts={int(account): brand for account, brand in self.accounts.items()},
            inboxes={int(inbox): InboxSettings(entry.account, entry.brand)
                     for inbox, entry in self.inboxes.items()},
            channel_names=dict(self.channels),
        )
