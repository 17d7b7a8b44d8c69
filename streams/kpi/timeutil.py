"""Instants as integer microseconds since the Unix epoch (UTC).

Integers make every sum exact, so totals and means do not depend on the order in which
samples were added: a replay of differently interleaved conversations gives the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

US_PER_SECOND = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    """An offset-aware datetime as microseconds since the epoch (exact for years 1..9999:
    the float has 53 bits, an instant in 2026 needs 51)."""
    return round(moment.timestamp() * US_PER_SECOND)


def seconds_to_us(seconds: float) -> int:
    return round(seconds * US_PER_SECOND)


def iso_from_us(instant_us: int) -> str:
    """RFC 3339 in UTC with a `Z`; microseconds only when there are any."""
    moment = EPOCH + timedelta(microseconds=instant_us)
    return moment.isoformat().replace("+00:00", "Z")


def parse_iso_us(text: str) -> int:
    """An RFC 3339 timestamp with offset as microseconds; ValueError if naive or malformed."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {text!r} has no UTC offset")
    return to_us(moment)
