"""`carepulse alerts` and `carepulse dlq` against a live worker on a real broker: the lines
are exactly the alerts the worker raised and the records it rejected.

The events are history (2026-11-20) produced before the worker starts, all on input
partition 0 or 1, so the worker drains them in event time: each alert's `raised_at` is
the time of the event that moved the partition's now past the instant (docs/kpis.md,
"Live: breaches at the deadline"), and every time below is computed by hand.
"""

from __future__ import annotations

import itertools
import json
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer

from schemas.rejections import Rejection, parse_event
from streams.kafka.alerts import alert_record
from streams.kafka.dlq import dead_letter
from streams.kafka.produce import ensure_topic_at
from streams.kpi.timeutil import parse_iso_us
from streams.state.watch import SlaAlert
from streams.testing import Scenario
from tests.helpers import run_cli
from tests.live.fixtures import AnyBroker, WorkerProcess, read_topic, total

pytestmark = pytest.mark.broker

FAST_TOML = """
[[sla.policies]]
name = "fast"
match = { channels = ["x"] }
first_response_seconds = 60
at_risk_fraction = 0.5
"""
NOT_JSON = b"{not json"
NAIVE_TIME = (b'{"event_id":"e-bad-1","type":"message.received","occurred_at":'
              b'"2026-11-20T10:00:00","conversation_id":"c-secret","channel":"x",'
              b'"customer_id":"u-secret"}')
UNKNOWN_TYPE = (b'{"event_id":"e-bad-2","type":"u-secret","occurred_at":"2026-11-20T10:00:00Z",'
                b'"conversation_id":"c-secret","channel":"x","u-secret":1}')


def sla_story() -> Scenario:
    """Policy `fast` (channel x): first response in 60 s, at risk from 30 s.

    10:00:00 c-1 writes (x)          deadline 10:01:00, at risk from 10:00:30
    10:00:10 c-2 writes (x)          deadline 10:01:10, at risk from 10:00:40
    10:00:35 c-3 writes (facebook)   no policy; the now passes c-1's at-risk instant
    10:00:50 agent answers c-2       first the now passes c-2's at-risk instant, then
                                     the answer meets it and clears it
    10:05:00 c-3 is resolved         the now passes c-1's deadline: breached
    """
    s = Scenario()
    s.message("10:00:00", conversation="c-1", channel="x")
    s.message("10:00:10", conversation="c-2", channel="x")
    s.message("10:00:35", conversation="c-3")
    s.agent_reply("10:00:50", conversation="c-2", channel="x")
    s.resolve("10:05:00", conversation="c-3")
    return s


EXPECTED_ALERTS = [
    "2026-11-20T10:00:35Z  at_risk  policy fast  target first_response  channel x  "
    "deadline 2026-11-20T10:01:00Z  due in 25 s",
    "2026-11-20T10:00:50Z  at_risk  policy fast  target first_response  channel x  "
    "deadline 2026-11-20T10:01:10Z  due in 20 s",
    "2026-11-20T10:00:50Z  at_risk_cleared  policy fast  target first_response  channel x  "
    "deadline 2026-11-20T10:01:10Z  20 s before the deadline",
    "2026-11-20T10:05:00Z  breached  policy fast  target first_response  channel x  "
    "deadline 2026-11-20T10:01:00Z  4 min late",
]


def send(broker: AnyBroker, topic: str, partition: int, values: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=broker.url)
    for value in values:
        producer.send(topic, key=b"k", value=value, partition=partition)
    producer.flush()
    producer.close()


def lines_of(events: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(event).encode() for event in events]


_names = itertools.count(1)


@dataclass(frozen=True)
class Drained:
    """A worker with its own topics `<name>.events`, `.alerts`, `.dlq` and its
    configuration file."""

    worker: WorkerProcess
    name: str
    config: Path


@pytest.fixture
def drained(
    broker: AnyBroker, start_worker: Callable[..., WorkerProcess], tmp_path: Path
) -> Drained:
    """A worker that has drained the SLA story (partition 0) and three bad records between
    two good ones (partition 1: offsets 1, 3 and 4), its 4 alerts and 3 dead letters
    written."""
    name = f"readers{next(_names)}"
    ensure_topic_at(broker.url, f"{name}.events", 4)
    send(broker, f"{name}.events", 0, lines_of(sla_story().events))
    other = Scenario()
    other.message("09:00:00", conversation="c-9", event_id="p1-1")
    other.agent_reply("09:01:00", conversation="c-9", event_id="p1-2")
    good = lines_of(other.events)
    send(broker, f"{name}.events", 1, [good[0], NOT_JSON, good[1], NAIVE_TIME, UNKNOWN_TYPE])
    worker = start_worker(name, extra_toml=FAST_TOML)
    worker.wait_for(lambda m: total(m, "carepulse_events_read_total") == 10)
    assert len(read_topic(broker, f"{name}.alerts", expected=4)) == 4
    assert len(read_topic(broker, f"{name}.dlq", expected=3)) == 3
    return Drained(worker, name, tmp_path / f"{name}.toml")


