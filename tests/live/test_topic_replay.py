"""Tests for `carepulse replay --topic` against a real (embedded) broker.

The central promise: the report of a topic is the report of the file it was filled from,
digest included, although the topic interleaves conversations differently, and although
the embedded broker's ListOffsets "latest" answer is short after multi-record batches
(docs/operations.md) — the fill below makes sure it is, and the test checks it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.partitioner import murmur2

from schemas.rejections import Rejection, parse_event
from streams.audit import topic_replay
from streams.audit.report import AuditRun
from streams.audit.topic_replay import replay_topic
from streams.cli.main import main
from streams.config import CarePulseConfig
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.dlq import dead_letter
from streams.kafka.produce import ensure_topic_at, record_key
from streams.testing import Scenario
from streams.testing.simulate import generate_lines
from tests.helpers import run_cli

pytestmark = pytest.mark.broker

PARTITIONS = 4
RECORDS_PER_BATCH = 1000
_topic_numbers = itertools.count(1)
Placement = dict[tuple[int, int], bytes]


@pytest.fixture
def topic() -> str:
    return f"replay.test.{next(_topic_numbers)}"


def publish_in_batches(
    broker: EmbeddedBroker, topic: str, lines: list[bytes],
    records_per_batch: int = RECORDS_PER_BATCH,
) -> Placement:
    """Sends `lines` as `carepulse produce` places them (key = conversation_id, murmur2;
    unkeyed lines by line number), but in batches of `records_per_batch` records, so the
    last batch of a partition holds several. Returns each line's (partition, offset)."""
    ensure_topic_at(broker.url, topic, PARTITIONS)
    by_partition: dict[int, list[tuple[bytes | None, bytes]]] = {}
    for number, line in enumerate(lines):
        key = record_key(line)
        partition = number % PARTITIONS if key is None else \
            (murmur2(key) & 0x7FFFFFFF) % PARTITIONS
        by_partition.setdefault(partition, []).append((key, line))

    async def send() -> Placement:
        producer = AIOKafkaProducer(bootstrap_servers=broker.url,
                                    max_batch_size=4 * 1024 * 1024,
                                    max_request_size=8 * 1024 * 1024)
        await producer.start()
        placement: Placement = {}
        try:
            for partition, records in by_partition.items():
                for start in range(0, len(records), records_per_batch):
                    batch = producer.create_batch()
                    chunk = records[start:start + records_per_batch]
                    for key, value in chunk:
                        assert batch.append(key=key, value=value, timestamp=None) is not None
                    batch.close()
                    metadata = await (await producer.send_batch(batch, topic,
                                                                partition=partition))
                    for index, (_, value) in enumerate(chunk):
                        placement[(partition, metadata.offset + index)] = value
        finally:
            await producer.stop()
        return placement

    return asyncio.run(send())


def listed_end_offsets(broker: EmbeddedBroker, topic: str) -> dict[int, int]:
    """What ListOffsets "latest" answers (kafka-python's end_offsets)."""
    consumer = KafkaConsumer(bootstrap_servers=broker.url)
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def simulated() -> list[bytes]:
    """20,000 simulated lines, 1% malformed."""
    return list(generate_lines(20_000, seed=5, bad_fraction=0.01))


@pytest.fixture(scope="module")
def filled(
    embedded_broker: EmbeddedBroker,
    simulated: list[bytes],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, Path, Placement]:
    """The simulated lines as a file and as a topic filled in multi-record batches."""
    path = tmp_path_factory.mktemp("sim") / "events.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in simulated))
    topic = "replay.test.simulated"
    return topic, path, publish_in_batches(embedded_broker, topic, simulated)


@pytest.mark.parametrize("bounds", [
    (),
    ("--from", "2026-11-02T06:00:00Z", "--to", "2026-11-02T12:00:00+01:00"),
])
def test_topic_report_is_identical_to_the_file_report_despite_short_list_offsets(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker,
    filled: tuple[str, Path, Placement], simulated: list[bytes], bounds: tuple[str, ...],
) -> None:
    topic, path, placement = filled
    true_ends = {p: 1 + max(o for q, o in placement if q == p) for p in range(PARTITIONS)}
    listed = listed_end_offsets(embedded_broker, topic)
    assert any(listed[p] < true_ends[p] for p in range(PARTITIONS)), (listed, true_ends)

    code, topic_out, err = run_cli(capsys, "replay", "--topic", topic, "--broker",
                               embedded_broker.url, *bounds)
    assert (code, err) == (0, "")
    code, file_out, err = run_cli(capsys, "replay", "--input", path, *bounds)
    assert (code, err) == (0, "")
    topic_report, file_report = json.loads(topic_out), json.loads(file_out)
    assert topic_report == file_report
    assert topic_report["events"]["read"] == len(simulated) == 20_000
    assert topic_report["events"]["rejected"] == 200


