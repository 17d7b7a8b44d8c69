"""Engine state as plain JSON values, for the live worker's checkpoints.

A checkpoint holds, per input partition, every conversation changed since the previous
one, the engine's event counts, the live totals and the event ids remembered for
deduplication. Restoring them and re-applying the events after the checkpoint's offset
gives exactly the state of a worker that never stopped.
"""

from __future__ import annotations

from typing import Any

from streams.core.engine import Conversation, Engine
from streams.core.sla import SlaBook

Record = tuple[bytes, bytes | None]  # checkpoint table key, value (None deletes)

_PLAIN_FIELDS = tuple(
    name for name in Conversation.__slots__ if name not in ("policy", "checkpoint_slot")
)
_COUNTERS = ("accepted", "duplicates", "ignored", "out_of_order", "first_event_us",
             "last_event_us")


def dump_conversation(conv: Conversation) -> list[Any]:
    values = [getattr(conv, name) for name in _PLAIN_FIELDS]
    return [*values, None if conv.policy is None else conv.policy.name]


def load_conversation(data: list[Any], sla: SlaBook) -> Conversation:
    conv = Conversation()
    for name, value in zip(_PLAIN_FIELDS, data, strict=False):
        setattr(conv, name, value)
    conv.unanswered = [(channel, at_us) for channel, at_us in conv.unanswered]
    policy_name = data[len(_PLAIN_FIELDS)]
    conv.policy = None if policy_name is None else sla.by_name(policy_name)
    return conv


def dump_counters(engine: Engine) -> dict[str, int]:
    return {name: getattr(engine, name) for name in _COUNTERS}


def load_counters(engine: Engine, data: dict[str, int]) -> None:
    for name in _COUNTERS:
        setattr(engine, name, data[name])