def test_alerts_prints_each_alert_the_worker_raised_and_filters_by_time(
    capsys: pytest.CaptureFixture[str], broker: AnyBroker, drained: Drained,
) -> None:
    config = drained.config
    code, out, err = run_cli(capsys, "alerts", "--config", config, "--broker", broker.url)
    assert (code, err) == (0, "")
    assert out.splitlines() == EXPECTED_ALERTS
    code, out, err = run_cli(capsys, "alerts", "--config", config, "--broker", broker.url,
                             "--since", "2026-11-20T11:00:50+01:00")
    assert (code, err, out.splitlines()) == (0, "", EXPECTED_ALERTS[1:])
    code, out, err = run_cli(capsys, "alerts", "--topic", f"{drained.name}.alerts", "--json",
                             "--broker", broker.url, "--since", "2026-11-20T10:05:00Z")
    assert (code, err) == (0, "")
    (breach,) = [json.loads(line) for line in out.splitlines()]
    assert {key: value for key, value in breach.items() if key != "alert_id"} == {
        "kind": "breached", "policy": "fast", "target": "first_response", "channel": "x",
        "brand": "default", "priority": "normal", "deadline": "2026-11-20T10:01:00Z",
        "raised_at": "2026-11-20T10:05:00Z", "late_seconds": 240.0,
    }
    assert drained.worker.stop() == 0


def test_dlq_prints_each_rejected_records_source_reason_and_shape_only(
    capsys: pytest.CaptureFixture[str], broker: AnyBroker, drained: Drained, tmp_path: Path,
) -> None:
    config, source = drained.config, f"{drained.name}.events"
    rejects = tmp_path / "dlq-rejects.jsonl"
    code, out, err = run_cli(capsys, "dlq", "--config", config, "--broker", broker.url,
                             "--rejects", rejects)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{source} partition 1 offset 1  invalid_json  not JSON, 9 bytes",
        f"{source} partition 1 offset 3  invalid_field occurred_at  message.received "
        "{channel, conversation_id, customer_id, event_id, occurred_at}, 152 bytes",
        f"{source} partition 1 offset 4  unknown_type type  unknown type "
        "{channel, conversation_id, event_id, occurred_at} +1 other field, 133 bytes",
    ]
    assert (len(NOT_JSON), len(NAIVE_TIME), len(UNKNOWN_TYPE)) == (9, 152, 133)
    assert "secret" not in out
    expected = [
        {"topic": source, "partition": 1, "offset": offset, "reason": reason,
         "field": field, "detail": _detail(raw), "raw": raw.decode()}
        for offset, reason, field, raw in (
            (1, "invalid_json", "", NOT_JSON),
            (3, "invalid_field", "occurred_at", NAIVE_TIME),
            (4, "unknown_type", "type", UNKNOWN_TYPE),
        )
    ]
    listed = rejects.read_text(encoding="utf-8")
    assert [json.loads(line) for line in listed.splitlines()] == expected
    # `replay --topic` on the DLQ lists the same records at the same source positions
    replay_rejects = tmp_path / "replay-rejects.jsonl"
    code, _, err = run_cli(capsys, "replay", "--topic", f"{drained.name}.dlq",
                           "--broker", broker.url,
                           "--rejects", replay_rejects, "--allow-empty")
    assert (code, err) == (0, "")
    assert replay_rejects.read_text(encoding="utf-8") == listed
    assert drained.worker.stop() == 0


def _detail(raw: bytes) -> str:
    rejection = parse_event(raw)
    assert isinstance(rejection, Rejection)
    return rejection.detail


