"""Deduplication by `event_id`, of every id or in bounded memory.

Bounded: two generations of sets: ids go into the young one; when it holds half the
capacity it becomes the old one and the previous old one is dropped. At most `capacity`
ids are held, and at least the last `capacity // 2` distinct ids are always remembered.
Cheaper than an LRU (no per-hit reordering) and free of the slow-iteration trap of
deleting from the front of a dict. Without a capacity the young set keeps every id.
"""

from __future__ import annotations


class RecentIds:
    def __init__(self, capacity: int | None) -> None:
        """`capacity` None: every id is remembered."""
        if capacity is not None and capacity < 2:
            raise ValueError("capacity must be at least 2")
        self._generation_size = 0 if capacity is None else capacity // 2  # 0: no limit
        self._young: set[str] = set()
        self._old: set[str] = set()

    def seen_before(self, event_id: str) -> bool:
        """True if `event_id` is remembered; otherwise remembers it and returns False."""
        if event_id in self._old:
            return True
        young = self._young
        size = len(young)
        young.add(event_id)  # one probe: adds a new id, finds a remembered one
        if len(young) == size:
            return True
        if self._generation_size and len(young) >= self._generation_size:
            self._old = young
            self._young = set()
        return False

    def __len__(self) -> int:
        return len(self._young) + len(self._old)
