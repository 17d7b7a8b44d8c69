"""The dead-letter copy of a rejected record.

The copy keeps the record's key and value byte for byte, with headers naming where it
came from and why it was rejected. A record too big for the producer's maximum request
size (Faust's `producer_max_request_size`, 1,000,000 bytes by default) cannot be copied:
sending it would fail and crash the agent, which Faust then restarts. Such a record gets
a reference instead, with no key and an empty value: the same headers plus its sizes,
pointing at the source offset where the record itself stays (for the topic's retention).
A record with neither key nor value is copied with an empty value (the producer cannot
send a record without both).
"""

from __future__ import annotations

from aiokafka.record.default_records import DefaultRecordBatchBuilder

from schemas.rejections import Rejection

Headers = list[tuple[str, bytes]]
DeadLetter = tuple[bytes | None, bytes | None, Headers]


def dead_letter(
    rejection: Rejection, topic: str, partition: int, offset: int, key: bytes | None,
    value: bytes | None, max_request_bytes: int,
) -> DeadLetter:
    """(key, value, headers) of the DLQ record for a rejected input record."""
    headers: Headers = [
        ("carepulse-source-topic", topic.encode()),
        ("carepulse-source-partition", str(partition).encode()),
        ("carepulse-source-offset", str(offset).encode()),
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
