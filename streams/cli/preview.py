"""A safe preview of a rejected record: its shape, never its content.

A dead letter holds a record byte for byte, with customer ids and message text in it, and
a hostile record can put them anywhere: in the `type`, in a field's name, as the whole
record. So the preview prints only words of closed sets chosen by CarePulse (an event
type of the contract, the contract's field names, the JSON kind of a value) and numbers
(sizes, counts), never a value or a name taken from the record: an unknown type is
`unknown type`, fields not in the contract are counted (`+2 other fields`).
"""

from __future__ import annotations

from typing import Any, get_args

import orjson

from schemas.events import EVENT_TYPES, Event
from streams.kafka.dlq import DeadLetterHeaders

CONTRACT_FIELDS = frozenset(
    name for model in get_args(get_args(Event)[0]) for name in model.model_fields
)
"""Every field name of the event contract (any type)."""
JSON_KINDS = ((list, "array"), (str, "string"), (bool, "boolean"), (int, "number"),
              (float, "number"))


def safe_preview(value: bytes | None, letter: DeadLetterHeaders | None = None) -> str:
    """`message.received {channel, conversation_id, event_id, occurred_at} +1 other
    field, 212 bytes`; `not JSON, 9 bytes`; `a reference: the record (3 + 1,020,000
    bytes) stays at its source offset`."""
    if letter is not None and letter.is_reference:
        return (f"a reference: the record ({letter.key_bytes or 0:,} + "
                f"{letter.value_bytes or 0:,} bytes) stays at its source offset")
    if not value:
        return "no value" if value is None else "empty"
    size = f"{len(value):,} byte{'s' * (len(value) != 1)}"
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return f"not UTF-8, {size}"
    try:
        parsed: Any = orjson.loads(value)
    except orjson.JSONDecodeError:
        return f"not JSON, {size}"
    if not isinstance(parsed, dict):
        return f"JSON {_kind(parsed)}, {size}"
    return f"{_object_shape(parsed)}, {size}"


def _kind(parsed: Any) -> str:
    if parsed is None:
        return "null"
    return next(kind for python_type, kind in JSON_KINDS if isinstance(parsed, python_type))


def _object_shape(parsed: dict[str, Any]) -> str:
    kind = parsed.get("type")
    if kind is None:
        event_type = "no type"
    elif kind in EVENT_TYPES:
        event_type = kind
    else:
        event_type = "unknown type"
    known = sorted(name for name in parsed if name in CONTRACT_FIELDS and name != "type")
    others = sum(1 for name in parsed if name not in CONTRACT_FIELDS)
    shape = f"{event_type} {{{', '.join(known)}}}"
    if others:
        shape += f" +{others} other field{'s' * (others > 1)}"
    return shape
