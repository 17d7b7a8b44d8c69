"""End-to-end events/s of `carepulse replay --input` over a simulated JSONL file:
process start, reading, validation, the core and the report, pinned to one core.

Usage: python bench/replay_file.py [--events N] [--runs R] [--seed S]
The file is generated once into bench/out/. Prints each run and the median.
Target (issue 2): >= 100,000 events/s for 1,000,000 events.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import simulated_file

from streams.testing.worker import pinned


def replay_command(path: Path) -> list[str]:
    return pinned([sys.executable, "-m", "streams.cli", "replay", "--input", str(path),
                   "--out", "/dev/null"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    path = simulated_file(args.events, args.seed)
    command = replay_command(path)
    print("command:", " ".join(command))
    rates = []
    for index in range(args.runs):
        started = time.perf_counter()
        subprocess.run(command, check=True)
        rates.append(args.events / (time.perf_counter() - started))
        print(f"  run {index + 1}: {rates[-1]:,.0f} events/s")
    print(f"median: {statistics.median(rates):,.0f} events/s (target >= 100,000)")


if __name__ == "__main__":
    main()
