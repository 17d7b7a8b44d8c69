"""The dead-letter copy: untouched when the producer can send it, a reference otherwise."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.rejections import Rejection
from streams.kafka.dlq import dead_letter, dead_letter_source, dlq_records_unique

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


def test_a_dead_letter_is_identified_by_its_source_topic_partition_and_offset() -> None:
    _, _, headers = dead_letter(REJECTION, "care.events", 3, 1234, b"c-1", b"x", 6000)
    assert dead_letter_source(headers) == (b"care.events", b"3", b"1234")
    assert dead_letter_source(headers[1:]) is None  # not a CarePulse dead letter
    assert dead_letter_source([]) is None


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
