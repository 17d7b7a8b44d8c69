"""Faults: a broker that comes late or restarts, invalid configuration files."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from streams.cli.main import main
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.produce import produce_file
from streams.testing import Scenario
from tests.live.fixtures import WorkerProcess, total, worker_config
from tests.live.test_worker_live import hand_computed_scenario


def wait_for_log(worker: WorkerProcess, pattern: str, timeout_seconds: float = 30) -> str:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        text = worker.log.read_text(errors="replace")
        if re.search(pattern, text):
            return text
        assert worker.process is not None and worker.process.poll() is None, text
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} not in the log:\n{worker.log.read_text()}")


@pytest.mark.broker
def test_a_worker_started_before_its_broker_retries_then_counts_exactly(
    tmp_path: Path, started_workers: list[WorkerProcess]
) -> None:
    port, metrics_port = free_port(), free_port()
    config = worker_config(tmp_path / "late.toml", "late", metrics_port)
    url = f"127.0.0.1:{port}"
    worker = WorkerProcess(config, url, metrics_port, tmp_path / "late.log").start()
    started_workers.append(worker)
    text = wait_for_log(worker, r"\(attempt 3\)")
    retries = [line for line in text.splitlines() if "unreachable" in line]
    assert retries == [
        f"carepulse worker: broker {url} unreachable (attempt 1); retrying in 0.5 s",
        f"carepulse worker: broker {url} unreachable (attempt 2); retrying in 1 s",
        f"carepulse worker: broker {url} unreachable (attempt 3); retrying in 2 s",
    ]
    assert "Traceback" not in text and "Unable connect" not in text

    with EmbeddedBroker(port=port):
        produce_file(hand_computed_scenario(tmp_path / "events.jsonl"), url, "late.events")
        m = worker.wait_for(lambda m: total(m, "carepulse_survey_responses_total") == 2)
        assert total(m, "carepulse_messages_received_total") == 3
        assert total(m, "carepulse_replies_sent_total") == 4
        assert total(m, "carepulse_conversations_resolved_total") == 1
        assert total(m, "carepulse_events_duplicate_total") == 1
        assert total(m, "carepulse_first_response_seconds_sum") == 900
        assert f"broker {url} answers" in worker.log.read_text()
        assert worker.stop() == 0


def test_sigterm_while_waiting_for_the_broker_exits_cleanly(
    tmp_path: Path, started_workers: list[WorkerProcess]
) -> None:
    metrics_port = free_port()
    config = worker_config(tmp_path / "never.toml", "never", metrics_port)
    worker = WorkerProcess(config, f"127.0.0.1:{free_port()}", metrics_port,
                           tmp_path / "never.log").start()
    started_workers.append(worker)
    wait_for_log(worker, r"\(attempt 1\)")
    assert worker.stop() == 0


def new_conversations(path: Path, prefix: str, count: int) -> Path:
    s = Scenario()
    for number in range(count):
        s.message("10:00", f"{prefix}-{number}", event_id=f"{prefix}-e{number}")
    path.write_bytes(b"\n".join(s.lines()) + b"\n")
    return path


@pytest.mark.broker
def test_a_worker_outlives_a_broker_restart_and_counts_what_comes_after(
    tmp_path: Path, started_workers: list[WorkerProcess]
) -> None:
    """The embedded broker is memory-only: a restart loses topics, offsets and the
    changelog holding the worker's state. The worker keeps serving /metrics while the
    broker is away, rejoins when it is back and counts what is produced then, from the
    state the broker holds: none (a counter reset, as after a fresh start)."""
    port, metrics_port = free_port(), free_port()
    url = f"127.0.0.1:{port}"
    config = worker_config(tmp_path / "outage.toml", "outage", metrics_port)
    worker = WorkerProcess(config, url, metrics_port, tmp_path / "outage.log")
    with EmbeddedBroker(port=port):
        started_workers.append(worker.start())
        produce_file(new_conversations(tmp_path / "a.jsonl", "a", 20), url, "outage.events")
        worker.wait_for(lambda m: total(m, "carepulse_messages_received_total") == 20)
    time.sleep(5)  # the broker is away
    assert total(worker.scrape(), "carepulse_messages_received_total") == 20
    with EmbeddedBroker(port=port):
        produce_file(new_conversations(tmp_path / "b.jsonl", "b", 10), url, "outage.events")
        m = worker.wait_for(lambda m: total(m, "carepulse_partitions_owned") == 4
                            and total(m, "carepulse_messages_received_total") == 10)
        assert total(m, "carepulse_open_conversations") == 10
        assert worker.stop() == 0
    problems = [line for line in worker.log.read_text().splitlines()
                if "[ERROR]" in line or "[WARNING]" in line]
    assert 0 < len(problems) <= 40, "\n".join(problems)  # ~350 lines without the throttle


@pytest.mark.parametrize(("content", "expected"), [
    (b"[worker]\ncheckpoint_events = \"many\"\n",
     "bad.toml: worker.checkpoint_events: Input should be a valid integer"),
    (b"[metrics]\nauth = \"digest\"\n",
     "bad.toml: metrics.auth: Input should be 'none' or 'basic'"),
    (b"[worker]\nresolved_grace_seconds = 0\n",
     "bad.toml: worker.resolved_grace_seconds: Input should be greater than 0"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "bad.toml: not valid TOML"),
    (b"[kafka]\nbootstrap_servers = \"a:1\"\n[kafka\n", "bad.toml: not valid TOML"),
])
def test_the_worker_refuses_an_invalid_configuration_naming_the_key(
    content: bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    assert main(["worker", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"carepulse worker: error: {tmp_path}/{expected}"), err
    assert err.count("\n") == 1
