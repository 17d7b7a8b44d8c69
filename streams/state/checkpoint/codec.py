"""The changelog record format, versioned: every record kind is encoded and decoded here
(the key layout is keys.py).

    meta                  {"sequence", "next_offset", "counters", "rejected", "totals",
                           "windows", "segments", "produced_at_us", "version"}
    c0/<id>, c1/<id>      [sequence, conversation] where conversation is the positional
                          list of `dump_conversation`, or null once forgotten
    ids/<sequence>        [event id, ...]
    w/<tag>/<index>/<slot>  [sequence, [[brand, channel, [counts]], ...]]

The meta record commits a checkpoint and carries the format's version, FORMAT_VERSION
when written now; a meta record without "version" was written by version 1. A version
newer than FORMAT_VERSION is refused (CheckpointVersionError): its records may mean
something this code does not know.

Version 1 is every format written before the version field, some of which had no
brands. Decoding migrates it explicitly, one named function per record kind
(`_migrate_meta_v1`, `_migrate_totals_v1`, `_migrate_conversation_v1`,
`_migrate_window_bucket_v1`), to the current layout, which version 2 writes byte for
byte as version 1 did with brands (the meta record gains "version", nothing else).
Version 3 (contract 1.1) appends the conversation's working status, pending time,
stopped resolution clock, agent replies, assignee, team and team changes to its record
(`_V3_FIELDS`), and the totals gain the families of 1.1. `_migrate_conversation_v2` gives
a conversation record written before them their defaults: open since the cycle start,
nothing pending or stopped, no agent reply counted, no assignee, team or team change.
Its last event time was the time of its last event applied, where 1.1 keeps the latest
`occurred_at` of its events: the two differ only for events applied out of time order,
and a restored conversation takes the recorded one. Totals written before have
no family of 1.1: those start at 0.

The meta record's version is the version of the meta record. Data records carry none,
and a committed data record stays in the table until its conversation or bucket changes,
so a version-2 checkpoint may still hold conversation and window records written by
version 1: their migrations recognise a version-1 layout by its shape (a brand-less
record is one field shorter) whatever the meta record's version.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from streams.kpi.conversation import OPEN, Conversation
from streams.kpi.engine import Engine
from streams.kpi.sla import SlaBook

FORMAT_VERSION: Final = 3
"""The version written now (in the meta record)."""
LEGACY_VERSION: Final = 1
"""The version of a meta record without "version", and of unversioned data."""


class CheckpointVersionError(ValueError):
    """A checkpoint written in a format this code cannot read."""


def check_version(version: Any) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or version < LEGACY_VERSION:
        raise CheckpointVersionError(f"checkpoint format version {version!r} is not valid")
    if version > FORMAT_VERSION:
        raise CheckpointVersionError(
            f"checkpoint format version {version} is newer than this CarePulse can read "
            f"(versions {LEGACY_VERSION} to {FORMAT_VERSION}): restore it with the release "
            "that wrote it or a later one"
        )
    return version


# The meta record --------------------------------------------------------------------


def encode_meta(meta: dict[str, Any]) -> bytes:
    """The meta record's value: `meta` (without "version") and the current version."""
    return orjson.dumps({**meta, "version": FORMAT_VERSION})


def decode_meta(value: bytes) -> dict[str, Any]:
    """The meta record in the current layout, "version" giving the one it was written in
    (its "totals" are decoded by `decode_totals` with that version)."""
    meta: dict[str, Any] = orjson.loads(value)
    if not isinstance(meta, dict):
        raise ValueError(f"not a checkpoint meta record: {value[:80]!r}")
    version = check_version(meta.get("version", LEGACY_VERSION))
    if version == LEGACY_VERSION:
        meta = _migrate_meta_v1(meta)
    return meta