def test_rejects_name_partition_and_offset_of_each_rejected_record(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker,
    filled: tuple[str, Path, Placement], tmp_path: Path,
) -> None:
    topic, _, placement = filled
    rejects = tmp_path / "rejects.jsonl"
    code, _, err = run_cli(capsys, "replay", "--topic", topic, "--broker", embedded_broker.url,
                       "--rejects", rejects, "--out", tmp_path / "report.json")
    assert (code, err) == (0, "")
    entries = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    expected: dict[tuple[int, int], Rejection] = {}
    for where, value in placement.items():
        parsed = parse_event(value)
        if isinstance(parsed, Rejection):
            expected[where] = parsed
    assert len(entries) == len(expected) == 200
    for entry in entries:
        where = (entry["partition"], entry["offset"])
        rejection = expected.pop(where)
        assert (entry["reason"], entry["field"], entry["detail"]) == (
            rejection.reason, rejection.field, rejection.detail
        )
        if "raw" in entry:
            assert entry["raw"].encode("utf-8") == placement[where]
        else:
            assert entry["raw_base64"]
    assert expected == {}


def test_records_produced_after_the_start_are_left_out(
    embedded_broker: EmbeddedBroker, topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = Scenario()
    for number in range(1, 41):
        story.message("10:00", f"c-{number}")
    placement = publish_in_batches(embedded_broker, topic, story.lines(), records_per_batch=2)
    # one batch per partition and fetch: the read takes several rounds of fetches
    monkeypatch.setattr(topic_replay, "PARTITION_FETCH_BYTES", 1)
    late = KafkaProducer(bootstrap_servers=embedded_broker.url)
    run = AuditRun(CarePulseConfig())
    core_feed = run.feed
    late_sent: list[bool] = []

    def feed_and_produce_more(event: Any, lane: int = 0) -> bool:
        if not late_sent:  # while the read is under way, every partition grows
            for partition in range(PARTITIONS):
                late.send(topic, value=b"{}", partition=partition)
            late.flush()
            late_sent.append(True)
        return core_feed(event, lane)

    run.feed = feed_and_produce_more
    try:
        replay_topic(embedded_broker.url, topic, run)
    finally:
        late.close()
    assert late_sent
    assert run.read == len(placement) == 40
    assert run.rejected == {}


def replay_one_record(
    broker: EmbeddedBroker, topic: str, tmp_path: Path, key: bytes | None,
    value: bytes | None, headers: list[tuple[str, bytes]],
) -> tuple[AuditRun, Path]:
    """Sends one record to `topic` and replays it: the run and its rejects file."""
    producer = KafkaProducer(bootstrap_servers=broker.url)
    producer.send(topic, key=key, value=value, headers=headers)
    producer.flush()
    producer.close()
    run = AuditRun(CarePulseConfig())
    rejects = tmp_path / "rejects.jsonl"
    with rejects.open("w", encoding="utf-8") as out:
        replay_topic(broker.url, topic, run, out)
    return run, rejects


def test_a_record_without_value_is_rejected_and_reported_with_raw_null(
    embedded_broker: EmbeddedBroker, topic: str, tmp_path: Path
) -> None:
    ensure_topic_at(embedded_broker.url, topic, 1)
    run, rejects = replay_one_record(embedded_broker, topic, tmp_path, b"c-1", None, [])
    assert run.rejected == {"invalid_json": 1}
    entry = json.loads(rejects.read_text(encoding="utf-8"))
    assert (entry["partition"], entry["offset"], entry["raw"]) == (0, 0, None)


def test_a_dlq_replays_each_dead_letter_once_however_often_it_was_sent(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str,
    tmp_path: Path,
) -> None:
    """Dead letters are at least once: a worker that restarts dead-letters the rejects
    after its last checkpoint again. `replay --topic <dlq>` lists and counts each source
    record once; a rejected record without the source headers is never merged."""
    ensure_topic_at(embedded_broker.url, topic, 2)
    producer = KafkaProducer(bootstrap_servers=embedded_broker.url)
    rejection = Rejection("invalid_json", "", "expected value")
    for offset in (10, 11, 10, 12, 11, 10):  # three dead letters, sent 3, 2 and 1 times
        key, value, headers = dead_letter(rejection, "care.events", 1, offset, b"c-1",
                                          b"{not json %d" % offset, 1_000_000)
        producer.send(topic, key=key, value=value, headers=headers, partition=offset % 2)
    producer.send(topic, key=None, value=b"{no headers", partition=0)
    producer.send(topic, key=None, value=b"{no headers", partition=0)
    producer.flush()
    producer.close()
    rejects = tmp_path / "rejects.jsonl"
    code, out, err = run_cli(capsys, "replay", "--topic", topic, "--broker", embedded_broker.url,
                             "--rejects", rejects, "--allow-empty")
    assert code == 0
    assert err == ("carepulse replay: skipped 3 repeated dead letters (same source topic, "
                   "partition and offset as an earlier one)\n")
    assert json.loads(out)["events"]["rejected"] == 5
    raws = sorted(json.loads(line)["raw"] for line in rejects.read_text().splitlines())
    assert raws == ["{no headers", "{no headers", "{not json 10", "{not json 11",
                    "{not json 12"]
    # a dead letter is listed where its record lies on the input topic, not on the DLQ;
    # the records without headers at theirs: partition 0 got 4 dead letters, then them
    where = sorted((entry.get("topic", ""), entry["partition"], entry["offset"])
                   for entry in map(json.loads, rejects.read_text().splitlines()))
    assert where == [("", 0, 4), ("", 0, 5), ("care.events", 1, 10), ("care.events", 1, 11),
                     ("care.events", 1, 12)]


def test_a_dlq_reference_is_counted_and_listed_as_too_large_with_its_sizes(
    embedded_broker: EmbeddedBroker, topic: str, tmp_path: Path,
) -> None:
    """A record too large to copy is dead-lettered as a reference with an empty value:
    the replay counts the reason the worker found, not the empty value's."""
    ensure_topic_at(embedded_broker.url, topic, 1)
    key, value, headers = dead_letter(Rejection("too_large", "", "record of 1020000 bytes"),
                                      "care.events", 2, 40, b"c-1", b"x" * 1_020_000, 1_000_000)
    run, rejects = replay_one_record(embedded_broker, topic, tmp_path, key, value, headers)
    assert run.rejected == {"too_large": 1}
    assert json.loads(rejects.read_text(encoding="utf-8")) == {
        "topic": "care.events", "partition": 2, "offset": 40, "reason": "too_large",
        "field": "", "detail": "a reference: key 3 bytes, value 1020000 bytes, too large to "
                               "copy; the record stays at its source offset", "raw": "",
    }


def test_an_empty_topic_has_nothing_to_report_unless_allowed(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str
) -> None:
    ensure_topic_at(embedded_broker.url, topic, PARTITIONS)
    code, out, err = run_cli(capsys, "replay", "--topic", topic, "--broker", embedded_broker.url)
    assert (code, out) == (3, "")
    assert err == (f"carepulse replay: topic {topic!r}: no event accepted: 0 records read; "
                   "nothing to report (--allow-empty writes an empty report)\n")
    code, out, err = run_cli(capsys, "replay", "--topic", topic, "--broker", embedded_broker.url,
                             "--allow-empty")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["events"]["read"] == 0
    assert report["range"] == {"from": "1970-01-01T00:00:00Z", "to": "1970-01-01T00:00:00Z"}


def test_a_missing_topic_fails_in_one_line_and_is_not_created(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker, topic: str
) -> None:
    code, out, err = run_cli(capsys, "replay", "--topic", topic, "--broker", embedded_broker.url)
    assert (code, out) == (2, "")
    assert err == (f"carepulse replay: error: topic {topic!r} does not exist on "
                   f"{embedded_broker.url}\n")
    consumer = KafkaConsumer(bootstrap_servers=embedded_broker.url)
    try:
        assert topic not in consumer.topics()
    finally:
        consumer.close()


def test_an_unreachable_broker_fails_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"127.0.0.1:{free_port()}"
    code, out, err = run_cli(capsys, "replay", "--topic", "care.events", "--broker", url)
    assert (code, out, err) == (2, "", f"carepulse replay: error: broker {url} unreachable\n")


def test_replay_takes_exactly_one_of_input_and_topic(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for argv in (["replay"], ["replay", "--input", str(tmp_path), "--topic", "t"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        assert "--input" in capsys.readouterr().err


def test_the_html_page_and_the_ledger_of_a_topic_are_those_of_its_file(
    capsys: pytest.CaptureFixture[str], embedded_broker: EmbeddedBroker,
    filled: tuple[str, Path, Placement], tmp_path: Path,
) -> None:
    topic, path, _ = filled
    bounds = ("--from", "2026-11-02T03:00:00Z", "--to", "2026-11-02T05:00:00Z")
    outputs = {}
    for name, source in (("topic", ("--topic", topic, "--broker", embedded_broker.url)),
                         ("file", ("--input", path))):
        (tmp_path / name).mkdir()
        page, ledger = tmp_path / name / "report.html", tmp_path / name / "ledger.csv"
        code, _, err = run_cli(capsys, "replay", *source, *bounds, "--format", "html",
                               "--tz", "Europe/Rome", "--out", page, "--ledger", ledger)
        assert code == 0
        outputs[name] = (page.read_bytes(), ledger.read_bytes(),
                         err.replace(str(ledger), "LEDGER"))
    assert outputs["topic"] == outputs["file"]
    page, ledger, err = outputs["file"]
    assert b"Changes: against 2026-11-02T01:00:00Z to 2026-11-02T03:00:00Z</p>" in page
    assert len(ledger.splitlines()) > 100
    assert b"<br>ledger ledger.csv sha256:" in page
    assert err.startswith("carepulse replay: report sha256:")
