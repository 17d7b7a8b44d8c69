"""Fuzzing the validator and the core (hypothesis): whatever bytes come in, the only
outcome besides an event is the documented rejection, and an accepted event never makes
the core (replay or live partition state, with SLA policies and a calendar) raise."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from schemas.events import EVENT_TYPES, Event
from schemas.rejections import REJECT_REASONS, Rejection, parse_event
from streams.audit.report import AuditRun
from streams.config import CalendarConfig, CarePulseConfig, SlaConfig, SlaMatch, SlaPolicy
from streams.state.partition import PartitionState

CONFIG = CarePulseConfig(
    calendars={"office": CalendarConfig(
        timezone="Europe/Rome", hours={"mon": ("09:00-17:00",), "sat": ("10:00-12:00",)},
        holidays=("2026-12-25",),
    )},
    sla=SlaConfig(policies=(
        SlaPolicy(name="urgent", match=SlaMatch(priorities=("urgent",)),
                  first_response_seconds=300, calendar="office"),
        SlaPolicy(name="default", first_response_seconds=900, next_response_seconds=600,
                  resolution_seconds=7200),
    )),
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MARK = "qz7"
"""Every generated string carries it: a rejection's field or detail never may."""
FIELD_PATH = re.compile(r"^([a-z_]+(\[\d+\])?)?$")

marked_text = st.builds(lambda text: MARK + text, st.text(max_size=40))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | marked_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(marked_text, inner, max_size=4),
    max_leaves=12,
)


def checked(record: bytes) -> Event | Rejection:
    """`parse_event`'s result, with the rejection's documented shape checked."""
    result = parse_event(record, max_record_bytes=4096)
    if isinstance(result, Rejection):
        assert result.reason in REJECT_REASONS
        assert FIELD_PATH.match(result.field), result
        assert MARK not in result.detail and MARK not in result.field
    return result


@FUZZ
@given(st.binary(max_size=5000))
def test_arbitrary_bytes_are_an_event_or_a_documented_rejection(record: bytes) -> None:
    result = checked(record)
    if len(record.rstrip(b"\r\n")) > 4096:
        assert isinstance(result, Rejection) and result.reason == "too_large"


@FUZZ
@given(json_values)
def test_arbitrary_json_is_rejected_with_a_reason_that_quotes_nothing(value: Any) -> None:
    result = checked(json.dumps(value).encode())
    assert isinstance(result, Rejection)  # no generated string is a valid `type`
    if not isinstance(value, dict):
        assert result.reason == "not_an_object"


def instant(moment: Any) -> str:
    return str(moment.isoformat())


# Field values: valid ones, the edges of every rule, and hostile ones.
TEXTS = st.one_of(
    st.sampled_from(["c-1", "c-2", "u-1", "a-1", "billing", "facebook", "x", "other-net"]),
    marked_text, st.builds(lambda n: MARK * n, st.integers(40, 60)),
)
INSTANTS = st.builds(
    lambda moment, offset_minutes: instant(moment) + (
        "Z" if offset_minutes is None
        else f"{'+-'[offset_minutes < 0]}{abs(offset_minutes) // 60:02d}:"
             f"{abs(offset_minutes) % 60:02d}"),
    st.datetimes(),
    st.none() | st.integers(-1439, 1439),
) | st.sampled_from(["2026-11-20T10:00:00Z", "2026-11-23T08:59:59+01:00",
                     "2026-12-25T10:00:00+01:00", "2026-11-20T10:00:00", "1970-01-01T00:00:00Z",
                     "2099-12-31T23:59:59.999999Z", "2100-01-01T00:00:00Z"])
NUMBERS = st.one_of(
    st.sampled_from([1e12, 1e12 + 1, 1e308, 2**70, -0.0, 5e-324]), st.integers(-20, 20),
    st.floats(),
)
FIELD_VALUES: dict[str, Any] = {
    "occurred_at": INSTANTS,
    "conversation_id": st.sampled_from(["c-1", "c-2", "c-3"]) | TEXTS,
    "channel": TEXTS,
    "priority": st.sampled_from(["low", "normal", "high", "urgent", "asap"]),
    "customer_id": TEXTS, "agent_id": TEXTS, "team": TEXTS, "topic": TEXTS,
    "quick_reply": TEXTS, "brand": TEXTS,
    "tags": st.lists(TEXTS, max_size=40) | TEXTS,
    "visibility": st.sampled_from(["public", "private", "secret"]),
    "sentiment": NUMBERS, "score": NUMBERS, "amount": NUMBERS,
    "author_type": st.sampled_from(["agent", "bot", "automation", "human"]),
    "resolved_by": st.sampled_from(["agent", "bot", "auto", "nobody"]),
    "survey": st.sampled_from(["csat", "nps", "ces"]),
    "currency": st.sampled_from(["EUR", "USD", "eur", "EURO"]),
}
VALID: dict[str, Any] = {
    "occurred_at": "2026-11-20T10:00:00Z", "conversation_id": "c-1", "channel": "facebook",
    "customer_id": "u-1", "author_type": "agent", "agent_id": "a-1", "resolved_by": "auto",
    "survey": "nps", "score": 9, "amount": 10.5, "currency": "EUR",
}
FIELDS_OF_TYPE: dict[str, tuple[str, ...]] = {
    "message.received": ("customer_id", "visibility", "topic", "tags", "sentiment"),
    "reply.sent": ("author_type", "agent_id", "team", "visibility", "quick_reply"),
    "conversation.assigned": ("agent_id", "team"),
    "conversation.handoff": (),
    "conversation.resolved": ("resolved_by", "agent_id"),
    "conversation.reopened": (),
    "conversation.tagged": ("topic", "tags"),
    "survey.answered": ("survey", "score"),
    "sale.attributed": ("amount", "currency"),
    "message.deleted": ("customer_id",),
}
ENVELOPE_FIELDS = ("occurred_at", "conversation_id", "channel", "brand", "priority")


