"""Why an input record was rejected: a small closed set of reasons, each with a field path.

The reason is what operators count and alert on (`carepulse_events_rejected_total`), the
field path is what a producer team needs to fix its code. Neither ever contains the
offending value, so rejections can be logged and exported without leaking customer data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import ValidationError

from schemas.events import EVENT_ADAPTER, Event

RejectReason = Literal[
    "too_large",
    "invalid_utf8",
    "invalid_json",
    "not_an_object",
    "unknown_type",
    "missing_field",
    "invalid_field",
]
REJECT_REASONS: tuple[RejectReason, ...] = get_args(RejectReason)
DEFAULT_MAX_RECORD_BYTES = 64 * 1024
validate_json = EVENT_ADAPTER.validator.validate_json
"""One record's bytes to its event, or ValidationError (TypeAdapter's wrapper skipped):
`parse_event` without the size check and the classification, for a caller's fast path."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """One rejected record: the reason, the offending field path (`""` for the record
    as a whole) and a human-readable detail that never quotes the input."""

    reason: RejectReason
    field: str
    detail: str


def parse_event(raw: bytes, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> Event | Rejection:
    """Validates one record; never raises for bad input."""
    if len(raw) > max_record_bytes and len(raw.rstrip(b"\r\n")) > max_record_bytes:
        # a JSONL line's break is not part of the record
        return Rejection("too_large", "", f"record of {len(raw)} bytes > {max_record_bytes}")
    try:
        event: Event = validate_json(raw)
    except ValidationError as error:
        return classify(error, raw)
    return event


def classify(error: ValidationError, raw: bytes) -> Rejection:
    """Maps pydantic's first error to a reason and a field path."""
    first: Any = error.errors(include_url=False, include_input=False)[0]
    kind: str = first["type"]
    loc: tuple[str | int, ...] = tuple(first["loc"])
    if kind == "json_invalid":
        return _invalid_json(raw, first["msg"])
    if kind in ("model_type", "dict_type", "model_attributes_type") and not loc:
        return Rejection("not_an_object", "", "a record must be a JSON object")
    if kind == "union_tag_not_found":
        return Rejection("missing_field", "type", "field required")
    if kind == "union_tag_invalid":
        return Rejection("unknown_type", "type", "not an event type of contract v1.1")
    field = field_path(loc[1:])
    if kind == "cross_field":
        field = first["ctx"]["field"]
    if kind == "missing":
        return Rejection("missing_field", field, "field required")
    return Rejection("invalid_field", field, first["msg"])


def field_path(loc: tuple[str | int, ...]) -> str:
    """`("tags", 3)` -> `"tags[3]"`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _invalid_json(raw: bytes, message: str) -> Rejection:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return Rejection("invalid_utf8", "", f"invalid UTF-8 at byte {error.start}")
    detail = message.removeprefix("Invalid JSON: ").replace(" at line 1 column ", " at column ")
    return Rejection("invalid_json", "", detail)
