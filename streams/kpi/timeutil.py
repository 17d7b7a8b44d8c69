"""Instants as integer microseconds since the Unix epoch (UTC).

Integers make every sum exact, so totals and means do not depend on the order in which
samples were added: a replay of differently interleaved conversations gives the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

US_PER_SECOND: Final = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL: Final = 719_163  # EPOCH.toordinal()
SECONDS_PER_DAY: Final = 86_400
FLOAT_EXACT_SECONDS: Final = 9_007_199_254  # below it, seconds * 1e6 < 2**53: exact


def to_us(moment: datetime) -> int:
    """An offset-aware datetime as microseconds since the epoch, exact. Once per event,
    so built for the compiled core: the tzinfo is asked for its offset directly (asking
    the datetime wraps that call in a lookup by name; `timestamp()` also subtracts two
    aware datetimes), the offset is read field by field (`total_seconds()` computes in
    Python integers and returns a float to round), and the seconds become microseconds in
    a float where that is exact (up to year 2255), as mypyc multiplies integers above
    2**30 the slow way."""
    tzinfo = moment.tzinfo
    offset = None if tzinfo is None else tzinfo.utcoffset(moment)
    if offset is None:
        raise ValueError("a naive datetime has no instant")
    seconds = (
        (moment.toordinal() - EPOCH_ORDINAL - offset.days) * SECONDS_PER_DAY
        + moment.hour * 3600 + moment.minute * 60 + moment.second - offset.seconds
    )
    micros = moment.microsecond - offset.microseconds
    if -FLOAT_EXACT_SECONDS < seconds < FLOAT_EXACT_SECONDS:
        return int(seconds * 1e6) + micros
    return seconds * US_PER_SECOND + micros


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
