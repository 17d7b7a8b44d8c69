"""The dead-letter copy: untouched when the producer can send it, a reference otherwise."""

from __future__ import annotations

from schemas.rejections import Rejection
from streams.live.dlq import dead_letter

REJECTION = Rejection("too_large", "", "record of 5000 bytes > 4096")
WHERE = [
    ("carepulse-source-topic", b"care.events"), ("carepulse-source-partition", b"3"),
    ("carepulse-source-offset", b"1234"), ("carepulse-reason", b"too_large"),
    ("carepulse-field", b""),
]


def test_a_record_the_producer_can_send_is_copied_untouched() -> None:
    value = b"x" * 5000
    assert dead_letter(REJECTION, "care.events", 3, 1234, b"c-1", value, 6000) == (
        b"c-1", value, WHERE)


def test_a_record_too_big_to_send_becomes_a_reference_with_its_sizes() -> None:
    value = b"x" * 5000
    assert dead_letter(REJECTION, "care.events", 3, 1234, b"c-1", value, 5000) == (
        None, b"", [*WHERE, ("carepulse-key-bytes", b"3"), ("carepulse-value-bytes", b"5000")])


def test_a_record_without_key_and_value_gets_an_empty_value() -> None:
    empty = Rejection("invalid_json", "", "EOF while parsing a value at column 0")
    key, value, headers = dead_letter(empty, "care.events", 3, 1234, None, None, 6000)
    assert (key, value) == (None, b"")
    assert dict(headers)["carepulse-reason"] == b"invalid_json"
