"""The lines of `carepulse alerts` and `carepulse dlq`: human durations, alert lines and
JSON, alert records read back, dead-letter lines and their safe previews.

The readers against a live worker are in tests/live/test_readers_live.py.
"""

from __future__ import annotations

import json

import orjson
import pytest

from schemas.rejections import Rejection
from streams.cli.alerts_output import alert_json, alert_line, human_duration
from streams.cli.dlq_output import dead_letter_line, foreign_line
from streams.cli.main import main
from streams.cli.preview import safe_preview
from streams.cli.reading import safe_text
from streams.kafka.alerts import AlertRecord, alert_record, read_alert
from streams.kafka.broker import free_port
from streams.kafka.dlq import DeadLetterHeaders, dead_letter, read_dead_letter
from streams.kpi.timeutil import parse_iso_us
from streams.state.watch import SlaAlert
from tests.helpers import run_cli

SECOND_US = 1_000_000


@pytest.mark.parametrize(("duration_us", "text"), [
    (0, "0 s"),
    (1, "<1 s"),
    (999_999, "<1 s"),
    (SECOND_US, "1 s"),
    (59 * SECOND_US + 999_999, "59 s"),
    (61 * SECOND_US, "1 min 1 s"),
    (3_600 * SECOND_US, "1 h"),
    (3_605 * SECOND_US, "1 h"),  # two largest units: 1 h 0 min, the seconds are dropped
    (4_980 * SECOND_US, "1 h 23 min"),
    (86_400 * SECOND_US + 59 * SECOND_US, "1 d"),
    (2 * 86_400 * SECOND_US + 3 * 3_600 * SECOND_US + 7 * SECOND_US, "2 d 3 h"),
])
def test_durations_are_the_two_largest_whole_units(duration_us: int, text: str) -> None:
    assert human_duration(duration_us) == text


def read_back(kind: str, raised_at: str, deadline: str = "2026-11-02T10:03:00Z") -> AlertRecord:
    """The alert record of an alert, read back as the reader reads it."""
    raw = SlaAlert(kind, "fast", "first_response", "x", "acme", "high",  # type: ignore[arg-type]
                   parse_iso_us(deadline), "c-secret-1", parse_iso_us(raised_at))
    found = read_alert(alert_record(raw)[1])
    assert found is not None
    assert found.alert == raw
    return found


def alert(kind: str, raised_at: str, deadline: str = "2026-11-02T10:03:00Z") -> SlaAlert:
    return read_back(kind, raised_at, deadline).alert


def test_a_breach_line_says_how_late_it_was_raised() -> None:
    assert alert_line(alert("breached", "2026-11-02T10:15:00Z")) == (
        "2026-11-02T10:15:00Z  breached  policy fast  target first_response  channel x  "
        "deadline 2026-11-02T10:03:00Z  12 min late")


def test_an_at_risk_line_says_how_long_until_the_deadline() -> None:
    assert alert_line(alert("at_risk", "2026-11-02T10:01:30Z")) == (
        "2026-11-02T10:01:30Z  at_risk  policy fast  target first_response  channel x  "
        "deadline 2026-11-02T10:03:00Z  due in 1 min 30 s")


def test_a_cleared_line_says_how_long_before_the_deadline_it_was_cleared() -> None:
    assert alert_line(alert("at_risk_cleared", "2026-11-02T10:02:58Z")).endswith(
        "  deadline 2026-11-02T10:03:00Z  2 s before the deadline")


def test_live_times_are_shown_to_the_second_and_a_breach_at_its_first_instant_is_under_1_s(
) -> None:
    line = alert_line(alert("breached", "2026-11-02T10:03:00.200001Z"))
    assert line.startswith("2026-11-02T10:03:00Z  breached  ")
    assert line.endswith("deadline 2026-11-02T10:03:00Z  <1 s late")


def test_the_json_line_is_the_record_without_the_conversation_id_plus_late_seconds() -> None:
    found = read_back("breached", "2026-11-02T10:15:00.5Z")
    text = alert_json(found)
    assert "c-secret-1" not in text
    assert json.loads(text) == {
        "alert_id": found.alert_id,
        "kind": "breached", "policy": "fast", "target": "first_response", "channel": "x",
        "brand": "acme", "priority": "high", "deadline": "2026-11-02T10:03:00Z",
        "raised_at": "2026-11-02T10:15:00.500000Z", "late_seconds": 720.5,
    }


def test_policy_and_channel_from_a_record_cannot_break_the_line() -> None:
    body = json.loads(alert_record(SlaAlert(
        "breached", "fast", "first_response", "x", "acme", "high", 0, "c-1", SECOND_US))[1])
    body["policy"] = "fast\n2026-11-02T00:00:00Z  breached\x1b[2J"
    found = read_alert(orjson.dumps(body))
    assert found is not None
    assert alert_line(found.alert) == (
        "1970-01-01T00:00:01Z  breached  policy fast\\n2026-11-02T00:00:00Z  breached\\x1b[2J"
        "  target first_response  channel x  deadline 1970-01-01T00:00:00Z  1 s late")


