"""Malformed Kafka records of many kinds, each with the rejection it must get.

Each kind builds its record from a valid event of the simulator and knows by construction
the reason and field path the validator must give, so a test can expect exact counts per
reason and check every dead letter."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

Body = dict[str, Any]


@dataclass(frozen=True)
class Malformed:
    key: bytes | None
    value: bytes | None
    reason: str
    field: str


Maker = Callable[[random.Random, Body], tuple[bytes | None, str, str]]


def _dumps(body: Body) -> bytes:
    return orjson.dumps(body)


def _changed(body: Body, **fields: Any) -> bytes:
    return _dumps({**body, **fields})


def _truncated(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    line = _dumps(body)  # ASCII: a cut never splits a character
    return line[: 1 + rng.randrange(len(line) - 1)], "invalid_json", ""


def _wrong_type(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    field, value = rng.choice([
        ("conversation_id", 42), ("occurred_at", 1_763_600_000), ("channel", ["x"]),
        ("event_id", None), ("priority", 3), ("brand", {"name": "acme"}),
    ])
    return _changed(body, **{field: value}), "invalid_field", field


def _wrong_type_of_type(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    base = {key: body[key] for key in ("event_id", "occurred_at", "conversation_id", "channel")}
    field, record = rng.choice([
        ("sentiment", {**base, "type": "message.received", "customer_id": "u-0",
                       "sentiment": "very"}),
        ("score", {**base, "type": "survey.answered", "survey": "csat", "score": "4"}),
        ("score", {**base, "type": "survey.answered", "survey": "nps", "score": 9.5}),
        ("amount", {**base, "type": "sale.attributed", "amount": "lots", "currency": "EUR"}),
        ("tags", {**base, "type": "conversation.tagged", "tags": "vip"}),
        ("tags[1]", {**base, "type": "conversation.tagged", "tags": ["vip", 7]}),
    ])
    return _dumps(record), "invalid_field", field


def _huge_string(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    field = rng.choice(["event_id", "conversation_id"])
    return _changed(body, **{field: "x" * rng.randint(129, 20_000)}), "invalid_field", field


def _huge_label(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    field = rng.choice(["brand", "channel"])
    return _changed(body, **{field: "y" * rng.randint(65, 5_000)}), "invalid_field", field


def _too_many_tags(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    record = {**body, "type": "conversation.tagged", "tags": ["t"] * rng.randint(33, 500)}
    return _dumps(record), "invalid_field", "tags"


def _too_large(rng: random.Random, body: Body, max_record_bytes: int) -> tuple[bytes, str, str]:
    size = rng.randint(max_record_bytes + 1, 2 * max_record_bytes)
    return _changed(body, event_id="z" * size), "too_large", ""


def _deep(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    depth = rng.randint(201, 5_000)
    line = _dumps(body)
    nested = b'"extra":' + b"[" * depth + b"]" * depth
    return line[:-1] + b"," + nested + b"}", "invalid_json", ""


def _invalid_utf8(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    line = _dumps(body)
    bad = rng.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80"])
    at = line.index(b'"', line.index(b'"conversation_id"') + 17) + 1  # inside the value
    return line[:at] + bad + line[at:], "invalid_utf8", ""


def _naive(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    stamp = rng.choice(["2026-11-02T00:00:00", "2026-11-02T09:15:00.5", "2026-11-02"])
    return _changed(body, occurred_at=stamp), "invalid_field", "occurred_at"


def _outside_years(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    stamp = rng.choice(["9999-12-31T23:59:59-23:59", "1969-12-31T23:59:59Z",
                        "2100-01-01T00:00:00Z", "0001-01-01T00:00:00+23:59"])
    return _changed(body, occurred_at=stamp), "invalid_field", "occurred_at"


def _score_out_of_range(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    survey, score = rng.choice([("csat", 0), ("csat", 6), ("nps", -1), ("nps", 11)])
    record = {**body, "type": "survey.answered", "survey": survey, "score": score}
    return _dumps(record), "invalid_field", "score"


def _unknown_type(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    kind = rng.choice(["message.deleted", "MESSAGE.RECEIVED", "", "reply"])
    return _changed(body, type=kind), "unknown_type", "type"


def _missing(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    field = rng.choice(["event_id", "occurred_at", "conversation_id", "channel", "type"])
    return _dumps({k: v for k, v in body.items() if k != field}), "missing_field", field


def _empty(rng: random.Random, body: Body) -> tuple[bytes | None, str, str]:
    return rng.choice([b"", b" ", b"\n", None]), "invalid_json", ""


def _not_an_object(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    return rng.choice([_dumps([body]), b"42", b'"hi"', b"null", b"true"]), "not_an_object", ""


def _noise(rng: random.Random, body: Body) -> tuple[bytes, str, str]:
    noise = bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
    return b"\xff" + noise, "invalid_utf8", ""  # 0xFF is never UTF-8


KINDS: Sequence[Maker] = (
    _truncated, _wrong_type, _wrong_type_of_type, _huge_string, _huge_label, _too_many_tags,
    _deep, _invalid_utf8, _naive, _outside_years, _score_out_of_range, _unknown_type,
    _missing, _empty, _not_an_object, _noise,
)


def malformed_records(
    valid: Sequence[bytes], count: int, seed: int, max_record_bytes: int
) -> list[Malformed]:
    """`count` malformed records made from the valid lines `valid`, keyed like their
    source line (by conversation), or unkeyed for one in five; one in a hundred is larger
    than `max_record_bytes` (at most twice)."""
    rng = random.Random(seed)
    records = []
    for _ in range(count):
        body = orjson.loads(rng.choice(valid))
        if rng.random() < 0.01:
            value, reason, field = _too_large(rng, body, max_record_bytes)
        else:
            value, reason, field = rng.choice(KINDS)(rng, body)
        key = None if rng.random() < 0.2 else str(body["conversation_id"]).encode()
        if key is None and value is None:
            value = b""  # a producer cannot send a record without key and value
        records.append(Malformed(key, value, reason, field))
    return records
