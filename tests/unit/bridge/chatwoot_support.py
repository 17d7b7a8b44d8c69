"""Shared by the Chatwoot bridge tests: the fixtures and the settings they use."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import orjson

from streams.bridge.chatwoot import translate
from streams.bridge.settings import ChatwootSettings
from streams.bridge.translation import Translation

FIXTURES = Path(__file__).parents[2] / "fixtures" / "chatwoot"
KEY = b"synthetic-customer-key-0123456789"
SETTINGS = ChatwootSettings(customer_key=KEY)
CUSTOMER_901 = "chatwoot:customer:" + hmac.new(KEY, b"3:901", hashlib.sha256).hexdigest()[:32]
"""The keyed hash of account 3, contact 901, computed here independently of the bridge."""
ENVELOPE_42 = {"conversation_id": "chatwoot:3:42", "channel": "whatsapp", "brand": "default"}


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def run(payload: dict[str, Any], settings: ChatwootSettings = SETTINGS) -> Translation:
    return translate(orjson.dumps(payload), settings)


def only_event(payload: dict[str, Any], settings: ChatwootSettings = SETTINGS) -> dict[str, Any]:
    translation = run(payload, settings)
    assert translation.outcome == "mapped", translation
    assert len(translation.events) == 1
    return translation.events[0]
