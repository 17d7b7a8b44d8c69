"""The help desks whose webhooks CarePulse takes: one mapping module each, registered here.

Everything around a mapping is generic: the gateway's route `/webhooks/<name>` checks a
delivery with the platform's `verify` and writes the body untouched to its raw topic
(`[ingest] raw_topic_prefix` + name); the translator and `carepulse bridge replay` hand
each raw record to its `translate` with the mapping's settings, which the configuration
builds from the section named like the platform (`[chatwoot]`: its `bridge_settings`).
A second help desk is one mapping module with a `verify` and a `translate`, its
configuration section, and one entry in `PLATFORMS` (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from streams.bridge import chatwoot
from streams.bridge.translation import Translation

Verify = Callable[[bytes, Mapping[str, str], bytes], str | None]
"""(secret, request headers, raw body) -> why the delivery is refused, or None."""
Translate = Callable[[bytes, Any], Translation]
"""(raw body, the mapping's settings) -> events, or why it is ignored or rejected."""


@dataclass(frozen=True, slots=True)
class Platform:
    name: str
    verify: Verify
    translate: Translate
    kept_headers: tuple[str, ...] = ()
    """Request headers copied onto the raw record (delivery id, timestamp, signature), so
    the audit trail holds what the platform sent."""

    @property
    def secret_variable(self) -> str:
        """The environment variable holding its webhook secret."""
        return f"CAREPULSE_{self.name.upper()}_SECRET"


def raw_topic(prefix: str, platform: Platform) -> str:
    return prefix + platform.name


def verify_chatwoot(secret: bytes, headers: Mapping[str, str], body: bytes) -> str | None:
    timestamp = headers.get(chatwoot.TIMESTAMP_HEADER, "")
    signature = headers.get(chatwoot.SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        return (f"the {chatwoot.SIGNATURE_HEADER} and {chatwoot.TIMESTAMP_HEADER} headers are "
                "required: set the webhook's secret in Chatwoot, or unset "
                "CAREPULSE_CHATWOOT_SECRET")
    if not chatwoot.verify_signature(secret, timestamp, body, signature):
        return f"the {chatwoot.SIGNATURE_HEADER} header does not match the body and timestamp"
    return None


CHATWOOT: Final = Platform(
    "chatwoot", verify_chatwoot, chatwoot.translate,
    kept_headers=(chatwoot.DELIVERY_HEADER, chatwoot.TIMESTAMP_HEADER, chatwoot.SIGNATURE_HEADER),
)
PLATFORMS: Final[Mapping[str, Platform]] = {CHATWOOT.name: CHATWOOT}
"""The registered help desks by name."""
