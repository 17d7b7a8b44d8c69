"""Tests for `carepulse produce`: what reaches a real (embedded) broker, read back with a
plain kafka-python consumer; refusals that send nothing; `--raw`; pacing with `--rate`.

`streams.cli.main` runs in-process; each test writes to a topic of its own on one broker
started for this file.
"""

from __future__ import annotations

import itertools
import json
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from streams.cli.main import main
from streams.kafka import produce as produce_module
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.produce import record_key
from streams.kafka.topics import topic_partition_count
from streams.testing import Scenario
from streams.testing.simulate import generate_lines
from tests.helpers import run_cli

pytestmark = pytest.mark.broker

_topic_numbers = itertools.count(1)

NAIVE_TIME = (
    b'{"event_id":"x-2","type":"message.received","occurred_at":"2026-11-20T10:12:00",'
    b'"conversation_id":"c-1","channel":"facebook","customer_id":"u-1"}'
)


@pytest.fixture
def topic() -> str:
    return f"produce.test.{next(_topic_numbers)}"


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def topics_on(broker: EmbeddedBroker) -> set[str]:
    consumer = KafkaConsumer(bootstrap_servers=broker.url)
    try:
        return set(consumer.topics())
    finally:
        consumer.close()


def consume(
    broker: EmbeddedBroker, topic: str, count: int, wait_seconds: float = 15.0
) -> list[Any]:
    """The first `count` records of every partition of `topic`, in partition order (a plain
    kafka-python consumer, no group). Counts, not end offsets: the embedded broker's
    ListOffsets answer is short after multi-record batches."""
    consumer = KafkaConsumer(bootstrap_servers=broker.url, enable_auto_commit=False,
                             auto_offset_reset="earliest", fetch_max_wait_ms=10)
    try:
        numbers = sorted(consumer.partitions_for_topic(topic))
        partitions = [TopicPartition(topic, number) for number in numbers]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        deadline = time.monotonic() + wait_seconds
        while len(records) < count and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        assert len(records) == count, f"read {len(records)} of {count} records"
        return sorted(records, key=lambda record: (record.partition, record.offset))
    finally:
        consumer.close()


@pytest.fixture
def reply_waits(tmp_path: Path) -> tuple[Path, list[bytes]]:
    """Reply waits of 300 s (c-1) and 600 s (c-2), interleaved with a few more conversations
    and a blank line, so several partitions are used."""
    story = Scenario()
    story.message("10:00", "c-1")
    story.message("10:01", "c-2")
    story.agent_reply("10:05", "c-1")
    story.agent_reply("10:11", "c-2")
    for number in range(3, 9):
        story.message(f"11:0{number}", f"c-{number}")
        story.resolve(f"11:1{number}", f"c-{number}", by="auto")
    lines = story.lines()
    return write_lines(tmp_path / "events.jsonl", [*lines[:3], b"", *lines[3:]]), lines


def test_produce_sends_every_line_unchanged_keyed_by_conversation_id(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    reply_waits: tuple[Path, list[bytes]],
) -> None:
    path, lines = reply_waits
    code, out, err = run_cli(capsys, "produce", "--input", path, "--topic", topic,
                         "--broker", embedded_broker.url)
    assert (code, out, err) == (0, "", f"sent {len(lines)} events to {topic}\n")
    records = consume(embedded_broker, topic, len(lines))
    expected = sorted((json.loads(line)["conversation_id"].encode(), line) for line in lines)
    assert sorted((record.key, record.value) for record in records) == expected
    partitions_of: dict[bytes, set[int]] = {}
    for record in records:
        partitions_of.setdefault(record.key, set()).add(record.partition)
    assert all(len(partitions) == 1 for partitions in partitions_of.values())
    assert len({record.partition for record in records}) > 1
    for key in partitions_of:  # each conversation in file order within its partition
        assert [r.value for r in records if r.key == key] == [
            line for line in lines if record_key(line) == key
        ]


def test_produced_topic_replays_to_the_report_of_the_file(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    reply_waits: tuple[Path, list[bytes]],
) -> None:
    path, lines = reply_waits
    assert run_cli(capsys, "produce", "--input", path, "--topic", topic,
               "--broker", embedded_broker.url)[0] == 0
    code, out, err = run_cli(capsys, "replay", "--topic", topic, "--broker", embedded_broker.url)
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["totals"]["reply_wait_seconds"]["mean"] == 450.0
    assert report["events"]["read"] == len(lines) == 16
    assert report == json.loads(run_cli(capsys, "replay", "--input", path)[1])


