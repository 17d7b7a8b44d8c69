"""Faults of `carepulse ingest` (the real command, in a process of its own): the broker
stops answering while requests arrive, the broker goes away and comes back, SIGTERM with
requests in flight. The embedded broker is memory-only, so an outage that keeps the data
is staged by pausing its process (SIGSTOP, then SIGCONT): it holds every connection and
answers nothing, as a broker behind a network partition."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from streams.kafka.broker import EmbeddedBroker, free_port
from streams.testing import Scenario
from tests.live.ingest_helpers import Answer, call, read_topic

pytestmark = pytest.mark.broker
TOKEN = "fault-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@contextmanager
def gateway_process(tmp_path: Path, broker_url: str, name: str) -> Iterator[
        tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    config = tmp_path / f"{name}.toml"
    config.write_text(f'[kafka]\ninput_topic = "{name}.events"\napp_id = "{name}"\n'
                      f'[ingest]\nport = {port}\nack_timeout_seconds = 2.0\n', encoding="utf-8")
    log = (tmp_path / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "ingest", "--config", str(config), "--broker",
         broker_url, "--no-translator"],
        env={**os.environ, "CAREPULSE_INGEST_TOKEN": TOKEN}, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until(lambda: _status(url + "/healthz") == 200, "the gateway is healthy")
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _status(url: str) -> int | None:
    try:
        return call(url, timeout_seconds=5).status
    except OSError:
        return None


def _wait_until(done: object, what: str, timeout_seconds: float = 30) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if done():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout_seconds} s: {what}")


def _batch(prefix: str, count: int) -> tuple[bytes, list[str]]:
    s = Scenario()
    for number in range(count):
        s.message("10:00", f"{prefix}-c{number}", event_id=f"{prefix}-e{number}")
    return b"\n".join(s.lines()), [f"{prefix}-e{number}" for number in range(count)]


def _pause(broker: EmbeddedBroker, signum: signal.Signals) -> None:
    assert broker.pid is not None
    os.killpg(broker.pid, signum)


def _event_ids(broker_url: str, topic: str) -> Counter[str]:
    return Counter(orjson.loads(r.value)["event_id"] for r in read_topic(broker_url, topic))


def test_a_broker_that_stops_answering_gets_503_and_acknowledged_events_are_there_once(
    tmp_path: Path,
) -> None:
    with EmbeddedBroker(port=free_port()) as broker, \
            gateway_process(tmp_path, broker.url, "pause") as (_, url):
        acknowledged: list[str] = []
        for number in range(5):
            body, ids = _batch(f"before{number}", 20)
            assert call(url + "/v1/events", body, BEARER).status == 200
            acknowledged += ids
        _pause(broker, signal.SIGSTOP)
        try:
            during = [call(url + "/v1/events", _batch(f"during{n}", 10)[0], BEARER)
                      for n in range(3)]
            health = call(url + "/healthz")
        finally:
            _pause(broker, signal.SIGCONT)
        assert [answer.status for answer in during] == [503, 503, 503]
        assert during[0].json()["error"] == (
            "the broker did not acknowledge the records (no acknowledgement within 2 s); "
            "nothing is confirmed: send the request again")
        assert health.status == 503
        _wait_until(lambda: call(url + "/healthz").status == 200, "healthy again")
        body, ids = _batch("after", 20)
        assert call(url + "/v1/events", body, BEARER).status == 200
        acknowledged += ids
        counts = _event_ids(broker.url, "pause.events")
        assert {event_id: counts[event_id] for event_id in acknowledged} == dict.fromkeys(
            acknowledged, 1)
        assert max(counts.values()) == 1  # the 503'd ones: at most once, never twice


def test_a_broker_that_is_gone_gets_503_then_the_gateway_recovers_when_it_is_back(
    tmp_path: Path,
) -> None:
    port = free_port()
    broker = EmbeddedBroker(port=port)
    broker.start()
    try:
        with gateway_process(tmp_path, broker.url, "gone") as (process, url):
            broker.stop()
            assert call(url + "/healthz").status == 503
            assert call(url + "/v1/events", _batch("gone", 3)[0], BEARER).status == 503
            broker.start()
            _wait_until(lambda: call(url + "/healthz").status == 200, "healthy again", 60)
            _wait_until(lambda: call(url + "/v1/events", _batch("back", 3)[0],
                                     BEARER).status == 200, "accepted again", 60)
            assert process.poll() is None
    finally:
        broker.stop()


def test_sigterm_answers_the_requests_in_flight_then_exits_0(tmp_path: Path) -> None:
    with EmbeddedBroker(port=free_port()) as broker, \
            gateway_process(tmp_path, broker.url, "drain") as (process, url):
        body, ids = _batch("inflight", 10)
        answers: list[Answer] = []
        _pause(broker, signal.SIGSTOP)  # the request waits for its acknowledgement
        try:
            sender = threading.Thread(
                target=lambda: answers.append(call(url + "/v1/events", body, BEARER)))
            sender.start()
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
        finally:
            _pause(broker, signal.SIGCONT)
        sender.join(timeout=30)
        assert process.wait(timeout=30) == 0
        assert [answer.status for answer in answers] == [200]
        assert answers[0].json() == {"accepted": 10, "rejected": []}
        assert _event_ids(broker.url, "drain.events") == Counter(dict.fromkeys(ids, 1))