@pytest.mark.parametrize("change", [
    {"schema": "carepulse.alert/v2"},
    {"kind": "resolved"},
    {"target": "first_reply"},
    {"deadline": "2026-11-02T10:03:00"},  # no UTC offset
    {"raised_at": 5},
    {"policy": None},
    {"conversation_id": 7},
])
def test_records_that_are_not_v1_alerts_are_not_read(change: dict[str, object]) -> None:
    body = json.loads(alert_record(SlaAlert(
        "breached", "fast", "first_response", "x", "acme", "high", 0, "c-1", 1))[1])
    assert read_alert(orjson.dumps(body)) is not None
    assert read_alert(orjson.dumps(body | change)) is None


@pytest.mark.parametrize("value", [None, b"", b"{not json", b"[1]", b'"text"'])
def test_values_that_are_not_alert_objects_are_not_read(value: bytes | None) -> None:
    assert read_alert(value) is None


LETTER = DeadLetterHeaders("care.events", 2, 17, "invalid_field", "occurred_at")


def test_a_dead_letter_line_names_its_source_reason_field_and_shape() -> None:
    value = (b'{"event_id":"e-secret","type":"message.received",'
             b'"occurred_at":"2026-11-20T10:00:00","conversation_id":"c-secret",'
             b'"channel":"facebook","customer_id":"u-secret"}')
    assert dead_letter_line(LETTER, value) == (
        "care.events partition 2 offset 17  invalid_field occurred_at  message.received "
        "{channel, conversation_id, customer_id, event_id, occurred_at}, 160 bytes")


def test_a_reference_line_gives_the_sizes_of_the_record_left_at_its_source() -> None:
    headers = dead_letter(Rejection("too_large", "", "big"), "care.events", 0, 9, b"c-1",
                          b"x" * 1_020_000, 1_000_000)[2]
    letter = read_dead_letter(headers)
    assert letter is not None
    assert dead_letter_line(letter, b"") == (
        "care.events partition 0 offset 9  too_large  a reference: the record (3 + 1,020,000 "
        "bytes) stays at its source offset")


def test_a_record_without_dead_letter_headers_is_shown_at_its_dlq_position() -> None:
    assert foreign_line("care.events.dlq", 0, 5, b"{no") == (
        "care.events.dlq partition 0 offset 5  (no dead-letter headers)  not JSON, 3 bytes")


@pytest.mark.parametrize(("value", "preview"), [
    (None, "no value"),
    (b"", "empty"),
    (b"\xff\xfe secret", "not UTF-8, 9 bytes"),
    (b"{secret", "not JSON, 7 bytes"),
    (b'["u-secret"]', "JSON array, 12 bytes"),
    (b'"u-secret"', "JSON string, 10 bytes"),
    (b"42", "JSON number, 2 bytes"),
    (b"1.5", "JSON number, 3 bytes"),
    (b"true", "JSON boolean, 4 bytes"),
    (b"null", "JSON null, 4 bytes"),
    (b"{}", "no type {}, 2 bytes"),
    (b'{"type":"u-secret","event_id":"e-1"}', "unknown type {event_id}, 36 bytes"),
    (b'{"type":["u-secret"]}', "unknown type {}, 21 bytes"),
    (b'{"type":"reply.sent","u-secret":1,"x\\u001b":2,"team":"t"}',
     "reply.sent {team} +2 other fields, 57 bytes"),
])
def test_a_preview_is_the_shape_of_the_record_never_a_value_or_a_name_of_its_own(
    value: bytes | None, preview: str
) -> None:
    assert safe_preview(value) == preview
    assert "secret" not in preview


def test_text_from_headers_has_its_control_characters_escaped_and_is_cut() -> None:
    assert safe_text("tags[3]\n\x1b[31m\u2028ok") == "tags[3]\\n\\x1b[31m\\u2028ok"
    assert safe_text("é" * 100) == "é" * 77 + "..."
    assert safe_text("x" * 80) == "x" * 80


def test_a_since_without_utc_offset_is_a_one_line_error_naming_the_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["alerts", "--since", "2026-11-02T10:00:00"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "carepulse alerts: error: argument --since: '2026-11-02T10:00:00' is not an RFC 3339 "
        "timestamp with UTC offset")


@pytest.mark.parametrize("command", ["alerts", "dlq"])
def test_an_unreachable_broker_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    url = f"127.0.0.1:{free_port()}"
    code, out, err = run_cli(capsys, command, "--broker", url)
    assert (code, out, err) == (2, "", f"carepulse {command}: error: broker {url} unreachable\n")
