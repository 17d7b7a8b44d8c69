"""The dead-letter copy: untouched when the producer can send it, a reference otherwise;
and what a reader takes from its headers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from schemas.rejections import Rejection
from streams.kafka.dlq import (
    DeadLetterHeaders,
    DeadLetterRepeats,
    dead_letter,
    dlq_records_unique,
    read_dead_letter,
)

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


@dataclass(frozen=True)
class Record:
    offset: int
    headers: list[tuple[str, bytes | None]]


def test_later_copies_of_a_dead_letter_are_dropped_and_records_without_headers_kept() -> None:
    """After restarts the DLQ may hold a rejected record several times (at least once)."""
    def letter(partition: int, offset: int) -> list[tuple[str, bytes | None]]:
        return list(dead_letter(REJECTION, "care.events", partition, offset, None, b"x",
                                6000)[2])

    records = [
        Record(0, letter(3, 1234)), Record(1, letter(3, 1235)), Record(2, letter(3, 1234)),
        Record(3, []), Record(4, []), Record(5, letter(2, 1234)), Record(6, letter(3, 1235)),
    ]
    assert [record.offset for record in dlq_records_unique(records)] == [0, 1, 3, 4, 5]


def test_a_reader_gets_source_reason_and_field_from_the_headers() -> None:
    headers = dead_letter(Rejection("invalid_field", "occurred_at", "naive"), "care.events",
                          3, 1234, b"c-1", b"x", 6000)[2]
    letter = read_dead_letter(headers)
    assert letter == DeadLetterHeaders("care.events", 3, 1234, "invalid_field", "occurred_at")
    assert not letter.is_reference
    revalidated = Rejection("invalid_field", "occurred_at", "no UTC offset")
    assert letter.rejection(revalidated) is revalidated


def test_a_reference_is_rejected_as_too_large_with_its_sizes_whatever_its_empty_value_says(
) -> None:
    headers = dead_letter(REJECTION, "care.events", 3, 1234, b"c-1", b"x" * 5000, 5000)[2]
    letter = read_dead_letter(headers)
    assert letter == DeadLetterHeaders("care.events", 3, 1234, "too_large", "", 3, 5000)
    empty = Rejection("invalid_json", "", "EOF while parsing a value at column 0")
    assert letter.rejection(empty) == Rejection(
        "too_large", "", "a reference: key 3 bytes, value 5000 bytes, too large to copy; the "
                         "record stays at its source offset")


@pytest.mark.parametrize("broken", [
    [],  # no headers at all
    WHERE[:-1],  # no field header
    [(name, b"-1" if name == "carepulse-source-offset" else value) for name, value in WHERE],
    [(name, b"x" if name == "carepulse-source-partition" else value) for name, value in WHERE],
    [(name, b"too_big" if name == "carepulse-reason" else value) for name, value in WHERE],
    [(name, b"\xff" if name == "carepulse-source-topic" else value) for name, value in WHERE],
])
def test_headers_that_are_not_a_carepulse_dead_letter_give_none(
    broken: list[tuple[str, bytes | None]],
) -> None:
    assert read_dead_letter(broken) is None


def test_repeats_are_found_by_source_only() -> None:
    repeats = DeadLetterRepeats()
    first = DeadLetterHeaders("care.events", 3, 1234, "too_large", "")
    again = DeadLetterHeaders("care.events", 3, 1234, "invalid_json", "")
    other = DeadLetterHeaders("care.events", 2, 1234, "too_large", "")
    assert [repeats.is_repeat(letter) for letter in (first, again, other, first)] == [
        False, True, False, True]
    assert repeats.repeated == 2
