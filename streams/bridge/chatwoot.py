"""The Chatwoot bridge: webhook signature verification and the mapping of one delivery
to contract events (docs/chatwoot.md has the table and the Chatwoot sources it follows).

Signature: Chatwoot (`Webhooks::Trigger#request_headers`) signs a delivery when its
webhook has a secret: `X-Chatwoot-Timestamp` is the send time in epoch seconds,
`X-Chatwoot-Signature` is `sha256=` and the lower-case hex HMAC-SHA256, keyed with the
secret, of `<timestamp>.<raw body>`; `X-Chatwoot-Delivery` is a random id per delivery
(a retry keeps it). The timestamp is recomputed at each attempt.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Final

import orjson

from schemas.rejections import Rejection, parse_event
from streams.bridge.chatwoot_conversations import conversation_updated, status_changed
from streams.bridge.chatwoot_messages import message_created, message_updated
from streams.bridge.payload import JsonObject, PayloadError
from streams.bridge.settings import ChatwootSettings
from streams.bridge.translation import Translation, ignore, reject

SIGNATURE_PREFIX: Final = "sha256="
DELIVERY_HEADER: Final = "X-Chatwoot-Delivery"
TIMESTAMP_HEADER: Final = "X-Chatwoot-Timestamp"
SIGNATURE_HEADER: Final = "X-Chatwoot-Signature"
MAX_BODY_BYTES: Final = 1024 * 1024
"""The largest delivery translated: a message is at most 150,000 characters in Chatwoot,
its payload a few times that."""

Handler = Callable[[JsonObject, ChatwootSettings], Translation]
HANDLERS: Final[dict[str, Handler]] = {
    "message_created": message_created,
    "message_updated": message_updated,
    "conversation_status_changed": status_changed,
    "conversation_updated": conversation_updated,
}
UNMAPPED_EVENTS: Final = frozenset({
    "conversation_created",  # its first message comes as message_created
    "contact_created", "contact_updated", "webwidget_triggered", "inbox_created",
    "inbox_updated", "conversation_typing_on", "conversation_typing_off",
    # older Chatwoot versions: the same changes also come as conversation_status_changed
    "conversation_opened", "conversation_resolved",
})
"""Events Chatwoot sends that map to nothing: answered 2xx, nothing produced. Any other
`event` is not Chatwoot's: rejected (`unknown_event`)."""


def verify_signature(secret: bytes, timestamp: str, raw_body: bytes, signature_header: str) -> (
    bool
):
    """True when `signature_header` is Chatwoot's signature of `raw_body` sent at
    `timestamp` with `secret`; compared in constant time. An empty secret, timestamp or
    header never verifies."""
    if not secret or not timestamp or not signature_header.isascii():
        return False
    if not timestamp.isascii() or not signature_header.startswith(SIGNATURE_PREFIX):
        return False
    expected = _signature(secret, timestamp, raw_body)
    return hmac.compare_digest(expected.encode(), signature_header[len(SIGNATURE_PREFIX):].encode())


def _signature(secret: bytes, timestamp: str, raw_body: bytes) -> str:
    """Chatwoot's signature: the hex HMAC-SHA256 of `<timestamp>.<raw body>`."""
    return hmac.new(secret, timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, timestamp: int, raw_body: bytes, delivery: str) -> (
    dict[str, str]
):
    """The headers Chatwoot sends with a signed delivery (for simulators and tests)."""
    return {
        "Content-Type": "application/json",
        DELIVERY_HEADER: delivery,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: SIGNATURE_PREFIX + _signature(secret, str(timestamp), raw_body),
    }


def translate(raw_body: bytes, settings: ChatwootSettings) -> Translation:
    """The contract events of one Chatwoot delivery, or why there are none. Never raises
    for bad input: a hostile body is a rejection with a reason and a field."""
    if len(raw_body) > MAX_BODY_BYTES:
        return reject("too_large", "", f"body of {len(raw_body)} bytes > {MAX_BODY_BYTES}")
    try:
        raw_body.decode("utf-8")
    except UnicodeDecodeError as error:
        return reject("invalid_utf8", "", f"invalid UTF-8 at byte {error.start}")
    try:
        payload = orjson.loads(raw_body)
    except orjson.JSONDecodeError as error:
        return reject("invalid_json", "", f"not JSON (at character {error.pos})")
    if not isinstance(payload, dict):
        return reject("not_an_object", "", "a delivery must be a JSON object")
    event = payload.get("event")
    if not isinstance(event, str):
        return reject("missing_field" if event is None else "invalid_field", "event",
                      "field required" if event is None else "must be a string")
    handler = HANDLERS.get(event)
    if handler is None:
        if event in UNMAPPED_EVENTS:
            return ignore(f"{event} maps to no event")
        return reject("unknown_event", "event", "not an event Chatwoot sends")
    try:
        translation = handler(payload, settings)
    except PayloadError as error:
        return reject(error.reason, error.field, error.detail)
    return _validated(translation)


def _validated(translation: Translation) -> Translation:
    """Every event checked against the contract, as the worker will check it."""
    for event in translation.events:
        checked = parse_event(orjson.dumps(event))
        if isinstance(checked, Rejection):
            return reject("invalid_event", checked.field, f"{checked.reason}: {checked.detail}")
    return translation