def test_produce_creates_the_topic_with_the_partitions_asked_for(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    reply_waits: tuple[Path, list[bytes]],
) -> None:
    path, lines = reply_waits
    assert run_cli(capsys, "produce", "--input", path, "--topic", topic, "--partitions", "3",
               "--broker", embedded_broker.url)[0] == 0
    consumer = KafkaConsumer(bootstrap_servers=embedded_broker.url)
    try:
        assert consumer.partitions_for_topic(topic) == {0, 1, 2}
    finally:
        consumer.close()
    # a second run appends to the existing topic
    assert run_cli(capsys, "produce", "--input", path, "--topic", topic,
               "--broker", embedded_broker.url)[0] == 0
    assert len(consume(embedded_broker, topic, 2 * len(lines))) == 2 * len(lines)


def test_produce_creates_the_topic_with_the_partitions_of_its_configuration(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    reply_waits: tuple[Path, list[bytes]], tmp_path: Path,
) -> None:
    """`[kafka] partitions`, as the worker would create it: never the broker's default."""
    config = tmp_path / "carepulse.toml"
    config.write_text(f'[kafka]\ninput_topic = "{topic}"\npartitions = 6\n', encoding="utf-8")
    assert run_cli(capsys, "produce", "--input", reply_waits[0], "--config", config,
                   "--broker", embedded_broker.url)[0] == 0
    assert topic_partition_count(embedded_broker.url, topic) == 6


def test_an_invalid_line_makes_produce_refuse_and_send_nothing(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    tmp_path: Path,
) -> None:
    story = Scenario()
    story.message("10:00")
    story.agent_reply("10:05")
    path = write_lines(tmp_path / "events.jsonl", [story.lines()[0], b"", NAIVE_TIME,
                                                    story.lines()[1], b"{not json"])
    code, out, err = run_cli(capsys, "produce", "--input", path, "--topic", topic,
                         "--broker", embedded_broker.url)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{path}:3: occurred_at: invalid_field (Input should have timezone info)",
        f"{path}:5: invalid_json (key must be a string at column 2)",
        f"carepulse produce: error: {path}: 2 invalid lines, nothing sent "
        "(--skip-invalid sends the valid ones, --raw sends every line unvalidated)",
    ]
    assert topic not in topics_on(embedded_broker)


def test_produce_shows_at_most_20_invalid_lines_then_a_count(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    tmp_path: Path,
) -> None:
    path = write_lines(tmp_path / "events.jsonl", [b"[]"] * 25)
    code, _, err = run_cli(capsys, "produce", "--input", path, "--topic", topic,
                       "--broker", embedded_broker.url)
    lines = err.splitlines()
    assert code == 2
    assert lines[:20] == [
        f"{path}:{number}: not_an_object (a record must be a JSON object)"
        for number in range(1, 21)
    ]
    assert lines[20:] == [
        "... and 5 more",
        f"carepulse produce: error: {path}: 25 invalid lines, nothing sent "
        "(--skip-invalid sends the valid ones, --raw sends every line unvalidated)",
    ]
    assert topic not in topics_on(embedded_broker)


def test_raw_sends_bad_lines_as_they_are_unkeyed_when_there_is_no_conversation_id(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    tmp_path: Path,
) -> None:
    valid = Scenario().message("10:00", "c-7")
    sent = [
        json.dumps(valid).encode(),
        NAIVE_TIME,  # invalid, yet its conversation_id is a string: keyed
        b"{not json",
        b"[1, 2]",
        b'{"conversation_id": 12}',
        b"\xff\xfe binary",
    ]
    path = write_lines(tmp_path / "bad.jsonl", sent)
    code, _, err = run_cli(capsys, "produce", "--raw", "--input", path, "--topic", topic,
                       "--broker", embedded_broker.url)
    assert (code, err) == (0, f"sent 6 events to {topic}\n")
    records = consume(embedded_broker, topic, len(sent))
    assert sorted((record.value, record.key) for record in records) == sorted([
        (sent[0], b"c-7"), (sent[1], b"c-1"), (sent[2], None), (sent[3], None),
        (sent[4], None), (sent[5], None),
    ])


