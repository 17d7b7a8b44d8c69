"""The dead-letter copy of a rejected record.

The copy keeps the record's key and value byte for byte, with headers naming where it
came from and why it was rejected. A record too big for the producer's maximum request
size (Faust's `producer_max_request_size`, 1,000,000 bytes by default) cannot be copied:
sending it would fail and crash the agent, which Faust then restarts. Such a record gets
a reference instead, with no key and an empty value: the same headers plus its sizes,
pointing at the source offset where the record itself stays (for the topic's retention).
A record with neither key nor value is copied with an empty value (the producer cannot
send a record without both).

Dead letters are at least once: a rejected record applied again after a crash, restart
or rebalance (the events after the last checkpoint are) is dead-lettered again, so the
DLQ may hold several copies of one rejected record. Its source topic, partition and
offset headers identify it: `dead_letter_source` gives that key, and readers keep the
first record of each (`replay --topic` on the DLQ does; `dlq_records_unique`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, TypeVar

from aiokafka.record.default_records import DefaultRecordBatchBuilder

Headers = list[tuple[str, bytes]]
DeadLetter = tuple[bytes | None, bytes | None, Headers]
SOURCE_TOPIC = "carepulse-source-topic"
SOURCE_PARTITION = "carepulse-source-partition"
SOURCE_OFFSET = "carepulse-source-offset"
Source = tuple[bytes, bytes, bytes]
"""A dead letter's source topic, partition and offset, as their header bytes."""


class Reason(Protocol):
    """Why a record is dead-lettered: a reason of the contract's (`Rejection`) or of a
    help desk's mapping (`streams.bridge.platforms.Unmappable`)."""

    @property
    def reason(self) -> str: ...

    @property
    def field(self) -> str: ...


def dead_letter(
    rejection: Reason, topic: str, partition: int, offset: int, key: bytes | None,
    value: bytes | None, max_request_bytes: int,
) -> DeadLetter:
    """(key, value, headers) of the DLQ record for a rejected input record."""
    headers: Headers = [
        (SOURCE_TOPIC, topic.encode()),
        (SOURCE_PARTITION, str(partition).encode()),
        (SOURCE_OFFSET, str(offset).encode()),
        ("carepulse-reason", rejection.reason.encode()),
        ("carepulse-field", rejection.field.encode()),
    ]
    if DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers) <= max_request_bytes:
        return key, b"" if key is None and value is None else value, headers
    sizes = [
        ("carepulse-key-bytes", str(_size(key)).encode()),
        ("carepulse-value-bytes", str(_size(value)).encode()),
    ]
    return None, b"", headers + sizes


def _size(data: bytes | None) -> int:
    return 0 if data is None else len(data)


def dead_letter_source(headers: Iterable[tuple[str, bytes | None]]) -> Source | None:
    """The (source topic, partition, offset) that identify a dead letter; None for a
    record without all three headers (not a CarePulse dead letter)."""
    topic = partition = offset = None
    for name, value in headers:
        if name == SOURCE_TOPIC:
            topic = value
        elif name == SOURCE_PARTITION:
            partition = value
        elif name == SOURCE_OFFSET:
            offset = value
    if topic is None or partition is None or offset is None:
        return None
    return topic, partition, offset


class HasHeaders(Protocol):
    @property
    def headers(self) -> Sequence[tuple[str, bytes | None]]: ...


R = TypeVar("R", bound=HasHeaders)


def dlq_records_unique(records: Iterable[R]) -> Iterator[R]:
    """The records of a DLQ without the later copies of a dead letter (same source
    topic, partition and offset as an earlier one); records without those headers all
    pass."""
    seen: set[Source] = set()
    for record in records:
        source = dead_letter_source(record.headers)
        if source is not None:
            if source in seen:
                continue
            seen.add(source)
        yield record
