"""What a bridge makes of one delivery: events, or a reason to ignore or to reject it.

`Translation.events` are JSON-ready dicts, each already valid under the event contract
(schemas/events.py): a bridge validates what it builds, so a mapping bug is a rejection
with a field, never a bad record on the input topic. Reasons and details never quote the
delivery (no customer data, no message text): they name fields and rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import orjson

BridgeReason = Literal[
    "too_large",
    "invalid_utf8",
    "invalid_json",
    "not_an_object",
    "missing_field",
    "invalid_field",
    "unknown_event",
    "unknown_account",
    "unknown_inbox",
    "invalid_event",
]
"""Why a delivery is rejected (the DLQ's `carepulse-reason` header): the record-level
reasons of the event contract, plus `unknown_event` (an event name the help desk does not
send), `unknown_account` / `unknown_inbox` (not in the bridge's configuration) and
`invalid_event` (the mapped event breaks the contract, e.g. a time outside 1970..2100)."""
BRIDGE_REASONS: tuple[BridgeReason, ...] = get_args(BridgeReason)

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class BridgeRejection:
    """Same attribute names as `schemas.rejections.Rejection`, so the DLQ record builder
    takes either: the reason, the offending field path ("" for the body) and a detail that
    never quotes the input."""

    reason: BridgeReason
    field: str
    detail: str


@dataclass(frozen=True, slots=True)
class Translation:
    """Exactly one of: events (one or more), an ignore reason, a rejection."""

    events: tuple[Event, ...] = ()
    ignored: str | None = None
    rejected: BridgeRejection | None = field(default=None)

    @property
    def outcome(self) -> Literal["mapped", "ignored", "rejected"]:
        if self.rejected is not None:
            return "rejected"
        return "ignored" if self.ignored is not None else "mapped"

    def records(self) -> list[tuple[bytes, bytes]]:
        """(key, value) of each event for the input topic: keyed by `conversation_id`,
        the value compact JSON."""
        return [
            (event["conversation_id"].encode(), orjson.dumps(event)) for event in self.events
        ]


def mapped(events: list[Event]) -> Translation:
    return Translation(events=tuple(events))


def ignore(reason: str) -> Translation:
    return Translation(ignored=reason)


def reject(reason: BridgeReason, field_path: str, detail: str) -> Translation:
    return Translation(rejected=BridgeRejection(reason, field_path, detail))