def test_rate_paces_sending(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    tmp_path: Path,
) -> None:
    path = write_lines(tmp_path / "events.jsonl", list(generate_lines(100, seed=3)))
    started = time.monotonic()
    code, _, err = run_cli(capsys, "produce", "--input", path, "--topic", topic, "--rate", "200",
                       "--broker", embedded_broker.url)
    elapsed_seconds = time.monotonic() - started
    assert (code, err) == (0, f"sent 100 events to {topic}\n")
    assert elapsed_seconds >= 0.45  # 99 intervals of 5 ms after the first event








def test_produce_to_a_closed_port_fails_at_once(
    capsys: pytest.CaptureFixture[str], reply_waits: tuple[Path, list[bytes]],
) -> None:
    """A refused connection is not waited for: retrying it for 10 s would not help."""
    port = free_port()
    started = time.monotonic()
    code, out, err = run_cli(capsys, "produce", "--input", reply_waits[0],
                             "--broker", f"127.0.0.1:{port}")
    elapsed_seconds = time.monotonic() - started
    assert (code, out) == (2, "")
    assert err == (f"carepulse produce: error: broker 127.0.0.1:{port} unreachable: "
                   f"connection to 127.0.0.1:{port} refused\n")
    assert elapsed_seconds < 3.0


def test_produce_to_an_unknown_host_fails_at_once(
    capsys: pytest.CaptureFixture[str], reply_waits: tuple[Path, list[bytes]],
) -> None:
    started = time.monotonic()
    code, _, err = run_cli(capsys, "produce", "--input", reply_waits[0],
                           "--broker", "no-such-host.invalid:9092")
    assert code == 2
    assert err == ("carepulse produce: error: broker no-such-host.invalid:9092 unreachable: "
                   "host 'no-such-host.invalid' not found\n")
    assert time.monotonic() - started < 3.0


def test_produce_waits_for_a_broker_that_does_not_answer_then_fails_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    reply_waits: tuple[Path, list[bytes]],
) -> None:
    """A listener that accepts the connection and never answers: only this is waited
    for, up to the broker timeout."""
    monkeypatch.setattr(produce_module, "BROKER_TIMEOUT_SECONDS", 1.0)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        code, out, err = run_cli(capsys, "produce", "--input", reply_waits[0], "--broker", url)
        elapsed_seconds = time.monotonic() - started
    assert (code, out) == (2, "")
    assert err == f"carepulse produce: error: broker {url} unreachable: no answer within 1 s\n"
    assert elapsed_seconds >= 0.9




def test_skip_invalid_sends_the_valid_lines_and_lists_the_rejected_ones(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    tmp_path: Path,
) -> None:
    story = Scenario()
    story.message("10:00", "c-1")
    story.agent_reply("10:05", "c-1")
    valid = story.lines()
    path = write_lines(tmp_path / "events.jsonl", [valid[0], b"{not json", b"", NAIVE_TIME,
                                                    b"[]", valid[1], b"\xff\xfe binary"])
    rejects = tmp_path / "rejects.jsonl"
    code, out, err = run_cli(capsys, "produce", "--skip-invalid", "--rejects", rejects,
                             "--input", path, "--topic", topic, "--broker", embedded_broker.url)
    assert (code, out) == (0, "")
    assert err == (f"read 6 lines: sent 2 events to {topic}, rejected 4 (invalid_field 1, "
                   f"invalid_json 1, invalid_utf8 1, not_an_object 1); listed in {rejects}\n")
    records = consume(embedded_broker, topic, 2)
    assert sorted((record.key, record.value) for record in records) == [
        (b"c-1", valid[0]), (b"c-1", valid[1])]
    listed = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert [(entry["line"], entry["reason"], entry["field"]) for entry in listed] == [
        (2, "invalid_json", ""), (4, "invalid_field", "occurred_at"), (5, "not_an_object", ""),
        (7, "invalid_utf8", ""),
    ]
    assert listed[1]["raw"] == NAIVE_TIME.decode()
    assert "raw" not in listed[3] and "raw_base64" in listed[3]  # not UTF-8