class LineReader:
    """The stdout lines of a running command, read by a thread, so a test can wait for
    them with a timeout."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout
        threading.Thread(target=lambda: [self.lines.put(line) for line in stdout],
                         daemon=True).start()

    def take(self, count: int, timeout_seconds: float = 30) -> list[str]:
        return [self.lines.get(timeout=timeout_seconds).rstrip("\n") for _ in range(count)]


def follow(command: str, config: Path, broker: AnyBroker) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "streams.cli", command, "--follow", "--config", str(config),
         "--broker", broker.url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_followers_print_new_records_until_a_signal_and_exit_cleanly(
    broker: AnyBroker, drained: Drained, stop: signal.Signals,
) -> None:
    alerts = follow("alerts", drained.config, broker)
    dead_letters = follow("dlq", drained.config, broker)
    try:
        alert_lines, dlq_lines = LineReader(alerts), LineReader(dead_letters)
        assert alert_lines.take(4) == EXPECTED_ALERTS
        assert len(dlq_lines.take(3)) == 3
        # c-4 writes on x at 10:06:00 (at risk from 10:06:30, deadline 10:07:00); an
        # event at 10:08:00 moves the now past both; and one more bad record
        s = Scenario()
        s.message("10:06:00", conversation="c-4", channel="x", event_id="p0-6")
        s.message("10:08:00", conversation="c-5", event_id="p0-7")
        send(broker, f"{drained.name}.events", 0, lines_of(s.events))
        send(broker, f"{drained.name}.events", 1, [b"[]"])
        assert alert_lines.take(2) == [
            "2026-11-20T10:08:00Z  at_risk  policy fast  target first_response  channel x  "
            "deadline 2026-11-20T10:07:00Z  1 min late",
            "2026-11-20T10:08:00Z  breached  policy fast  target first_response  channel x  "
            "deadline 2026-11-20T10:07:00Z  1 min late",
        ]
        assert dlq_lines.take(1) == [
            f"{drained.name}.events partition 1 offset 5  not_an_object  JSON array, 2 bytes"]
        for process in (alerts, dead_letters):
            process.send_signal(stop)
            assert process.wait(timeout=10) == 0
            assert process.stderr is not None and process.stderr.read() == ""
    finally:
        for process in (alerts, dead_letters):
            if process.poll() is None:
                process.kill()
                process.wait()
    assert drained.worker.stop() == 0


@pytest.mark.parametrize("command", ["alerts", "dlq"])
def test_a_missing_topic_is_a_one_line_error_and_is_not_created(
    capsys: pytest.CaptureFixture[str], broker: AnyBroker, command: str
) -> None:
    topic = f"readers.missing.{command}"
    code, out, err = run_cli(capsys, command, "--topic", topic, "--broker", broker.url)
    assert (code, out) == (2, "")
    assert err == (f"carepulse {command}: error: topic {topic!r} does not exist on "
                   f"{broker.url}\n")
    consumer = KafkaConsumer(bootstrap_servers=broker.url)
    try:
        assert topic not in consumer.topics()
    finally:
        consumer.close()


def test_repeats_and_foreign_records_are_printed_once_or_not_and_counted_on_stderr(
    capsys: pytest.CaptureFixture[str], broker: AnyBroker
) -> None:
    """Alerts and dead letters are at least once: a restarted worker writes some again.
    Records that are not CarePulse's are never taken for theirs."""
    name = f"readers{next(_names)}"
    for topic in (f"{name}.alerts", f"{name}.dlq"):
        ensure_topic_at(broker.url, topic, 1)
    raised = SlaAlert("breached", "fast", "first_response", "x", "acme", "high",
                      parse_iso_us("2026-11-20T10:01:00Z"), "c-1",
                      parse_iso_us("2026-11-20T10:05:00Z"))
    _, body = alert_record(raised)
    send(broker, f"{name}.alerts", 0, [body, b"{not an alert", body, body, b"[]"])
    letter = dead_letter(Rejection("invalid_json", "", "x"), "shop.events", 3, 70, b"c-1",
                         NOT_JSON, 1_000_000)
    producer = KafkaProducer(bootstrap_servers=broker.url)
    for _ in range(3):
        producer.send(f"{name}.dlq", key=letter[0], value=letter[1], headers=letter[2])
    producer.send(f"{name}.dlq", key=None, value=NOT_JSON)
    producer.flush()
    producer.close()
    code, out, err = run_cli(capsys, "alerts", "--topic", f"{name}.alerts",
                             "--broker", broker.url)
    assert (code, out) == (0, "2026-11-20T10:05:00Z  breached  policy fast  target "
                              "first_response  channel x  deadline 2026-11-20T10:01:00Z  "
                              "4 min late\n")
    assert err == (
        "carepulse alerts: skipped 2 repeated alerts (same alert_id as an earlier one)\n"
        "carepulse alerts: skipped 2 records that are not a carepulse.alert/v1 alert (the "
        "first at partition 0 offset 1)\n")
    code, out, err = run_cli(capsys, "dlq", "--topic", f"{name}.dlq", "--broker", broker.url)
    assert (code, out.splitlines()) == (0, [
        "shop.events partition 3 offset 70  invalid_json  not JSON, 9 bytes",
        f"{name}.dlq partition 0 offset 3  (no dead-letter headers)  not JSON, 9 bytes",
    ])
    assert err == (
        "carepulse dlq: skipped 2 repeated dead letters (same source topic, partition and "
        "offset as an earlier one)\n"
        "carepulse dlq: 1 record without CarePulse's dead-letter headers, shown with its "
        "DLQ position and not written to --rejects\n")
