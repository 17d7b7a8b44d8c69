"""Fault injection for live workers: one harness for the suite
(tests/live/test_chaos_live.py) and the bench (bench/chaos.py).

A schedule runs as production would bring it (issue 13): an input topic of 6
partitions created first; 3 `carepulse worker` processes of one consumer group, each
with its own /metrics port and data_dir, `[kafka] partitions = 6` and a
`resolved_grace_seconds` so large that no conversation is forgotten; simulated events
(about 1 % malformed, 3 % of the lines sent again a little later) produced raw, in
chunks, at a few thousand a second, while workers get SIGKILL (one or two at once) or
SIGTERM and are started again after 0-5 s, sometimes while others are still
restoring. After production it waits until the group has settled (every partition
owned, no worker lagging, the counters still) and compares the counters, histogram
counts and sums summed over the workers with the replay of the topic.

Nothing here asserts: `run_schedule` returns what went wrong (a worker that exited by
itself, a stall, every mismatch), so the bench can print all of it and the tests can
assert that it is empty. Restart-to-ready times are recorded per restart: from the
process start to its first /metrics answer, and to the first scrape where it owns a
partition.
"""

from __future__ import annotations

import asyncio
import random
import re
import signal
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaProducer

from streams.audit.report import AuditRun
from streams.audit.topic_replay import replay_topic
from streams.config import load_config
from streams.kafka.broker import free_port
from streams.kafka.group_repair import clear_departed_leader
from streams.kafka.group_watchdog import WORKER_PROTOCOL
from streams.kafka.produce import ensure_topic_at, record_key
from streams.testing.simulate import write_file
from tests.live.fixtures import Samples, WorkerProcess, merged, metrics_mismatches, worker_config

KILL, TERM = signal.SIGKILL, signal.SIGTERM
GRACE_SECONDS = 10 * 365 * 86_400.0  # nothing resolved is forgotten during a schedule
PLAIN = ("carepulse_partitions_owned", "carepulse_consumer_lag_records",
         "carepulse_events_read_total")
GROUP_LINES = ("(Re-)joining group", "Joined group", "Elected group leader",
               "Successfully synced", "Still fetching changelog")


@dataclass(frozen=True)
class Fault:
    """At `at_seconds` after production starts, `signum` to `len(restart_after_seconds)`
    workers (`targets` when they are up, else random ones), each started again that
    long after it is gone. `restoring_first` picks first a worker that was started
    again and owns nothing yet."""

    at_seconds: float
    signum: signal.Signals
    restart_after_seconds: tuple[float, ...]
    targets: tuple[int, ...] = ()
    restoring_first: bool = False

    def describe(self) -> str:
        count = len(self.restart_after_seconds)
        who = ",".join(f"w{t}" for t in self.targets) or (
            "1 worker" if count == 1 else f"{count} workers")
        who += " (restoring first)" if self.restoring_first else ""
        delays = "/".join(f"{d:.1f}" for d in self.restart_after_seconds)
        return f"{self.at_seconds:5.1f} s {self.signum.name} {who}, back after {delays} s"


@dataclass(frozen=True)
class Schedule:
    name: str
    seed: int
    events: int
    rate_per_second: float
    faults: tuple[Fault, ...]
    workers: int = 3
    partitions: int = 6
    bad_fraction: float = 0.01
    resend_fraction: float = 0.03

    def describe(self) -> str:
        head = (f"{self.name}: {self.events:,} events (+{self.resend_fraction:.0%} re-sent, "
                f"{self.bad_fraction:.0%} malformed) at {self.rate_per_second:,.0f}/s, "
                f"{self.workers} workers, {self.partitions} partitions, "
                f"{len(self.faults)} faults")
        return "\n".join([head, *("  " + fault.describe() for fault in self.faults)])


