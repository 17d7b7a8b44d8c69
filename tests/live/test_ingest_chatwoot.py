"""`carepulse ingest` with its translator (a supervised child) on a real broker:
Chatwoot deliveries (the fixtures built from Chatwoot's sources) reach the raw topic
untouched and the input topic as contract events; a delivery that cannot be mapped goes
to the DLQ with its reason; `carepulse bridge replay` applies the mapping again to the
raw topic's history, into a topic of its own."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
NAMES = itertools.count(1)


@dataclass(frozen=True)
class Gateway:
    url: str
    pid: int
    name: str  # of its topics: <name>.events, <name>.dlq, <name>.raw.chatwoot
    config: Path
    log: Path


@pytest.fixture
def gateway(tmp_path: Path, embedded_broker: EmbeddedBroker) -> Iterator[Gateway]:
    port = free_port()
    name = f"cw{next(NAMES)}"
    config = tmp_path / f"{name}.toml"
    config.write_text(f'[kafka]\napp_id = "{name}"\ninput_topic = "{name}.events"\n'
                      f'dlq_topic = "{name}.dlq"\n[ingest]\nport = {port}\n'
                      f'raw_topic_prefix = "{name}.raw."\n', encoding="utf-8")
    log = (tmp_path / "ingest.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "ingest", "--config", str(config), "--broker",
         embedded_broker.url], env={**os.environ, **ENVIRON}, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        _until(lambda: _healthy(url), 30)
        yield Gateway(url, process.pid, name, config, tmp_path / "ingest.log")
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


def _deliver(gateway: Gateway, body: bytes, delivery: str) -> int:
    headers = signed_headers(SECRET.encode(), int(time.time()), body, delivery)
    return call(gateway.url + "/webhooks/chatwoot", body, headers).status


def test_deliveries_become_events_and_an_unknown_event_goes_to_the_dlq(
    gateway: Gateway, embedded_broker: EmbeddedBroker, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = gateway.name
    bodies = [(FIXTURES / f"{name}.json").read_bytes() for name in DELIVERIES]
    unknown = b'{"event": "conversation_exploded", "id": 7}'
    statuses = [_deliver(gateway, body, f"delivery-{i}") for i, body in enumerate(bodies)]
    statuses.append(_deliver(gateway, unknown, "delivery-x"))
    # a signature captured from a real delivery, replayed with another body: refused
    replayed = signed_headers(SECRET.encode(), int(time.time()), bodies[0], "delivery-r")
    assert call(gateway.url + "/webhooks/chatwoot", bodies[3], replayed).status == 401
    assert statuses == [200] * 6  # the deliveries mapped to nothing too

    raw = read_topic(embedded_broker.url, f"{name}.raw.chatwoot")
    assert [record.value for record in raw] == [*bodies, unknown]
    assert dict(raw[0].headers)["x-chatwoot-delivery"] == b"delivery-0"

    url = embedded_broker.url
    _until(lambda: len(read_topic(url, f"{name}.events")) == 3
           and len(read_topic(url, f"{name}.dlq")) == 1, 60)
    events = [orjson.loads(record.value) for record in read_topic(url, f"{name}.events")]
    assert sorted(event["type"] for event in events) == [
        "conversation.handoff", "message.received", "reply.sent"]
    keys = {record.key for record in read_topic(url, f"{name}.events")}
    assert keys == {event["conversation_id"].encode() for event in events}
    [dead] = read_topic(url, f"{name}.dlq")
    assert dead.value == unknown
    assert dict(dead.headers)["carepulse-reason"] == b"unknown_event"
    assert dict(dead.headers)["carepulse-field"] == b"event"
    assert dict(dead.headers)["carepulse-source-topic"] == f"{name}.raw.chatwoot".encode()

    # the mapping applied again to the raw topic's history, into a topic of its own
    for variable, value in ENVIRON.items():
        monkeypatch.setenv(variable, value)
    code = main(["bridge", "replay", "--config", str(gateway.config), "--broker", url,
                 "--topic", f"{name}.again"])
    assert code == 0
    again = [orjson.loads(record.value) for record in read_topic(url, f"{name}.again")]
    assert sorted(event["event_id"] for event in again) == sorted(
        event["event_id"] for event in events)  # the same ids: re-delivered = duplicate
    assert capsys.readouterr().err == (
        f"carepulse bridge replay: 6 deliveries of {name}.raw.chatwoot -> 3 events on "
        f"{name}.again, 2 ignored, 1 to {name}.dlq\n")
    # --since: only the deliveries received at or after the instant (none after 2100)
    assert main(["bridge", "replay", "--config", str(gateway.config), "--broker", url,
                 "--topic", f"{name}.later", "--since", "2100-01-01T00:00:00Z"]) == 0
    assert capsys.readouterr().err == (
        f"carepulse bridge replay: 0 deliveries of {name}.raw.chatwoot -> 0 events on "
        f"{name}.later, 0 ignored, 0 to {name}.dlq\n")


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children


def test_a_killed_translator_is_started_again_and_translates_what_came_meanwhile(
    gateway: Gateway, embedded_broker: EmbeddedBroker,
) -> None:
    name = gateway.name
    (translator,) = _children(gateway.pid)
    os.kill(translator, 9)
    body = (FIXTURES / "message_created_incoming.json").read_bytes()
    assert _deliver(gateway, body, "while-away") == 200  # the gateway does not need it
    _until(lambda: len(read_topic(embedded_broker.url, f"{name}.events")) == 1, 90)
    assert "the translator exited (code -9); starting it again in 1 s" in gateway.log.read_text()
    (restarted,) = _children(gateway.pid)
    assert restarted != translator
