"""Events/s of the pure core over an in-memory list of validated events (no I/O, no
parsing): the engine plus the audit report's sink, as `carepulse replay` runs them.

Usage: python bench/core_throughput.py [--events N] [--runs R] [--seed S] [--ledger]
                                      [--html]
Prints each run and the median. Target (issue 2): >= 200,000 events/s. `--ledger` adds the
per-conversation ledger (`replay --ledger`: a cycle observer, its rows made at the end),
`--html` what `--format html` adds (a previous-period sink and the quarter-hour counts).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from schemas.events import Event
from schemas.rejections import Rejection, parse_event
from streams.audit.ledger import Ledger
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


def one_run(events: list[Event], config_path: str | None, ledger: bool, html: bool) -> float:
    observer = Ledger() if ledger else None
    compare = (0, 4_102_444_800_000_000) if html else None  # all of 1970-2099, every event
    run = AuditRun(load_config(config_path), compare=compare, charts=html, cycles=observer)
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    for event in events:
        run.feed(event)
    report = run.report()
    if observer is not None:
        observer.finish(run.engine.conversations.items(), run.sink.from_us, run.sink.to_us)
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
    parser.add_argument("--ledger", action="store_true", help="with the ledger")
    parser.add_argument("--html", action="store_true", help="with the HTML report's sinks")
    args = parser.parse_args()
    events = validated_events(args.events, args.seed)
    print(f"core over {len(events):,} validated events, config={args.config or 'defaults'}"
          f"{', ledger' * args.ledger}{', html' * args.html}")
    rates = []
    for index in range(args.runs):
        rates.append(one_run(events, args.config, args.ledger, args.html))
        print(f"  run {index + 1}: {rates[-1]:,.0f} events/s")
    print(f"median: {statistics.median(rates):,.0f} events/s (target >= 200,000)")


if __name__ == "__main__":
    main()