def random_schedule(seed: int, events: int = 100_000) -> Schedule:
    """A seeded schedule: a rate of 2,500-5,000 events/s and a fault every 2-7 s while
    production lasts; a fault is SIGTERM one time in five, hits two workers at once one
    time in four, and goes first for a worker still restoring one time in five."""
    rng = random.Random(seed)
    rate = round(rng.uniform(2_500, 5_000))
    duration = events * 1.03 / rate
    faults: list[Fault] = []
    at = rng.uniform(1, 4)
    while at < duration:
        count = 2 if rng.random() < 0.25 else 1
        faults.append(Fault(
            at_seconds=round(at, 1),
            signum=TERM if rng.random() < 0.2 else KILL,
            restart_after_seconds=tuple(round(rng.uniform(0, 5), 1) for _ in range(count)),
            restoring_first=rng.random() < 0.2,
        ))
        at += rng.uniform(2, 7)
    return Schedule(f"seed {seed}", seed, events, rate, tuple(faults))


@dataclass(frozen=True)
class Limits:
    stall_seconds: float = 60.0
    """No counted event for this long while records wait, or no partition owned by
    anyone for this long: a stall."""
    form_timeout_seconds: float = 120.0
    """For the first three workers to own every partition before production starts."""
    settle_timeout_seconds: float = 240.0
    quiet_seconds: float = 5.0
    """How long the counters must stay still, every partition owned and no lag."""
    term_timeout_seconds: float = 30.0
    scrape_every_seconds: float = 0.5
    repair_stalls: bool = False
    """On a stall, clear the group's departed leader (streams.kafka.group_repair) and go
    on, instead of ending the schedule; the stall still counts as a failure."""


@dataclass
class Incarnation:
    """One process of one worker slot; times in time.monotonic() seconds."""

    worker: int
    number: int
    started_at: float
    metrics_at: float | None = None
    ready_at: float | None = None
    signalled: signal.Signals | None = None
    ended_at: float | None = None
    exit_code: int | None = None
    log_offset: int = 0  # where its lines start in the slot's log

    def describe(self) -> str:
        def after(moment: float | None) -> str:
            return "-" if moment is None else f"{moment - self.started_at:.1f} s"

        end = "" if self.ended_at is None else f", ended after {after(self.ended_at)}"
        return (f"w{self.worker} start {self.number}: /metrics after {after(self.metrics_at)},"
                f" ready after {after(self.ready_at)}{end}")


@dataclass(frozen=True)
class Reading:
    incarnation: Incarnation
    at: float
    owned: int
    lag: int
    read: int


@dataclass
class ScheduleResult:
    schedule: Schedule
    workdir: Path
    failures: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    incarnations: list[Incarnation] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    produced: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures and not self.mismatches

    @property
    def restarts(self) -> list[Incarnation]:
        return [inc for inc in self.incarnations if inc.number > 0]

    def describe(self) -> str:
        lines = [f"{'PASS' if self.passed else 'FAIL'} {self.schedule.name}: "
                 f"{self.produced:,} records, {len(self.restarts)} restarts, "
                 f"{self.seconds:.0f} s; logs in {self.workdir}"]
        lines += [f"  failure: {failure}" for failure in self.failures]
        lines += [f"  mismatch: {mismatch}" for mismatch in self.mismatches]
        lines += [f"  worker log: {crash}" for crash in self.crashes]
        return "\n".join(lines)


def with_resends(lines: list[bytes], fraction: float, rng: random.Random) -> list[bytes]:
    """The lines in order, `fraction` of them sent again 1-2,000 lines later (a
    producer's retry after a lost acknowledgement: same key, same bytes)."""
    later: dict[int, list[bytes]] = {}
    out: list[bytes] = []
    for position, line in enumerate(lines):
        out.append(line)
        out.extend(later.pop(position, []))
        if rng.random() < fraction:
            later.setdefault(position + rng.randint(1, 2_000), []).append(line)
    for position in sorted(later):
        out.extend(later[position])
    return out


