"""Events/s of the pure core over an in-memory list of validated events (no I/O, no
parsing): the engine plus the audit report's sink, as `carepulse replay` runs them.

Usage: python bench/core_throughput.py [--events N] [--runs R] [--seed S]
Prints each run and the median. Target (issue 2): >= 200,000 events/s.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from schemas.events import Event
from schemas.rejections import Rejection, parse_event
from streams.audit.report import AuditRun
from streams.config import load_config
from streams.testing.simulate import generate_lines


def validated_events(count: int, seed: int) -> list[Event]:
    events = []
    for line in generate_lines(count, seed):
        parsed = parse_event(line)
        if not isinstance(parsed, Rejection):
            events.append(parsed)
    return events


def one_run(events: list[Event], config_path: str | None) -> float:
    run = AuditRun(load_config(config_path))
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    for event in events:
        run.feed(event)
    report = run.report()
    elapsed_seconds = time.perf_counter() - started
    gc.enable()
    assert report["events"]["read"] == len(events)
    return len(events) / elapsed_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--config", help="TOML configuration (default: none)")
    args = parser.parse_args()
    events = validated_events(args.events, args.seed)
    print(f"core over {len(events):,} validated events, config={args.config or 'defaults'}")
    rates = []
    for index in range(args.runs):
        rates.append(one_run(events, args.config))
        print(f"  run {index + 1}: {rates[-1]:,.0f} events/s")
    print(f"median: {statistics.median(rates):,.0f} events/s (target >= 200,000)")


if __name__ == "__main__":
    main()
