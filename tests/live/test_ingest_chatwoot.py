"""`carepulse ingest` with its translator (a supervised child) on a real broker:
Chatwoot deliveries (the fixtures built from Chatwoot's sources) reach the raw topic
untouched and the input topic as contract events; a delivery that cannot be mapped goes
to the DLQ with its reason; `carepulse bridge replay` applies the mapping again to the
raw topic's history, into a topic of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from streams.bridge.chatwoot import signed_headers
from streams.cli.main import main
from streams.kafka.broker import EmbeddedBroker, free_port
from tests.live.ingest_helpers import call, read_topic

pytestmark = pytest.mark.broker
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chatwoot"
SECRET = "chatwoot-webhook-secret"
ENVIRON = {"CAREPULSE_CHATWOOT_SECRET": SECRET,
           "CAREPULSE_CHATWOOT_CUSTOMER_KEY": "0123456789abcdef0123456789abcdef"}
DELIVERIES = ("message_created_incoming", "message_created_private_note", "contact_created",
              "message_created_agent_reply", "conversation_status_changed")
NAME = "cw"


@pytest.fixture
def gateway(tmp_path: Path, embedded_broker: EmbeddedBroker) -> Iterator[str]:
    port = free_port()
    config = tmp_path / "cw.toml"
    config.write_text(f'[kafka]\napp_id = "{NAME}"\ninput_topic = "{NAME}.events"\n'
                      f'dlq_topic = "{NAME}.dlq"\n[ingest]\nport = {port}\n'
                      f'raw_topic_prefix = "{NAME}.raw."\n', encoding="utf-8")
    log = (tmp_path / "ingest.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "ingest", "--config", str(config), "--broker",
         embedded_broker.url], env={**os.environ, **ENVIRON}, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        _until(lambda: _healthy(url), 30)
        yield url
        process.terminate()
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def _healthy(url: str) -> bool:
    try:
        return call(url + "/healthz", timeout_seconds=5).status == 200
    except OSError:
        return False


def _until(done: object, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _deliver(url: str, body: bytes, delivery: str) -> int:
    headers = signed_headers(SECRET.encode(), int(time.time()), body, delivery)
    return call(url + "/webhooks/chatwoot", body, headers).status


def test_deliveries_become_events_and_an_unknown_event_goes_to_the_dlq(
    gateway: str, embedded_broker: EmbeddedBroker, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    bodies = [(FIXTURES / f"{name}.json").read_bytes() for name in DELIVERIES]
    unknown = b'{"event": "conversation_exploded", "id": 7}'
    statuses = [_deliver(gateway, body, f"delivery-{i}") for i, body in enumerate(bodies)]
    statuses.append(_deliver(gateway, unknown, "delivery-x"))
    # a signature captured from a real delivery, replayed with another body: refused
    replayed = signed_headers(SECRET.encode(), int(time.time()), bodies[0], "delivery-r")
    assert call(gateway + "/webhooks/chatwoot", bodies[3], replayed).status == 401
    assert statuses == [200] * 6  # the deliveries mapped to nothing too

    raw = read_topic(embedded_broker.url, f"{NAME}.raw.chatwoot")
    assert [record.value for record in raw] == [*bodies, unknown]
    assert dict(raw[0].headers)["x-chatwoot-delivery"] == b"delivery-0"

    url = embedded_broker.url
    _until(lambda: len(read_topic(url, f"{NAME}.events")) == 3
           and len(read_topic(url, f"{NAME}.dlq")) == 1, 60)
    events = [orjson.loads(record.value) for record in read_topic(url, f"{NAME}.events")]
    assert sorted(event["type"] for event in events) == [
        "conversation.handoff", "message.received", "reply.sent"]
    keys = {record.key for record in read_topic(url, f"{NAME}.events")}
    assert keys == {event["conversation_id"].encode() for event in events}
    [dead] = read_topic(url, f"{NAME}.dlq")
    assert dead.value == unknown
    assert dict(dead.headers)["carepulse-reason"] == b"unknown_event"
    assert dict(dead.headers)["carepulse-field"] == b"event"
    assert dict(dead.headers)["carepulse-source-topic"] == f"{NAME}.raw.chatwoot".encode()

    # the mapping applied again to the raw topic's history, into a topic of its own
    for variable, value in ENVIRON.items():
        monkeypatch.setenv(variable, value)
    code = main(["bridge", "replay", "--config", str(tmp_path / "cw.toml"), "--broker", url,
                 "--topic", f"{NAME}.again"])
    assert code == 0
    again = [orjson.loads(record.value) for record in read_topic(url, f"{NAME}.again")]
    assert sorted(event["event_id"] for event in again) == sorted(
        event["event_id"] for event in events)  # the same ids: re-delivered = duplicate
    assert capsys.readouterr().err == (
        f"carepulse bridge replay: 6 deliveries of {NAME}.raw.chatwoot -> 3 events on "
        f"{NAME}.again, 2 ignored, 1 to {NAME}.dlq\n")