def changed_event(type_: str) -> st.SearchStrategy[dict[str, Any]]:
    """A valid event of `type_` with up to three fields changed, its own fields thrice as
    often as envelope fields."""
    fields = ENVELOPE_FIELDS + FIELDS_OF_TYPE[type_] * 3
    changes = st.lists(st.sampled_from(fields), max_size=3, unique=True).flatmap(
        lambda changed: st.fixed_dictionaries({field: FIELD_VALUES[field] for field in changed})
    )
    return st.builds(
        lambda changes, number: {"event_id": f"e-{number}", "type": type_, **VALID, **changes},
        changes, st.integers(0, 30),  # repeated ids make duplicates
    )


EVENTS = st.sampled_from(sorted(FIELDS_OF_TYPE)).flatmap(changed_event)


def found(type_: str, **changes: Any) -> list[dict[str, Any]]:
    """What the fuzzing found once, kept as explicit examples."""
    return [{"event_id": "e-1", "type": "message.received", **VALID},
            {"event_id": "e-2", "type": type_, **VALID, **changes}]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EVENTS, min_size=5, max_size=25), st.integers(0, 4_000_000_000))
@example(found("sale.attributed", amount=1e308), 0)  # float infinity as micro-units
@example(found("reply.sent", occurred_at="9999-12-31T23:59:59-23:59"), 0)  # year 10000
@example(found("conversation.resolved", occurred_at="0001-01-01T00:00:00+23:59"), 0)
def test_accepted_events_never_make_the_core_raise(
    events: list[dict[str, Any]], wall_clock_seconds: int
) -> None:
    run = AuditRun(CONFIG)
    live = PartitionState(0, CONFIG)
    for offset, event in enumerate(events):
        record = json.dumps(event).encode()
        result = checked(record)
        if isinstance(result, Rejection):
            run.reject(result.reason)
        else:
            run.feed(result)
        assert (live.apply(offset, record) is None) == (not isinstance(result, Rejection))
    live.advance(wall_clock_seconds * 1_000_000)
    records, meta = live.checkpoint()
    restored = PartitionState.restore(
        0, CONFIG, [(key, value) for key, value in (*records, meta) if value is not None]
    )
    assert restored.next_offset == len(events)
    report = run.report()
    assert report["events"]["read"] == len(events)
    json.dumps(report, allow_nan=False)


@FUZZ
@given(st.sampled_from(EVENT_TYPES), st.data())
def test_mutated_valid_records_never_make_the_validator_or_the_core_raise(
    type_: str, data: st.DataObject
) -> None:
    record = bytearray(json.dumps({"event_id": "e-1", "type": type_, **VALID}).encode())
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(record) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            record[position] = data.draw(st.integers(0, 255))
        elif action == "cut":
            del record[position:]
            if not record:
                break
        else:
            record[position:position] = data.draw(st.binary(min_size=1, max_size=8))
    result = checked(bytes(record))
    if not isinstance(result, Rejection):
        run = AuditRun(CONFIG)
        run.feed(result)
        json.dumps(run.report(), allow_nan=False)


ATHERIS_TOKENS = (
    "1e308", "9999-12-31T23:59:59", "0001-01-01T00:00:00", "+23:59", "-23:59", '"score":',
    "nps", "csat", '"tags":[', "\\ud800", "[[[[",
)


def test_atheris_finds_no_exception_in_the_validator_or_the_core(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for type_ in EVENT_TYPES:
        (corpus / type_).write_text(json.dumps({"event_id": "e-1", "type": type_, **VALID}))
    tokens = tmp_path / "tokens.dict"
    tokens.write_text("".join(json.dumps(token) + "\n" for token in ATHERIS_TOKENS))
    runs = 100_000
    done = subprocess.run(
        [sys.executable, "-m", "tests.atheris_target", f"-runs={runs}", "-seed=1",
         f"-dict={tokens}", f"-artifact_prefix={tmp_path}/", str(corpus)],
        cwd=Path(__file__).resolve().parents[3], capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Done {runs} runs" in done.stderr
