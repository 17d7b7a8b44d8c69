"""The help desks whose webhooks CarePulse takes: one mapping module each, named here.

Everything around a mapping is generic: the gateway's route `/webhooks/<name>` checks a
delivery with the platform's `verify` and writes the body untouched to its raw topic
(`[ingest] raw_topic_prefix` + name); the translator and `carepulse bridge replay` hand
each raw record to `translate_record`, which calls the platform's `translate` and checks
every event it makes against the contract. A second help desk is one module with a
`verify` and a `translate`, plus one entry in `PLATFORMS` (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from schemas.rejections import Rejection, parse_event


@dataclass(frozen=True, slots=True)
class Mapped:
    """Contract events made of one delivery, as JSON records (possibly none)."""

    events: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Ignored:
    """A delivery the mapping does not use (an event kind CarePulse does not count)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Unmappable:
    """A delivery that should map but cannot: it goes to the DLQ with this reason and
    field path (never a value of the payload)."""

    reason: str
    field: str


Outcome = Mapped | Ignored | Unmappable
Verify = Callable[[bytes, Mapping[str, str], bytes], str | None]
"""(secret, request headers, raw body) -> why the delivery is refused, or None."""
Translate = Callable[[bytes], Outcome]


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


@dataclass(frozen=True, slots=True)
class Translation:
    """What one raw record becomes: (key, value) records for the input topic, or the
    reason it is ignored, or the rejection the DLQ record carries."""

    records: tuple[tuple[bytes | None, bytes], ...] = ()
    ignored: str | None = None
    rejection: Rejection | Unmappable | None = None


def translate_record(platform: Platform, value: bytes) -> Translation:
    """The mapping applied to one raw record; an event the mapping made that the contract
    refuses makes the whole record unmappable (nothing of it is produced)."""
    outcome = platform.translate(value)
    if isinstance(outcome, Ignored):
        return Translation(ignored=outcome.reason)
    if isinstance(outcome, Unmappable):
        return Translation(rejection=outcome)
    records: list[tuple[bytes | None, bytes]] = []
    for event in outcome.events:
        parsed = parse_event(event)
        if isinstance(parsed, Rejection):
            return Translation(rejection=parsed)
        records.append((parsed.conversation_id.encode(), event))
    return Translation(records=tuple(records))


PLATFORMS: Mapping[str, Platform] = {}
"""The registered help desks by name (their mapping modules register here)."""