def plain_values(text: str) -> dict[str, float]:
    """The unlabelled samples of PLAIN in a /metrics text (a cheap look, several times a
    second, without parsing every series)."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in PLAIN:
            values[name] = float(value)
    return values


def exceptions_in(log: Path, offset: int = 0) -> Iterator[str]:
    """`ExceptionType: message (in function, file:line)` of every traceback in a log,
    from byte `offset` on."""
    where = ""
    inside = False
    with log.open("rb") as text:
        text.seek(offset)
        lines = text.read().decode(errors="replace").splitlines()
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            inside, where = True, ""
            continue
        if not inside:
            continue
        frame = re.match(r'\s+File "([^"]+)", line (\d+), in (\S+)', line)
        if frame:
            path = frame.group(1)
            short = path[path.find("streams/"):] if "streams/" in path else Path(path).name
            where = f"{frame.group(3)}, {short}:{frame.group(2)}"
        elif line and not line[0].isspace():
            inside = False
            yield f"{line.strip()[:160]} (in {where})"


class Slot:
    """One worker of the group: its process, started again after each fault."""

    def __init__(self, index: int, process: WorkerProcess) -> None:
        self.index = index
        self.process = process
        self.incarnations: list[Incarnation] = []
        self.reading: Reading | None = None
        self.restart_at: float | None = None
        self.restart_delay = 0.0  # after a SIGTERM: once it has exited
        self.term_sent_at: float | None = None

    @property
    def current(self) -> Incarnation:
        return self.incarnations[-1]

    def start(self, now: float) -> None:
        log = self.process.log
        offset = log.stat().st_size if log.exists() else 0
        self.incarnations.append(
            Incarnation(self.index, len(self.incarnations), now, log_offset=offset))
        self.restart_at = None
        self.term_sent_at = None
        self.process.start()

    def alive(self) -> bool:
        child = self.process.process
        return child is not None and child.poll() is None

    def up(self) -> bool:
        """Running and neither signalled nor waiting to be started again."""
        return self.alive() and self.current.signalled is None

    def fresh_reading(self, now: float) -> Reading | None:
        reading = self.reading
        if reading is None or reading.incarnation is not self.current or now - reading.at > 3:
            return None
        return reading

    def watch(self, stop: threading.Event, every_seconds: float) -> None:
        """Scrapes while the process runs (a thread per slot: a worker busy restoring
        must not delay the others' readings)."""
        url = f"http://127.0.0.1:{self.process.metrics_port}/metrics"
        while not stop.wait(every_seconds):
            if not self.incarnations or not self.alive():
                continue
            incarnation = self.current
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    values = plain_values(response.read().decode())
            except (OSError, ValueError):
                continue
            now = time.monotonic()
            owned = int(values.get(PLAIN[0], 0))
            if incarnation.metrics_at is None:
                incarnation.metrics_at = now
            if owned and incarnation.ready_at is None:
                incarnation.ready_at = now
            self.reading = Reading(incarnation, now, owned, int(values.get(PLAIN[1], 0)),
                                   int(values.get(PLAIN[2], 0)))


class ChaosRun:
    def __init__(self, schedule: Schedule, broker_url: str, workdir: Path, limits: Limits,
                 say: Callable[[str], None]) -> None:
        self.schedule, self.broker_url, self.workdir, self.limits = (
            schedule, broker_url, workdir, limits)
        self.say = say
        self.result = ScheduleResult(schedule, workdir)
        self.rng = random.Random(schedule.seed * 7919 + 1)  # target picks, separate
        self.name = f"chaos-{schedule.seed}-{uuid.uuid4().hex[:6]}"
        self.topic = f"{self.name}.events"
        self.slots: list[Slot] = []
        self.started = time.monotonic()
        self.production_started = self.started
        self.stop_watching = threading.Event()
        self.last_progress_at = self.started
        self.last_owned_at = self.started
        self.last_read = -1
        self.sent = 0

    def elapsed(self, now: float) -> str:
        return f"{now - self.production_started:6.1f} s"

    def note(self, now: float, text: str) -> None:
        line = f"{self.elapsed(now)} {text}"
        self.result.actions.append(line)
        self.say("    " + line)

    def fail(self, text: str) -> None:
        self.result.failures.append(text)
        self.say(f"    failure: {text}")

    # -- set-up -------------------------------------------------------------------------

    def records(self) -> list[tuple[bytes | None, bytes]]:
        path = self.workdir / "events.jsonl"
        s = self.schedule
        write_file(path, s.events, seed=s.seed, bad_fraction=s.bad_fraction)
        lines = [line for line in path.read_bytes().split(b"\n") if line.strip()]
        resent = with_resends(lines, s.resend_fraction, random.Random(s.seed))
        return [(record_key(line), line) for line in resent]

    def start_workers(self, environment: dict[str, str]) -> None:
        for index in range(self.schedule.workers):
            port = free_port()
            config = worker_config(
                self.workdir / f"w{index}.toml", self.name, port,
                partitions=self.schedule.partitions,
                data_dir=f'"{self.workdir / f"w{index}-data"}"',
                resolved_grace_seconds=GRACE_SECONDS,
            )
            process = WorkerProcess(config, self.broker_url, port,
                                    self.workdir / f"w{index}.log", environment)
            self.slots.append(Slot(index, process))
        now = time.monotonic()
        for slot in self.slots:
            slot.start(now)
            threading.Thread(target=slot.watch, name=f"watch-w{slot.index}", daemon=True,
                             args=(self.stop_watching, self.limits.scrape_every_seconds)
                             ).start()

    def formed(self) -> bool:
        """Every worker answers and the group owns every partition, before any fault."""
        deadline = time.monotonic() + self.limits.form_timeout_seconds
        while time.monotonic() < deadline:
            now = time.monotonic()
            self.check_exits(now)
            readings = [slot.fresh_reading(now) for slot in self.slots]
            if all(readings) and sum(r.owned for r in readings if r) == (
                self.schedule.partitions
            ):
                return True
            time.sleep(0.25)
        self.fail(f"the group did not own all {self.schedule.partitions} partitions "
                  f"{self.limits.form_timeout_seconds:g} s after the workers started")
        return False

    # -- faults -------------------------------------------------------------------------

    def apply(self, fault: Fault, now: float) -> None:
        up = [slot for slot in self.slots if slot.up()]
        self.rng.shuffle(up)
        if fault.restoring_first:  # stable: the restoring ones first, in random order
            up.sort(key=lambda slot: slot.current.ready_at is not None)
        chosen = [self.slots[t] for t in fault.targets if self.slots[t] in up]
        chosen += [slot for slot in up if slot not in chosen]
        for slot, delay in zip(chosen, fault.restart_after_seconds, strict=False):
            incarnation = slot.current
            incarnation.signalled = fault.signum
            child = slot.process.process
            assert child is not None
            state = "restoring" if incarnation.ready_at is None else "ready"
            self.note(now, f"{fault.signum.name} w{slot.index} ({state}, up "
                           f"{now - incarnation.started_at:.1f} s), back after {delay:.1f} s")
            if fault.signum == KILL:
                child.kill()
                child.wait()
                slot.restart_at = now + delay
            else:
                child.send_signal(TERM)
                slot.term_sent_at = now
                slot.restart_delay = delay

    def check_exits(self, now: float) -> None:
        """Exits: expected after a signal, a failure otherwise (the worker is then
        started again after 1 s, as a supervisor would)."""
        for slot in self.slots:
            if not slot.incarnations:
                continue
            incarnation = slot.current
            child = slot.process.process
            code = None if child is None else child.poll()
            if code is None:
                if slot.term_sent_at is not None and (
                    now - slot.term_sent_at > self.limits.term_timeout_seconds
                ):
                    self.fail(f"w{slot.index} still running "
                              f"{self.limits.term_timeout_seconds:g} s after SIGTERM")
                    assert child is not None
                    child.kill()
                    child.wait()
                continue
            if incarnation.ended_at is not None:
                continue
            incarnation.ended_at, incarnation.exit_code = now, code
            if incarnation.signalled is None:
                crash = list(exceptions_in(slot.process.log, incarnation.log_offset))
                self.fail(f"w{slot.index} exited {code} by itself at "
                          f"{now - self.production_started:.1f} s (up "
                          f"{now - incarnation.started_at:.1f} s)"
                          + (f": {crash[0]}" if crash else ""))
                incarnation.signalled = KILL  # handled: started again like after a kill
                slot.restart_at = now + 1.0
            elif incarnation.signalled == TERM:
                # -15: SIGTERM came before the process installed its handlers
                if code not in (0, -TERM):
                    self.fail(f"w{slot.index} exited {code} after SIGTERM")
                self.note(now, f"w{slot.index} stopped after SIGTERM in "
                               f"{now - (slot.term_sent_at or now):.1f} s (exit {code})")
                slot.term_sent_at = None
                slot.restart_at = now + slot.restart_delay

    def restart_due(self, now: float) -> None:
        for slot in self.slots:
            if slot.restart_at is not None and now >= slot.restart_at and not slot.alive():
                others = [s for s in self.slots if s is not slot and s.up()
                          and s.current.ready_at is None]
                self.note(now, f"start w{slot.index}" + (
                    f" (while {', '.join(f'w{s.index}' for s in others)} restoring)"
                    if others else ""))
                slot.start(now)

    # -- progress -----------------------------------------------------------------------

    def stalled(self, now: float) -> str | None:
        """Why the group is stuck, or None."""
        readings = [r for r in (slot.fresh_reading(now) for slot in self.slots) if r]
        read = sum(r.read for r in readings)
        if read != self.last_read:
            self.last_read, self.last_progress_at = read, now
        if any(r.owned for r in readings):
            self.last_owned_at = now
        stall = self.limits.stall_seconds
        if now - self.last_owned_at >= stall:
            return f"no worker owned a partition for {stall:g} s"
        waiting = sum(r.lag for r in readings)
        if (waiting or read < self.sent) and now - self.last_progress_at >= stall:
            return (f"no event counted for {stall:g} s while {max(waiting, self.sent - read)} "
                    f"records waited (lag {[r.lag for r in readings]}, owned "
                    f"{[r.owned for r in readings]})")
        return None

    def stall_goes_on(self, why: str, now: float) -> bool:
        """Reports the stall; True when the schedule ends on it, False when the group's
        departed leader was cleared (Limits.repair_stalls) and the schedule goes on."""
        self.report_stall(why, now)
        if not self.limits.repair_stalls:
            return True
        try:
            cleared = asyncio.run(
                clear_departed_leader(self.broker_url, self.name, WORKER_PROTOCOL)
            )
        except Exception as error:  # the repair is a diagnosis aid: say why it failed
            cleared = f"repair failed: {error!r}"
        later = time.monotonic()
        self.note(later, f"departed leader cleared: {cleared} (in {later - now:.1f} s)")
        self.last_owned_at = self.last_progress_at = later
        return False

    def report_stall(self, why: str, now: float) -> None:
        self.fail(f"stall at {now - self.production_started:.1f} s: {why}")
        for slot in self.slots:
            text = slot.process.log.read_text(errors="replace").splitlines()
            seen = {kind: sum(kind in line for line in text[-400:]) for kind in GROUP_LINES}
            last = next((line for line in reversed(text)
                         if any(kind in line for kind in GROUP_LINES)), "")
            self.result.failures.append(
                f"  w{slot.index} in its last 400 log lines: "
                + ", ".join(f"{count} x {kind!r}" for kind, count in seen.items() if count)
                + (f"; last: {last.strip()[:200]}" if last else ""))

    def produce(self, records: list[tuple[bytes | None, bytes]]) -> bool:
        """Production with the faults; False after a stall."""
        producer = KafkaProducer(bootstrap_servers=self.broker_url, linger_ms=5,
                                 batch_size=256 * 1024, client_id="chaos-producer")
        failures: list[BaseException] = []
        faults = list(self.schedule.faults)
        rate = self.schedule.rate_per_second
        try:
            self.production_started = time.monotonic()
            self.last_progress_at = self.last_owned_at = self.production_started
            while self.sent < len(records):
                now = time.monotonic()
                target = min(len(records), int((now - self.production_started) * rate) + 1)
                for key, value in records[self.sent:target]:
                    producer.send(self.topic, key=key, value=value).add_errback(
                        failures.append)
                self.sent = max(self.sent, target)
                while faults and now - self.production_started >= faults[0].at_seconds:
                    self.apply(faults.pop(0), now)
                self.check_exits(now)
                self.restart_due(now)
                why = self.stalled(now)
                if why and self.stall_goes_on(why, now):
                    return False
                time.sleep(0.1)
            producer.flush(timeout=60)
        finally:
            producer.close(timeout=10)
        self.result.produced = self.sent
        self.note(time.monotonic(), f"produced {self.sent:,} records"
                  + (f"; {len(faults)} faults after the end of production" if faults else ""))
        if failures:
            self.fail(f"{len(failures)} records not acknowledged: {failures[0]!r}")
        while faults:  # faults planned past the end of production still happen
            now = time.monotonic()
            if now - self.production_started >= faults[0].at_seconds:
                self.apply(faults.pop(0), now)
            self.check_exits(now)
            self.restart_due(now)
            time.sleep(0.1)
        return True

    def settle(self) -> bool:
        """Until every worker is up, all partitions are owned, no worker lags and the
        counters stayed still for `quiet_seconds` (20 s while they do not add up to the
        records produced); False after a stall or the timeout."""
        limits = self.limits
        deadline = time.monotonic() + limits.settle_timeout_seconds
        last_state: tuple[int, ...] = ()
        still_since = time.monotonic()
        while time.monotonic() < deadline:
            now = time.monotonic()
            self.check_exits(now)
            self.restart_due(now)
            readings = [slot.fresh_reading(now) for slot in self.slots]
            state = tuple(x for r in readings if r for x in (r.owned, r.read))
            if state != last_state:
                last_state, still_since = state, now
            complete = (
                all(readings) and all(slot.up() for slot in self.slots)
                and sum(r.owned for r in readings if r) == self.schedule.partitions
                and not any(r.lag for r in readings if r)
            )
            read = sum(r.read for r in readings if r)
            quiet = limits.quiet_seconds if read == self.sent else 20.0
            if complete and now - still_since >= quiet:
                self.note(now, f"settled: {read:,} records counted, owned "
                               f"{[r.owned for r in readings if r]}")
                return True
            why = self.stalled(now)
            if why and self.stall_goes_on(why, now):
                return False
            time.sleep(0.25)
        now = time.monotonic()
        readings = [slot.fresh_reading(now) for slot in self.slots]
        self.fail(f"not settled {limits.settle_timeout_seconds:g} s after production: "
                  f"readings {[(r.owned, r.lag, r.read) if r else None for r in readings]}")
        return False

    def compare(self) -> None:
        scrapes: list[Samples] = [slot.process.scrape(timeout_seconds=30) for slot in self.slots]
        run = AuditRun(load_config(self.slots[0].process.config))
        replay_topic(self.broker_url, self.topic, run)
        self.result.mismatches = metrics_mismatches(merged(scrapes), run)

    def stop(self) -> None:
        self.stop_watching.set()
        for slot in self.slots:
            child = slot.process.process
            if child is not None and child.poll() is None:
                child.kill()
                child.wait()
        for slot in self.slots:
            self.result.incarnations.extend(slot.incarnations)
            crashes = list(exceptions_in(slot.process.log))
            for crash in sorted(set(crashes)):
                self.result.crashes.append(f"w{slot.index}: {crashes.count(crash)} x {crash}")


def run_schedule(
    schedule: Schedule, broker_url: str, workdir: Path, limits: Limits | None = None,
    say: Callable[[str], None] = lambda text: None, environment: dict[str, str] | None = None,
) -> ScheduleResult:
    """Runs one schedule against the broker at `broker_url` (topics and group of its
    own); logs, configurations and data dirs go to `workdir`. `say` gets a line per
    action; `environment` is added to the workers'."""
    workdir.mkdir(parents=True, exist_ok=True)
    chaos = ChaosRun(schedule, broker_url, workdir, limits or Limits(), say)
    say(schedule.describe())
    try:
        ensure_topic_at(broker_url, chaos.topic, schedule.partitions)
        records = chaos.records()
        chaos.start_workers(environment or {})
        if chaos.formed():
            formed = chaos.production_started = time.monotonic()
            chaos.note(formed, f"group formed {formed - chaos.started:.1f} s after start")
            if chaos.produce(records) and chaos.settle():
                chaos.compare()
    finally:
        chaos.stop()
        chaos.result.seconds = time.monotonic() - chaos.started
    return chaos.result
