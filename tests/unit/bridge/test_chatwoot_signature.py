"""Chatwoot's webhook signature: `X-Chatwoot-Signature: sha256=<hex>`, the HMAC-SHA256 of
`<X-Chatwoot-Timestamp>.<raw body>` keyed with the webhook's secret."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from streams.bridge.chatwoot import signed_headers, verify_signature

SECRET = b"synthetic-webhook-secret"
BODY = b'{"event":"message_created","id":5001}'
TIMESTAMP = "1795165200"
# computed here the way Chatwoot's Webhooks::Trigger does, independently of the bridge
RIGHT = "sha256=" + hmac.new(SECRET, f"{TIMESTAMP}.".encode() + BODY, hashlib.sha256).hexdigest()


def test_the_right_signature_verifies() -> None:
    assert verify_signature(SECRET, TIMESTAMP, BODY, RIGHT) is True


def test_the_simulators_headers_carry_the_right_signature() -> None:
    headers = signed_headers(SECRET, int(TIMESTAMP), BODY, "delivery-1")
    assert headers["X-Chatwoot-Signature"] == RIGHT
    assert (headers["X-Chatwoot-Timestamp"], headers["X-Chatwoot-Delivery"]) == (
        TIMESTAMP, "delivery-1")


@pytest.mark.parametrize(("secret", "timestamp", "body", "header"), [
    (b"another-secret", TIMESTAMP, BODY, RIGHT),  # wrong secret
    (SECRET, "1795165201", BODY, RIGHT),  # another timestamp
    (SECRET, TIMESTAMP, BODY + b" ", RIGHT),  # a replayed signature with another body
    (SECRET, TIMESTAMP, b'{"event":"message_created","id":5002}', RIGHT),
    (SECRET, TIMESTAMP, BODY, ""),  # missing signature
    (SECRET, "", BODY, RIGHT),  # missing timestamp
    (b"", TIMESTAMP, BODY, RIGHT),  # no secret configured: nothing verifies
    (SECRET, TIMESTAMP, BODY, RIGHT.removeprefix("sha256=")),  # no prefix
    (SECRET, TIMESTAMP, BODY, RIGHT.upper()),  # Chatwoot's hex is lower-case
    (SECRET, TIMESTAMP, BODY, RIGHT[:-2]),  # truncated
    (SECRET, TIMESTAMP, BODY, RIGHT + "é"),  # not ASCII
    (SECRET, "1795165200é", BODY, RIGHT),
])
def test_anything_else_does_not_verify(
    secret: bytes, timestamp: str, body: bytes, header: str
) -> None:
    assert verify_signature(secret, timestamp, body, header) is False
