"""`carepulse demo` end to end: a real demo process with its real broker and worker child,
scraped over HTTP, stopped by real signals (its pure pieces are tested in
tests/unit/cli/test_demo_restamp.py)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.cli.demo.configuration import demo_config_text
from streams.cli.demo.summary import scrape
from streams.kafka.broker import free_port
from streams.metrics.scrape import Sample

pytestmark = pytest.mark.broker

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"\(pid (\d+)\), worker pid (\d+)")
SUMMARY = re.compile(r"SLA met ([\d,]+)  breached ([\d,]+)  \(\d+% met\)")


class Demo:
    """`streams.cli.demo.command.main([...])` in a child process, its output in files."""

    def __init__(self, tmp_path: Path, *options: str) -> None:
        self.metrics_port = free_port()
        self.stdout_path, self.stderr_path = tmp_path / "demo.out", tmp_path / "demo.err"
        argv = ["--port", str(free_port()), "--metrics-port", str(self.metrics_port), *options]
        code = f"import sys; from streams.cli.demo.command import main; sys.exit(main({argv!r}))"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code], stdout=out, stderr=err, cwd=tmp_path,
                env={**os.environ, "TMPDIR": str(tmp_path)},  # a killed demo's work folder
            )
        self.started_at = time.monotonic()

    def output(self) -> str:
        return self.stdout_path.read_text() + self.stderr_path.read_text()

    def child_pids(self, timeout_seconds: float = 30) -> tuple[int, int]:
        """(broker, worker) as the demo reports them on stderr."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            match = STARTED.search(self.stderr_path.read_text())
            if match:
                return int(match[1]), int(match[2])
            time.sleep(0.1)
        raise AssertionError(f"no start-up line in {timeout_seconds} s:\n{self.output()}")

    def samples(self) -> list[Sample] | None:
        return scrape(f"http://127.0.0.1:{self.metrics_port}/metrics")

    def messages_received(self) -> float | None:
        samples = self.samples()
        if samples is None:
            return None
        return sum(s.value for s in samples if s.name == "carepulse_messages_received_total")

    def wait_for(self, name: str, more_than: float = 0, timeout_seconds: float = 40) -> float:
        """The samples called `name` summed, once the sum exceeds `more_than`."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            samples = self.samples()
            if samples is not None:
                total = sum(s.value for s in samples if s.name == name)
                if total > more_than:
                    return total
            time.sleep(0.2)
        raise AssertionError(f"{name} not above {more_than} in {timeout_seconds} s:\n"
                             f"{self.output()}")

    def wait_for_messages(self, more_than: float = 0, timeout_seconds: float = 40) -> float:
        """`carepulse_messages_received_total` summed, once it exceeds `more_than`."""
        return self.wait_for("carepulse_messages_received_total", more_than, timeout_seconds)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def demo_factory(tmp_path: Path) -> Iterator[list[Demo]]:
    demos: list[Demo] = []
    yield demos
    for demo in demos:  # a failed assertion must not leave a demo running
        demo.kill()


def process_tree(root_pid: int, groups: set[int]) -> set[int]:
    """Every live descendant of `root_pid` and every member of the process groups."""
    parents: dict[int, int] = {}
    members: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pid, parent, group = int(entry.name), int(fields[1]), int(fields[2])
        parents[pid] = parent
        if group in groups:
            members.add(pid)
    found: set[int] = set()
    frontier = {root_pid}
    while frontier:
        children = {pid for pid, parent in parents.items() if parent in frontier}
        frontier = children - found
        found |= children
    return found | members


def gone(pid: int, wait_seconds: float) -> bool:
    """True once `pid` names no live process (a zombie counts as gone)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z" or time.monotonic() >= deadline:
            return state == "Z"
        time.sleep(0.05)


def test_the_demo_feeds_a_live_worker_and_stops_cleanly_on_sigint(
    tmp_path: Path, demo_factory: list[Demo]
) -> None:
    demo = Demo(tmp_path, "--rate", "200")
    demo_factory.append(demo)
    broker_pid, worker_pid = demo.child_pids()
    first = demo.wait_for_messages()
    first_metrics_seconds = time.monotonic() - demo.started_at
    time.sleep(2)
    later = demo.wait_for_messages(more_than=first, timeout_seconds=20)  # 2 s, unless starved
    assert later > first
    # the demo's SLA policies: every one has series, and the traffic meets targets
    met = demo.wait_for("carepulse_sla_met_total", timeout_seconds=30)
    samples = demo.samples()
    assert samples is not None
    policies = {policy["name"] for policy in tomllib.loads(demo_config_text())["sla"]["policies"]}
    assert len(policies) >= 2
    for name in ("carepulse_sla_met_total", "carepulse_sla_breaches_total",
                 "carepulse_sla_at_risk_conversations"):
        assert {s.labels["policy"] for s in samples if s.name == name} == policies, name

    tree = process_tree(demo.process.pid, {broker_pid, worker_pid})
    assert {broker_pid, worker_pid} <= tree
    demo.process.send_signal(signal.SIGINT)
    stop_started_at = time.monotonic()
    assert demo.process.wait(timeout=30) == 0, demo.output()
    stop_seconds = time.monotonic() - stop_started_at
    assert [pid for pid in tree if not gone(pid, 2)] == []
    out = demo.stdout_path.read_text()
    assert f"metrics: http://127.0.0.1:{demo.metrics_port}/metrics" in out
    assert "stopped after sending" in out
    summaries = SUMMARY.findall(out)  # into a file: one summary line every 5 s, and at stop
    assert summaries, out
    shown_met, shown_breached = (int(number.replace(",", "")) for number in summaries[-1])
    assert shown_met >= met, out
    for part in ("customer messages ", "first response p50 ~", "at risk now ",
                 "last 30d: response rate "):
        assert part in out, part
    print(f"first metrics after {first_metrics_seconds:.1f} s, stopped in {stop_seconds:.1f} s;"
          f" SLA met {shown_met}, breached {shown_breached} at the end")


def test_a_killed_demo_leaves_no_process_behind(
    tmp_path: Path, demo_factory: list[Demo]
) -> None:
    demo = Demo(tmp_path, "--rate", "50")
    demo_factory.append(demo)
    broker_pid, worker_pid = demo.child_pids()
    deadline = time.monotonic() + 40
    while demo.messages_received() is None:  # the worker is fully up
        assert time.monotonic() < deadline and demo.process.poll() is None, demo.output()
        time.sleep(0.2)
    tree = process_tree(demo.process.pid, {broker_pid, worker_pid})
    os.kill(demo.process.pid, signal.SIGKILL)
    demo.process.wait()
    assert [pid for pid in tree if not gone(pid, 10)] == []






