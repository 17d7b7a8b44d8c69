"""The key layout of the changelog table (`<app_id>-state-changelog`).

Changelog partition p holds the records of input partition p, every key starting with
`p/`. After that prefix:

    c0/<conversation id>, c1/<conversation id>   a conversation's state, two slots
    ids/<sequence>                                event ids remembered by checkpoint N
    meta                                          the record that commits a checkpoint
    w/m/<minute index>/<slot>, w/h/<hour index>/<slot>   a window bucket, two slots

Why two slots, sequences and the meta record: streams/state/partition.py. What the
values hold, the format version and its migrations: codec.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

Record = tuple[bytes, bytes | None]
"""A changelog table key and its value (None deletes the key)."""

CONVERSATION_KINDS: Final = (b"c0", b"c1")  # the slots, as the first part of a name
SEGMENTS: Final = b"ids"
META: Final = b"meta"
WINDOWS: Final = b"w"


def key_prefix(partition: int) -> bytes:
    return b"%d/" % partition


def conversation_key(prefix: bytes, slot: int, conversation_id: bytes) -> bytes:
    return prefix + b"c%d/" % slot + conversation_id


def segment_key(prefix: bytes, sequence: int) -> bytes:
    return prefix + b"ids/%d" % sequence


def meta_key(prefix: bytes) -> bytes:
    return prefix + META


def window_name(tag: bytes, index: int, slot: int) -> bytes:
    """A window bucket's name, without the partition's prefix."""
    return b"w/%s/%d/%d" % (tag, index, slot)


def split_name(name: bytes) -> tuple[bytes, bytes]:
    """(kind, rest) of a key without its prefix: b"c1/conv-7" -> (b"c1", b"conv-7")."""
    kind, _, rest = name.partition(b"/")
    return kind, rest


def partition_records(
    items: Iterable[tuple[bytes, bytes]], partition: int
) -> list[tuple[bytes, bytes]]:
    """The records of one input partition among a table's records."""
    prefix = key_prefix(partition)
    return [(key, value) for key, value in items if key.startswith(prefix)]