def test_produce_counts_have_thousands_separators(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    tmp_path: Path,
) -> None:
    lines = list(generate_lines(1_200, seed=5))
    path = write_lines(tmp_path / "events.jsonl", [*lines, *[b"[]"] * 1_001])
    code, _, err = run_cli(capsys, "produce", "--input", path, "--topic", topic,
                           "--broker", embedded_broker.url)
    assert code == 2
    assert err.splitlines()[-2:] == [
        "... and 981 more",
        f"carepulse produce: error: {path}: 1,001 invalid lines, nothing sent "
        "(--skip-invalid sends the valid ones, --raw sends every line unvalidated)",
    ]
    code, _, err = run_cli(capsys, "produce", "--skip-invalid", "--input", path, "--topic",
                           topic, "--broker", embedded_broker.url)
    assert (code, err) == (0, f"read 2,201 lines: sent 1,200 events to {topic}, rejected "
                              "1,001 (not_an_object 1,001)\n")
    code, _, err = run_cli(capsys, "produce", "--raw", "--input", path, "--topic", topic,
                           "--broker", embedded_broker.url)
    assert (code, err) == (0, f"sent 2,201 events to {topic}\n")


def test_rejects_lists_the_lines_that_made_produce_refuse(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    tmp_path: Path,
) -> None:
    path = write_lines(tmp_path / "events.jsonl", [b"[]"] * 25)
    rejects = tmp_path / "rejects.jsonl"
    code, _, err = run_cli(capsys, "produce", "--rejects", rejects, "--input", path,
                           "--topic", topic, "--broker", embedded_broker.url)
    assert code == 2
    assert err.splitlines()[-1] == (
        f"carepulse produce: error: {path}: 25 invalid lines, nothing sent; listed in "
        f"{rejects} (--skip-invalid sends the valid ones, --raw sends every line unvalidated)")
    assert [json.loads(line)["line"] for line in rejects.read_text().splitlines()] == list(
        range(1, 26))
    assert topic not in topics_on(embedded_broker)


def test_raw_validates_nothing_so_it_takes_neither_skip_invalid_nor_rejects(
    capsys: pytest.CaptureFixture[str], reply_waits: tuple[Path, list[bytes]], tmp_path: Path,
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["produce", "--raw", "--skip-invalid", "--input", str(reply_waits[0])])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    code, _, err = run_cli(capsys, "produce", "--raw", "--rejects", tmp_path / "r.jsonl",
                           "--input", reply_waits[0])
    assert (code, err) == (2, "carepulse produce: error: --rejects lists invalid lines: "
                              "--raw validates none\n")


def test_live_stamps_each_valid_event_with_the_wall_clock_as_it_is_sent(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    tmp_path: Path,
) -> None:
    """Simulated traffic spread over hours is sent at a live rate, dated when it is sent:
    the order and the conversations stay, malformed lines stay as malformed."""
    lines = list(generate_lines(40, seed=11, bad_fraction=0.1))
    path = write_lines(tmp_path / "events.jsonl", lines)
    before = datetime.now(UTC)
    code, _, err = run_cli(capsys, "produce", "--raw", "--live", "--rate", "100", "--input",
                           path, "--topic", topic, "--partitions", "1",
                           "--broker", embedded_broker.url)
    after = datetime.now(UTC)
    assert (code, err) == (0, f"sent 40 events to {topic}\n")
    records = consume(embedded_broker, topic, len(lines))
    stamps = []
    for original, record in zip(lines, records, strict=True):
        try:
            body = json.loads(original)
        except ValueError:
            body = None
        stamp = body.get("occurred_at") if isinstance(body, dict) else None
        if not isinstance(stamp, str) or not stamp.endswith(("Z", "+01:00")):
            assert record.value == original  # malformed: untouched
            continue
        sent = json.loads(record.value)
        assert sent == {**body, "occurred_at": sent["occurred_at"]}
        stamps.append(datetime.fromisoformat(sent["occurred_at"]))
    assert len(stamps) >= 30
    assert all(stamp.utcoffset() is not None for stamp in stamps)
    assert stamps == sorted(stamps)
    assert before <= stamps[0] and stamps[-1] <= after
    assert (stamps[-1] - stamps[0]).total_seconds() >= 0.3  # 100 events/s: paced, live