def _migrate_meta_v1(meta: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had no "version", and no "windows" before the rolling windows."""
    return {**meta, "windows": meta.get("windows"), "version": LEGACY_VERSION}


# Live totals (in the meta record) -----------------------------------------------------

# Version 1 before brands were labels: these counter families' keys were one shorter
# (no brand in front), and a histogram row was [name, channel, data].
_V1_BRANDLESS_KEY_LENGTHS: Final = {
    "messages": 1, "replies": 2, "opened": 1, "resolved": 2, "sla_breaches": 3, "sla_met": 3,
}


def decode_totals(data: dict[str, Any], version: int, legacy_brand: str) -> dict[str, Any]:
    """The totals part of a meta record of `version`, in the current layout
    (LiveTotals.to_json's); `legacy_brand` is the brand of brand-less version-1 keys."""
    if check_version(version) == LEGACY_VERSION:
        return _migrate_totals_v1(data, legacy_brand)
    return data


def _migrate_totals_v1(data: dict[str, Any], legacy_brand: str) -> dict[str, Any]:
    migrated = dict(data)
    for name, brandless in _V1_BRANDLESS_KEY_LENGTHS.items():
        if name in data:
            migrated[name] = [[legacy_brand, *row] if len(row) - 1 == brandless else row
                              for row in data[name]]
    migrated["histograms"] = [
        [row[0], legacy_brand, *row[1:]] if len(row) == 3 else row
        for row in data["histograms"]
    ]
    return migrated


# Engine counters (in the meta record) -------------------------------------------------

_COUNTERS: Final = ("accepted", "duplicates", "ignored", "out_of_order", "first_event_us",
                    "last_event_us")


def dump_counters(engine: Engine) -> dict[str, int]:
    return {name: getattr(engine, name) for name in _COUNTERS}


def load_counters(engine: Engine, data: dict[str, int]) -> None:
    for name in _COUNTERS:
        setattr(engine, name, data[name])


# Conversations --------------------------------------------------------------------------

# Positional, in this order: a new field goes to the end of `dump_conversation`, after
# the brand, with a new FORMAT_VERSION and a migration of the records without it.
_PLAIN_FIELDS: Final = (
    "at_risk", "cycle_channel", "cycle_open", "cycle_priority", "cycle_start_us",
    "first_reply_done", "first_response_start_us", "last_event_us", "resolution_deadline_us",
    "resolution_risk_us", "response_deadline_us", "response_risk_us", "response_target",
    "unanswered", "waiting_since_us",
)
_UNANSWERED: Final = _PLAIN_FIELDS.index("unanswered")
_V2_LENGTH: Final = len(_PLAIN_FIELDS) + 2  # then the policy name and the brand
_V3_FIELDS: Final = (
    "status", "status_since_us", "pending_since_us", "pending_us",
    "resolution_left_us", "agent_replies", "assignee", "team", "team_since_us",
    "team_history",
)
_CONVERSATION_LENGTH: Final = _V2_LENGTH + len(_V3_FIELDS)


def dump_conversation(conv: Conversation) -> list[Any]:
    values = [getattr(conv, name) for name in _PLAIN_FIELDS]
    return [*values, None if conv.policy is None else conv.policy.name, conv.cycle_brand,
            *(getattr(conv, name) for name in _V3_FIELDS)]


def encode_conversation(sequence: int, conv: Conversation | None) -> bytes:
    """A conversation record's value; None marks the conversation forgotten."""
    return orjson.dumps([sequence, None if conv is None else dump_conversation(conv)])


def decode_conversation(value: bytes) -> tuple[int, list[Any] | None]:
    """(sequence, the conversation's list or None when forgotten): `load_conversation`
    turns the list into a Conversation."""
    sequence, data = orjson.loads(value)
    return sequence, data


def load_conversation(data: list[Any], sla: SlaBook, legacy_brand: str) -> Conversation:
    """`legacy_brand` is the brand of a record written before brands were labels."""
    data = _migrate_conversation_v2(_migrate_conversation_v1(data, legacy_brand))
    if len(data) != _CONVERSATION_LENGTH:
        raise ValueError(f"a conversation record of {len(data)} fields, not "
                         f"{_CONVERSATION_LENGTH}")
    conv = Conversation()
    for name, value in zip(_PLAIN_FIELDS, data, strict=False):
        if name != "unanswered":
            setattr(conv, name, value)
    conv.unanswered = [(item[0], item[1], item[2]) for item in data[_UNANSWERED]]
    policy_name, brand = data[len(_PLAIN_FIELDS):_V2_LENGTH]
    conv.policy = None if policy_name is None else sla.by_name(policy_name)
    conv.cycle_brand = brand
    fields = dict(zip(_V3_FIELDS, data[_V2_LENGTH:], strict=True))
    history: list[Any] | None = fields.pop("team_history")  # of [since_us, team] pairs
    for name, value in fields.items():
        setattr(conv, name, value)
    # JSON has lists; the (compiled) conversation holds tuples
    conv.team_history = None if history is None else [(since, team) for since, team in history]
    return conv


def _migrate_conversation_v1(data: list[Any], legacy_brand: str) -> list[Any]:
    """Version 1 before brands were labels: no brand after the policy name, and each
    unanswered message as [channel, at_us]. Current records are returned as they are."""
    unanswered = data[_UNANSWERED]
    brandless = len(data) == _V2_LENGTH - 1
    if not brandless and all(len(item) == 3 for item in unanswered):
        return data
    migrated = list(data)
    migrated[_UNANSWERED] = [[item[0], legacy_brand, item[1]] if len(item) == 2 else item
                             for item in unanswered]
    if brandless:
        migrated.append(legacy_brand)
    return migrated


_CYCLE_START: Final = _PLAIN_FIELDS.index("cycle_start_us")


def _migrate_conversation_v2(data: list[Any]) -> list[Any]:
    """Versions 1 and 2 (contract 1.0) ended at the brand: the fields of 1.1 at their
    defaults, in `_V3_FIELDS` order (a conversation of 1.0 was created by a message, so it
    has had a cycle: open since its start). Current records are returned as they are."""
    if len(data) != _V2_LENGTH:
        return data
    return [*data, OPEN, data[_CYCLE_START], 0, 0, None, 0, None, None, 0, None]


# Event id segments ---------------------------------------------------------------------


def encode_segment(event_ids: list[str]) -> bytes:
    return orjson.dumps(event_ids)


def decode_segment(value: bytes) -> list[str]:
    ids: list[str] = orjson.loads(value)
    return ids


# Window buckets ------------------------------------------------------------------------

WindowRow = tuple[str, str, list[int]]  # brand, channel, the counts in Counts order


def encode_window_bucket(sequence: int, rows: list[list[Any]]) -> bytes:
    """A window bucket's value: rows [brand, channel, [counts]]."""
    return orjson.dumps([sequence, rows])


def decode_window_bucket(value: bytes) -> tuple[int, Any]:
    """(sequence, the bucket's undecoded rows): `window_bucket_rows` decodes the rows of
    the buckets a restore keeps."""
    sequence, data = orjson.loads(value)
    return sequence, data


def window_bucket_rows(data: Any, width: int, legacy_brand: str) -> list[WindowRow]:
    """The rows of a bucket, each with `width` counts."""
    return _migrate_window_bucket_v1(data, width, legacy_brand)


def _migrate_window_bucket_v1(data: Any, width: int, legacy_brand: str) -> list[WindowRow]:
    """Version 1 before brands were labels wrote {channel: counts}. Rows of other
    widths than Counts' are fitted to it, as version 1 did: missing counts (added since
    the row was written) are 0, extra ones are left out. Current rows are unchanged."""
    rows = ([(legacy_brand, channel, counts) for channel, counts in data.items()]
            if isinstance(data, dict) else [(brand, channel, counts)
                                            for brand, channel, counts in data])
    return [(brand, channel, [*counts[:width], *[0] * (width - len(counts))])
            for brand, channel, counts in rows]
