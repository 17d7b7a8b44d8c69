"""Soak: does the live worker's memory level off under steady traffic?

An embedded broker, one `carepulse worker` and a producer sending simulated traffic at
--rate events/s (default 2,000) for --minutes (default 30), each event re-stamped with
the wall-clock instant it is sent (as `carepulse demo` does: the simulation's hours are
compressed, so conversations open, get answered and resolve within seconds). Every
minute it prints the worker's resident memory (VmRSS of /proc/PID/status), the events
sent, the records the worker has read, its lag and the conversations it holds.

What must stay bounded: resolved conversations are forgotten `--grace-seconds` plus
`--tolerance-seconds` (`[worker] late_event_tolerance_seconds`, default 0 here) after
their last event (event time = wall time here; the default 60 s stands for ~18 hours of
the simulation at 2,000 events/s), and the dedupe memory holds at most
`[dedupe] capacity` ids per input partition. That capacity is per partition: with the
default 1,000,000 and 4 partitions at 2,000 events/s, it fills only after ~33 minutes
(a first 30-minute run grew by ~14 MiB a minute for that reason), so the soak sets
--dedupe-capacity 250,000 (full after ~8 minutes) to see the plateau within the run.
Conversations the simulation leaves open without a resolution are never forgotten (an
open cycle is live state); the run reports them.

Verdict: RSS growth over the last third of the run against the first third; "levels off"
when the last third grows by less than 5% of the RSS at its start.

Usage: python bench/soak.py [--minutes 30] [--rate 2000] [--grace-seconds 60]
                            [--tolerance-seconds 0] [--dedupe-capacity 250000]
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from pathlib import Path

from common import WorkerProcess, bench_worker, write_worker_config

from streams.cli.demo.traffic import ENDLESS_EVENTS, Feeder, open_producer
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.produce import ensure_topic_at
from streams.testing.simulate import generate_lines

LEVEL_OFF_FRACTION = 0.05
READY_TIMEOUT_SECONDS = 120.0
TOPIC = "soak.events"


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def wait_ready(worker: WorkerProcess) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        worker.check_alive()
        sums = worker.sums()
        if sums and sums.get("carepulse_partitions_owned", 0) > 0:
            return
        time.sleep(0.5)
    raise SystemExit(f"worker not ready in {READY_TIMEOUT_SECONDS:g} s")


def verdict(curve: list[float]) -> str:
    if len(curve) < 3:
        return "too short for a verdict (3 minutes at least)"
    third = len(curve) // 3
    first_growth = curve[third] - curve[0]
    last_growth = curve[-1] - curve[-1 - third]
    level = curve[-1 - third]
    levels_off = last_growth < LEVEL_OFF_FRACTION * level
    return (
        f"RSS growth: first third {first_growth:+.1f} MiB, last third {last_growth:+.1f} MiB "
        f"({100 * last_growth / level:+.1f}% of {level:.1f} MiB): "
        + ("levels off" if levels_off else "DOES NOT level off")
    )


def soak(
    minutes: int, rate: float, grace_seconds: float, tolerance_seconds: float,
    dedupe_capacity: int, seed: int,
) -> None:
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        broker = stack.enter_context(EmbeddedBroker(port=free_port()))
        ensure_topic_at(broker.url, TOPIC, 4)
        port = free_port()
        base = workdir / "base.toml"
        base.write_text(f"[dedupe]\ncapacity = {dedupe_capacity}\n", encoding="utf-8")
        config = write_worker_config(
            workdir / "soak.toml", base, "soak", TOPIC, port,
            worker_toml=f"resolved_grace_seconds = {grace_seconds}\n"
            f"late_event_tolerance_seconds = {tolerance_seconds}\n"
            f'data_dir = "{workdir}"\n',
        )
        worker = bench_worker(config, broker.url, port, workdir).start()
        stack.callback(worker.stop)
        wait_ready(worker)
        assert worker.process is not None
        stop = threading.Event()
        producer = open_producer(broker.url)
        stack.callback(producer.close, timeout=10)
        feeder = Feeder(producer, TOPIC, generate_lines(ENDLESS_EVENTS, seed), rate, stop)
        feeder.start()
        stack.callback(feeder.join)
        stack.callback(stop.set)
        print(f"soak: {rate:,.0f} events/s for {minutes} min, grace {grace_seconds:g} s "
              f"+ tolerance {tolerance_seconds:g} s, "
              f"dedupe capacity {dedupe_capacity:,} per partition, worker pid "
              f"{worker.process.pid}", flush=True)
        print("minute  rss_mib  sent        read        lag     in_memory  open    "
              "fetch_wait_ms", flush=True)
        curve = [rss_mib(worker.process.pid)]
        started = time.monotonic()
        for minute in range(minutes + 1):
            if minute:
                stop.wait(max(started + 60 * minute - time.monotonic(), 0))
                worker.check_alive()
                if feeder.error is not None:
                    raise SystemExit(f"producer failed: {feeder.error}")
                curve.append(rss_mib(worker.process.pid))
            sums = worker.sums() or {}
            print(f"{minute:6d}  {curve[-1]:7.1f}  {feeder.sent:10,d}  "
                  f"{sums.get('carepulse_events_read_total', 0):10,.0f}  "
                  f"{sums.get('carepulse_consumer_lag_records', 0):6,.0f}  "
                  f"{sums.get('carepulse_conversations_in_memory', 0):9,.0f}  "
                  f"{sums.get('carepulse_open_conversations', 0):6,.0f}  "
                  f"{1000 * sums.get('carepulse_fetch_wait_seconds', 0):6,.0f}", flush=True)
        print(verdict(curve[1:]), flush=True)
        print(f"producer send failures: {feeder.failed}; {worker.log_problems()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--rate", type=float, default=2000.0, help="events per second")
    parser.add_argument("--grace-seconds", type=float, default=60.0)
    parser.add_argument("--tolerance-seconds", type=float, default=0.0,
                        help="[worker] late_event_tolerance_seconds")
    parser.add_argument("--dedupe-capacity", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    soak(args.minutes, args.rate, args.grace_seconds, args.tolerance_seconds,
         args.dedupe_capacity, args.seed)


if __name__ == "__main__":
    main()
