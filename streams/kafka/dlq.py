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
offset headers identify it, and readers keep the first record of each (`replay --topic`
on the DLQ and `carepulse dlq` do; `dlq_records_unique`). `read_dead_letter` gives a
reader all the headers say (the source positions `replay --topic` and `carepulse dlq`
write in their rejects files).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from aiokafka.record.default_records import DefaultRecordBatchBuilder

from schemas.rejections import REJECT_REASONS, Rejection, RejectReason

Headers = list[tuple[str, bytes]]
DeadLetter = tuple[bytes | None, bytes | None, Headers]
SOURCE_TOPIC = "carepulse-source-topic"
SOURCE_PARTITION = "carepulse-source-partition"
SOURCE_OFFSET = "carepulse-source-offset"
REASON = "carepulse-reason"
FIELD = "carepulse-field"
KEY_BYTES = "carepulse-key-bytes"
VALUE_BYTES = "carepulse-value-bytes"


def dead_letter(
    rejection: Rejection, topic: str, partition: int, offset: int, key: bytes | None,
    value: bytes | None, max_request_bytes: int,
) -> DeadLetter:
    """(key, value, headers) of the DLQ record for a rejected input record."""
    headers: Headers = [
        (SOURCE_TOPIC, topic.encode()),
        (SOURCE_PARTITION, str(partition).encode()),
        (SOURCE_OFFSET, str(offset).encode()),
        (REASON, rejection.reason.encode()),
        (FIELD, rejection.field.encode()),
    ]
    if DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers) <= max_request_bytes:
        return key, b"" if key is None and value is None else value, headers
    sizes = [
        (KEY_BYTES, str(_size(key)).encode()),
        (VALUE_BYTES, str(_size(value)).encode()),
    ]
    return None, b"", headers + sizes


def _size(data: bytes | None) -> int:
    return 0 if data is None else len(data)


@dataclass(frozen=True, slots=True)
class DeadLetterHeaders:
    """What a dead letter's headers say: where the rejected record lies, why it was
    rejected, and, for a reference, the sizes of the record left at its source."""

    topic: str
    partition: int
    offset: int
    reason: RejectReason
    field: str
    key_bytes: int | None = None
    value_bytes: int | None = None

    @property
    def is_reference(self) -> bool:
        return self.value_bytes is not None

    def rejection(self, revalidated: Rejection) -> Rejection:
        """The record's rejection: `revalidated` (the reader's validation of the value),
        except for a reference, whose empty value says nothing: too large, with its sizes."""
        if self.value_bytes is None:
            return revalidated
        return Rejection("too_large", self.field,
                         f"a reference: key {self.key_bytes or 0} bytes, value "
                         f"{self.value_bytes} bytes, too large to copy; the record stays at "
                         "its source offset")


def read_dead_letter(headers: Iterable[tuple[str, bytes | None]]) -> DeadLetterHeaders | None:
    """The headers of a CarePulse dead letter; None when one of the source, reason or
    field headers is missing or malformed (not a CarePulse dead letter)."""
    found = {name: value for name, value in headers if value is not None}
    try:
        reason = found[REASON].decode()
        partition, offset = int(found[SOURCE_PARTITION]), int(found[SOURCE_OFFSET])
        topic, field_path = found[SOURCE_TOPIC].decode(), found[FIELD].decode()
        sizes = [int(found[name]) if name in found else None
                 for name in (KEY_BYTES, VALUE_BYTES)]
    except (KeyError, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    if reason not in REJECT_REASONS or partition < 0 or offset < 0:
        return None
    return DeadLetterHeaders(topic, partition, offset, reason, field_path,
                             *sizes)


@dataclass(slots=True)
class DeadLetterRepeats:
    """The dead letters a reader has seen, by source, and how many later copies it met."""

    seen: set[tuple[str, int, int]] = field(default_factory=set)
    repeated: int = 0

    def is_repeat(self, letter: DeadLetterHeaders) -> bool:
        source = (letter.topic, letter.partition, letter.offset)
        if source in self.seen:
            self.repeated += 1
            return True
        self.seen.add(source)
        return False


class HasHeaders(Protocol):
    @property
    def headers(self) -> Sequence[tuple[str, bytes | None]]: ...


R = TypeVar("R", bound=HasHeaders)


def dlq_records_unique(records: Iterable[R]) -> Iterator[R]:
    """The records of a DLQ without the later copies of a dead letter (same source
    topic, partition and offset as an earlier one); records that are not CarePulse dead
    letters all pass."""
    repeats = DeadLetterRepeats()
    for record in records:
        letter = read_dead_letter(record.headers)
        if letter is None or not repeats.is_repeat(letter):
            yield record
