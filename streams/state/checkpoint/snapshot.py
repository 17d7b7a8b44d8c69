"""Engine state as plain JSON values, for the live worker's checkpoints.

A checkpoint holds, per input partition, every conversation changed since the previous
one, the engine's event counts, the live totals and the event ids remembered for
deduplication. Restoring them and re-applying the events after the checkpoint's offset
gives exactly the state of a worker that never stopped.
"""

from __future__ import annotations

from typing import Any

from streams.kpi.conversation import Conversation
from streams.kpi.engine import Engine
from streams.kpi.sla import SlaBook

# Positional, in this order: records written by earlier versions must still load, so a
# new field goes to the end of `dump_conversation`, after the policy name.
_PLAIN_FIELDS = (
    "at_risk", "cycle_channel", "cycle_open", "cycle_priority", "cycle_start_us",
    "first_reply_done", "first_response_start_us", "last_event_us", "resolution_deadline_us",
    "resolution_risk_us", "response_deadline_us", "response_risk_us", "response_target",
    "unanswered", "waiting_since_us",
)
_UNANSWERED = _PLAIN_FIELDS.index("unanswered")
_COUNTERS = ("accepted", "duplicates", "ignored", "out_of_order", "first_event_us",
             "last_event_us")


def dump_conversation(conv: Conversation) -> list[Any]:
    values = [getattr(conv, name) for name in _PLAIN_FIELDS]
    return [*values, None if conv.policy is None else conv.policy.name, conv.cycle_brand]


def load_conversation(data: list[Any], sla: SlaBook, legacy_brand: str) -> Conversation:
    """`legacy_brand` is the brand of a record written before brands were labels."""
    conv = Conversation()
    for name, value in zip(_PLAIN_FIELDS, data, strict=False):
        setattr(conv, name, value)
    conv.unanswered = [  # JSON arrays, as (channel, brand, at_us) tuples
        (item[0], legacy_brand, item[1]) if len(item) == 2 else (item[0], item[1], item[2])
        for item in data[_UNANSWERED]
    ]
    policy_name, *rest = data[len(_PLAIN_FIELDS):]
    conv.policy = None if policy_name is None else sla.by_name(policy_name)
    conv.cycle_brand = rest[0] if rest else legacy_brand
    return conv


def dump_counters(engine: Engine) -> dict[str, int]:
    return {name: getattr(engine, name) for name in _COUNTERS}


def load_counters(engine: Engine, data: dict[str, int]) -> None:
    for name in _COUNTERS:
        setattr(engine, name, data[name])
