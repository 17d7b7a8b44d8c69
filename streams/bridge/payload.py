"""Reading a parsed webhook body defensively: every accessor names the field path it
reads, and a missing or ill-typed value raises `PayloadError` with that path (the bridge
turns it into a rejection). Nothing here quotes a value back.

Times come in three shapes in help-desk payloads: epoch seconds (an int, or a float whose
fraction is kept), RFC 3339 strings (`2026-11-20T10:00:00.000Z`) and Rails' older
`2026-11-20 10:00:00 UTC`. All become integer microseconds since the epoch, so an event
id built from a time is the same for the same body on every run.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, TypeVar

from streams.bridge.translation import BridgeReason

JsonObject = dict[str, Any]
T = TypeVar("T")
US_PER_SECOND = 1_000_000
LATEST_US = 4_102_444_800 * US_PER_SECOND  # 2100-01-01, excluded (the contract's bound)
MAX_ID_DIGITS = 18  # ids are database keys: a 64-bit integer has at most 19 digits
_RAILS_UTC_SUFFIX = " UTC"


class PayloadError(Exception):
    """A field the mapping needs is missing or ill-typed."""

    def __init__(self, reason: BridgeReason, field: str, detail: str) -> None:
        super().__init__(detail)
        self.reason: BridgeReason = reason
        self.field = field
        self.detail = detail


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def present(value: T | None, parent_path: str, key: str) -> T:
    """`value`, read at `parent_path`.`key`; a missing_field error when it is None."""
    if value is None:
        raise PayloadError("missing_field", join(parent_path, key), "field required")
    return value


def _typed(parent: JsonObject, key: str, path: str, kind: type[T], what: str) -> T | None:
    value = parent.get(key)
    if value is not None and not isinstance(value, kind):
        raise PayloadError("invalid_field", join(path, key), f"must be {what}")
    return value


def optional_object(parent: JsonObject, key: str, path: str) -> JsonObject | None:
    """`parent[key]` when it is an object, None when absent or null."""
    return _typed(parent, key, path, dict, "an object")


def required_object(parent: JsonObject, key: str, path: str) -> JsonObject:
    return present(optional_object(parent, key, path), path, key)


def optional_id(parent: JsonObject, key: str, path: str) -> int | None:
    """A database id: a non-negative integer (a string of digits is taken too, as some
    help-desk versions send); None when absent or null."""
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value) if len(value) <= MAX_ID_DIGITS else -1
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**MAX_ID_DIGITS:
        raise PayloadError("invalid_field", join(path, key), "must be an id (integer >= 0)")
    return value


def required_id(parent: JsonObject, key: str, path: str) -> int:
    return present(optional_id(parent, key, path), path, key)


def optional_str(parent: JsonObject, key: str, path: str) -> str | None:
    return _typed(parent, key, path, str, "a string")


def required_str(parent: JsonObject, key: str, path: str) -> str:
    return present(optional_str(parent, key, path), path, key)


def epoch_us(parent: JsonObject, key: str, path: str) -> int:
    """A required time in epoch seconds (int or float), as integer microseconds."""
    return _number_us(present(parent.get(key), path, key), join(path, key))


def time_us(parent: JsonObject, key: str, path: str) -> int:
    """A required time in any of the three shapes, as integer microseconds."""
    value = present(parent.get(key), path, key)
    if not isinstance(value, str):
        return _number_us(value, join(path, key))
    text = value.strip()
    if text.endswith(_RAILS_UTC_SUFFIX):
        text = text.removesuffix(_RAILS_UTC_SUFFIX).replace(" ", "T") + "+00:00"
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError("invalid_field", join(path, key), "not a time") from None
    if instant.tzinfo is None:
        raise PayloadError("invalid_field", join(path, key), "a time without UTC offset")
    delta = instant - datetime(1970, 1, 1, tzinfo=UTC)
    return _in_range((delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds,
                     join(path, key))


def _number_us(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PayloadError("invalid_field", field, "must be epoch seconds")
    if isinstance(value, int):
        return _in_range(value * US_PER_SECOND, field)
    return _in_range(round(value * US_PER_SECOND), field)


def _in_range(instant_us: int, field: str) -> int:
    if not 0 <= instant_us < LATEST_US:
        raise PayloadError("invalid_field", field, "time outside 1970-01-01..2099-12-31")
    return instant_us


def rfc3339(instant_us: int) -> str:
    """`2026-11-20T10:00:00.123456Z` (microseconds always written)."""
    seconds, micros = divmod(instant_us, US_PER_SECOND)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{micros:06d}Z"
