"""Memory of `carepulse replay --input` over a month of a large brand: peak RSS and the
conversations held at the end, for a file of ~1M events over 30 days whose conversations
are interleaved at random (bench/replay_foreign.py's file, stretched to 30 days).

`replay --input` forgets nothing (docs/kpis.md section 1: any order of the file gives the
contract's report), so it holds every conversation of the file at the end. For
comparison the same file is also replayed as `replay --topic` replays a partition:
resolved conversations forgotten once the file's newest event time has passed their last
event by the grace plus the late-event tolerance (on this randomly interleaved file that
forgets conversations whose events are still to come, so its report differs; it is only
here for the memory). Each replay runs in a child process (compiled core if built) that
prints its peak RSS (`VmHWM`), the conversations held and their resolved share.

Usage: python bench/replay_memory.py [--lines 1080000] [--days 30] [--seed 11]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from replay_foreign import foreign_file

from streams import core_runs

CHILD = """
import sys
from pathlib import Path
from streams.audit.replay import replay_file
from streams.audit.report import AuditRun
from streams.config import CarePulseConfig
def peak_mib():  # VmHWM: this process's peak RSS (ru_maxrss keeps the forking parent's)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
run = AuditRun(CarePulseConfig())
start_mib = peak_mib()
if sys.argv[2] == "topic":
    run.bound_memory()
replay_file(Path(sys.argv[1]), run)
report = run.report()
held = run.engine.conversations
resolved = sum(1 for conv in held.values() if conv.closed)
print(f"{sys.argv[2]:>5}: peak RSS {peak_mib():,.0f} MiB ({start_mib:,.0f} before the first "
      f"event), {len(held):,} conversations held "
      f"({resolved:,} resolved), {report['totals']['conversations_opened']:,} cycles opened, "
      f"{report['events']['accepted']:,} events accepted")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_080_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    path = foreign_file(args.lines, args.seed, args.days)
    print(f"file: {path} ({args.lines:,} lines over {args.days} days); core: {core_runs()}")
    for mode in ("file", "topic"):
        subprocess.run([sys.executable, "-c", CHILD, str(path), mode], check=True)


if __name__ == "__main__":
    main()
