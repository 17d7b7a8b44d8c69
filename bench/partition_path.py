"""Microseconds per event of the live worker's own path, without Faust or Kafka: each
simulated record is applied to its partition's `PartitionState` (validation, engine,
live totals, windows, SLA watch), alerts are encoded, and every 5,000 records every
dirty partition builds its checkpoint records, as `carepulse worker` does, in one loop.

Usage: python bench/partition_path.py [--events N] [--runs R] [--seed S]
Defaults: 1,000,000 events, 3 runs (each in a fresh process), examples/carepulse.toml.
Prints whether the core runs compiled (scripts/compile_core.py), each run and the median.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    EXAMPLE_CONFIG,
    PARTITIONS,
    keyed_records,
    median,
    simulated_file,
    write_worker_config,
)

from streams import core_runs
from streams.config import load_config
from streams.kafka.alerts import alert_record
from streams.live.worker import GC_THRESHOLDS
from streams.state.partition import PartitionState

CHECKPOINT_EVENTS = 5000


def one_run(path: Path) -> float:
    """Microseconds per record of one pass over the file."""
    with tempfile.TemporaryDirectory() as work:
        config = load_config(write_worker_config(Path(work) / "w.toml", EXAMPLE_CONFIG,
                                                 "bench", "bench", 9108))  # not served
    records = list(keyed_records(path))
    states = [PartitionState(partition, config) for partition in range(PARTITIONS)]
    next_offsets = [0] * PARTITIONS
    gc.set_threshold(*GC_THRESHOLDS)
    started = time.perf_counter()
    for number, (partition, _, value) in enumerate(records, 1):
        state = states[partition]
        state.apply(next_offsets[partition], value)
        next_offsets[partition] += 1
        for alert in state.alerts:
            alert_record(alert)
        state.alerts = []
        if number % CHECKPOINT_EVENTS == 0:
            for dirty in (s for s in states if s.dirty):
                dirty.checkpoint()
    return (time.perf_counter() - started) * 1e6 / len(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one-run", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_run:
        print(f"{one_run(args.one_run):.2f}")
        return
    path = simulated_file(args.events, args.seed)
    print(f"{args.events:,} records, {PARTITIONS} partitions, the core runs {core_runs()}",
          flush=True)
    results = []
    for run in range(1, args.runs + 1):
        done = subprocess.run([sys.executable, __file__, "--one-run", str(path)],
                              check=True, capture_output=True, text=True)
        results.append(float(done.stdout.split()[-1]))
        print(f"  run {run}: {results[-1]:.2f} us/event", flush=True)
    print(f"median: {median(results):.2f} us/event")


if __name__ == "__main__":
    main()
