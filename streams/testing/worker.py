"""`carepulse worker` in a child process: the one harness of the tests, the benchmarks and
the demo (which runs `carepulse ingest`, the gateway, with it too).

The child runs `python -m streams.cli worker --config FILE --broker URL`, its output
appended to a log file, and is SIGKILLed by Linux if its parent dies (so a killed test,
benchmark or demo leaves no worker behind). Options: extra environment variables, a
working directory, pinned to core 0 (benchmarks, where `taskset` exists), and a process
group of its own (the demo: a Ctrl-C in the terminal reaches only the demo, which stops
the worker in order).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from streams.children import die_with_parent
from streams.metrics.scrape import scrape

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
"""Every sample of a scrape: (name, labels) -> value."""
LOG_TAIL_LINES = 20


class WorkerExited(RuntimeError):
    """The worker process ended while it was expected to run; the message has its log."""


def pinned(command: list[str]) -> list[str]:
    """`command` on core 0 when `taskset` exists."""
    taskset = shutil.which("taskset")
    return [taskset, "-c", "0", *command] if taskset else command


def metric_sums(text: str) -> dict[str, float]:
    """Sum over all label sets of every sample in a /metrics text (no full parse: a
    tight scrape loop must not cost more than the scrape)."""
    sums: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        name_end = line.find("{")
        if name_end < 0:
            name_end = line.find(" ")
        name = line[:name_end]
        sums[name] = sums.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
    return sums


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum of a sample over every series whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(value for (sample, series), value in samples.items()
               if sample == name and wanted <= series)


class WorkerProcess:
    """`carepulse worker --config FILE --broker URL` in a child process, log to a file."""

    def __init__(
        self, config: Path, broker_url: str, metrics_port: int, log: Path,
        environment: Mapping[str, str] | None = None, *, cwd: Path | None = None,
        pin: bool = False, own_group: bool = False, command: str = "worker",
        port_variable: str = "CAREPULSE_METRICS_PORT",
    ) -> None:
        """`environment`: variables added to ours for the child (each start appends to
        the same log); `cwd`: its working directory; `pin`: on core 0; `own_group`: in a
        process group of its own, stopped as a group. `command`: another `carepulse`
        command serving `/metrics` on the port that `port_variable` sets (`ingest`,
        `CAREPULSE_INGEST_PORT`)."""
        self.config, self.broker_url, self.metrics_port, self.log = (
            config, broker_url, metrics_port, log
        )
        self.environment = dict(environment or {})
        self.cwd, self.pin, self.own_group = cwd, pin, own_group
        self.command, self.port_variable = command, port_variable
        self.url = f"http://127.0.0.1:{metrics_port}/metrics"
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> WorkerProcess:
        command = [sys.executable, "-m", "streams.cli", self.command, "--config",
                   str(self.config), "--broker", self.broker_url]
        environment = {**os.environ, **self.environment,
                       self.port_variable: str(self.metrics_port)}
        with self.log.open("ab") as log:
            self.started_at = time.monotonic()
            self.process = subprocess.Popen(
                pinned(command) if self.pin else command, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=self.cwd,
                start_new_session=self.own_group,
                preexec_fn=die_with_parent(signal.SIGKILL),  # noqa: PLW1509 (one prctl)
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            raise WorkerExited(f"{self.command} exited early; log {self.log}:\n{self.log_tail()}")

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log.read_text("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def log_problems(self) -> str:
        """How many WARNING/ERROR lines the log holds, and the first of each kind."""
        kinds: dict[str, int] = {}
        for line in self.log.read_text(errors="replace").splitlines():
            level = next((lvl for lvl in ("[WARNING]", "[ERROR]", "[CRITICAL]")
                          if lvl in line), None)
            if level is None:
                continue
            text = line.split(level, 1)[1].strip()
            kind = re.sub(r"[0-9.]+", "N", text)[:90]
            kinds[kind] = kinds.get(kind, 0) + 1
        if not kinds:
            return "no warnings in the worker log"
        return "worker log: " + "; ".join(f"{count} x {kind}" for kind, count in kinds.items())

    def scrape(self, timeout_seconds: float = 5) -> Samples:
        """Every sample of its /metrics (OSError while it does not answer)."""
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for sample in scrape(self.url, timeout_seconds)
        }

    def sums(self, timeout_seconds: float = 5.0) -> dict[str, float] | None:
        """Sums of every metric over its series, or None while /metrics does not answer."""
        try:
            with urllib.request.urlopen(self.url, timeout=timeout_seconds) as response:
                return metric_sums(response.read().decode())
        except OSError:
            return None

    def wait_for(self, done: Callable[[Samples], bool], timeout_seconds: float = 90) -> Samples:
        """Scrapes until `done` holds (the worker process must stay alive)."""
        deadline = time.monotonic() + timeout_seconds
        last: Samples = {}
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            try:
                last = self.scrape()
            except OSError:
                last = {}
            if last and done(last):
                return last
            time.sleep(0.25)
        summary = {name: total(last, name) for name in (
            "carepulse_partitions_owned", "carepulse_messages_received_total",
            "carepulse_events_rejected_total", "carepulse_events_duplicate_total")}
        raise AssertionError(f"not reached in {timeout_seconds} s; last scrape: {summary}")

    def stop(
        self, sig: signal.Signals = signal.SIGTERM, timeout_seconds: float = 30,
        kill_after: bool = False,
    ) -> int:
        """Sends `sig` (to its group, with `own_group`) and returns its exit code. When it
        has not exited after `timeout_seconds`: SIGKILL with `kill_after`, else
        subprocess.TimeoutExpired. A group is SIGKILLed once the worker has exited
        (anything it left there)."""
        assert self.process is not None
        if self.process.poll() is None:
            self._signal(sig)
            try:
                self.process.wait(timeout=timeout_seconds)
            except subprocess.TimeoutExpired:
                if not kill_after:
                    raise
                self._signal(signal.SIGKILL)
        code = self.process.wait()
        if self.own_group:
            self._signal(signal.SIGKILL)
        return code

    def _signal(self, signum: signal.Signals) -> None:
        assert self.process is not None
        if not self.own_group:
            self.process.send_signal(signum)
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)
