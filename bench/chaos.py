"""Chaos: do 3 workers sharing 6 partitions count exactly through kills and restarts?

Runs N seeded schedules (tests/live/chaos.py, the harness the suite's chaos tests use), each
on a fresh embedded broker: an input topic of 6 partitions created first, 3 `carepulse
worker` processes of one group, --events simulated events (1 % malformed, 3 % of the
lines re-sent) produced raw at 2,500-5,000 events/s while a worker is SIGKILLed (two at
once one time in four, SIGTERM one time in five) every 2-7 s and started again after
0-5 s. A schedule passes when, after catch-up, every counter, histogram count and sum
summed over the workers equals `replay --topic`, no worker exited by itself and the
group never stalled (no event counted for --stall-seconds while records waited, or no
partition owned by anyone that long).

Prints each schedule's faults and verdict with every failure and mismatch, then the
pass rate and the restart-to-ready times (process start to its first /metrics answer,
and to the first scrape where it owns a partition): median, p90 and max.
`--broker-log debug` keeps the broker's group-coordinator decisions (JoinGroup and
SyncGroup outcomes, the leader, LeaveGroup, missed heartbeats) in each schedule's
broker.log.
`--repair-stalls` clears the group's departed leader when a stall is detected
(streams/kafka/group_repair.py) and goes on, to see whether that gets the group going.

Usage: python bench/chaos.py [--schedules 3] [--seed 1] [--events 100000]
                             [--stall-seconds 60] [--broker-log info|debug]
                             [--repair-stalls]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the harness lives with the tests it serves

from streams.kafka.broker import EmbeddedBroker, free_port  # noqa: E402
from tests.live.chaos import Limits, ScheduleResult, random_schedule, run_schedule  # noqa: E402

BROKER_LOGS = {
    "warn": "warn",
    "info": "warn,tansu_broker::coordinator::group=info",
    "debug": "warn,tansu_broker::coordinator::group=debug",
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def times_line(what: str, values: list[float]) -> str:
    if not values:
        return f"{what}: none"
    return (f"{what} ({len(values)}): median {statistics.median(values):.1f} s, "
            f"p90 {percentile(values, 0.9):.1f} s, max {max(values):.1f} s")


def summary(results: list[ScheduleResult]) -> str:
    passed = sum(result.passed for result in results)
    restarts = [inc for result in results for inc in result.restarts]
    to_metrics = [inc.metrics_at - inc.started_at for inc in restarts
                  if inc.metrics_at is not None]
    to_ready = [inc.ready_at - inc.started_at for inc in restarts if inc.ready_at is not None]
    never = sum(1 for inc in restarts if inc.ready_at is None)
    return "\n".join([
        f"pass rate: {passed} of {len(results)} schedules",
        f"restarts: {len(restarts)} ({never} killed or stopped before owning a partition)",
        times_line("restart to first /metrics answer", to_metrics),
        times_line("restart to owning a partition", to_ready),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--schedules", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1, help="schedule i uses seed + i")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--stall-seconds", type=float, default=60.0)
    parser.add_argument("--broker-log", choices=sorted(BROKER_LOGS), default="info")
    parser.add_argument("--repair-stalls", action="store_true",
                        help="on a stall, clear the group's departed leader and go on "
                        "(the stall still fails the schedule)")
    parser.add_argument("--out", type=Path, help="where the schedules' logs go "
                        "(default: a new temporary directory)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="carepulse-chaos-"))
    print(f"logs in {out}", flush=True)
    limits = Limits(stall_seconds=args.stall_seconds, repair_stalls=args.repair_stalls)
    results: list[ScheduleResult] = []
    for number in range(args.schedules):
        seed = args.seed + number
        workdir = out / f"seed-{seed}"
        workdir.mkdir(parents=True, exist_ok=True)
        schedule = random_schedule(seed, args.events)
        broker = EmbeddedBroker(port=free_port(), log_path=workdir / "broker.log",
                                log_level=BROKER_LOGS[args.broker_log])
        started = time.monotonic()
        with broker:
            result = run_schedule(schedule, broker.url, workdir, limits,
                                  say=lambda text: print(text, flush=True))
        results.append(result)
        print(result.describe(), flush=True)
        print(f"  ({time.monotonic() - started:.0f} s)\n", flush=True)
    print(summary(results), flush=True)
    for result in results:
        if not result.passed:
            print(f"  {result.schedule.name}: " + "; ".join(
                [*result.failures[:1], *result.mismatches[:3]])[:300], flush=True)


if __name__ == "__main__":
    main()
