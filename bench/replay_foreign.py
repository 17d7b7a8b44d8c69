"""`carepulse replay --input` against a bare `json.loads` pass over the same file, on a
file CarePulse did not write (issue 15's audit-speed target: a ratio >= 0.5).

The file: the simulator's events (streams.testing.simulate, so the stories are realistic)
re-written as another system would export them: keys in envelope order (not sorted), the
default `visibility` left out, timestamps with `Z`, `+01:00` and
`-05:00` offsets, half of them with microseconds, event times stretched over ten days
(another span for bench/replay_memory.py), and
whole conversations interleaved at random (each line picks a conversation with a chance
proportional to the events it has left), so the arrival order jumps across the ten days.
Generated once per (lines, seed) into bench/out/ with only `Random.random()` and integer
arithmetic: the same bytes on every machine.

Each run times, as child processes pinned to one core, a bare pass (`json.loads` of every
line) and `carepulse replay --input FILE --out /dev/null` (process start included in
both), in alternating order. Prints each run, the medians of wall and CPU seconds and
their ratios (json.loads seconds / replay seconds: 0.5 means the replay takes twice the
bare pass; CPU seconds are steadier on a shared machine), and whether the core runs
compiled (run `python scripts/compile_core.py` first).

Usage: python bench/replay_foreign.py [--lines 1080000] [--runs 5] [--seed 11]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from streams import core_runs
from streams.testing.simulate import generate_lines
from streams.testing.worker import pinned

OUT_DIR = Path(__file__).resolve().parent / "out"
US_PER_DAY = 86_400 * 1_000_000
OFFSETS = (("Z", 0), ("+01:00", 3600), ("-05:00", -5 * 3600))
ENVELOPE = ("event_id", "type", "occurred_at", "conversation_id", "channel", "brand",
            "priority")
BARE_PASS = (
    "import json, sys\n"
    "loads = json.loads\n"
    "with open(sys.argv[1], 'rb') as source:\n"
    "    for line in source:\n"
    "        loads(line)\n"
)


def _stamp(instant_us: int, rng: random.Random) -> str:
    """RFC 3339 of `instant_us` in one of three offsets, with microseconds half the time."""
    suffix, offset_seconds = OFFSETS[int(rng.random() * len(OFFSETS))]
    local = datetime(1970, 1, 1) + timedelta(microseconds=instant_us,  # noqa: DTZ001
                                             seconds=offset_seconds)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if rng.random() < 0.5:
        text += f".{local.microsecond:06d}"
    return text + suffix


def _instant_us(text: str) -> int:
    moment = datetime.fromisoformat(text)
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def foreign_file(lines: int, seed: int, days: int = 10) -> Path:
    """The file for (lines, seed, days), generated once into bench/out/."""
    name = f"foreign-{lines}-seed{seed}" + ("" if days == 10 else f"-{days}d")
    path = OUT_DIR / f"{name}.jsonl"
    if path.exists():
        return path
    started = time.perf_counter()
    bodies = [orjson.loads(line) for line in generate_lines(lines, seed)]
    instants = [_instant_us(body["occurred_at"]) for body in bodies]
    first_us, last_us = min(instants), max(instants)
    stretch = days * US_PER_DAY / max(1, last_us - first_us)
    rng = random.Random(seed)
    by_conversation: dict[str, list[bytes]] = {}
    for body, instant_us in zip(bodies, instants, strict=True):
        body["occurred_at"] = _stamp(first_us + int((instant_us - first_us) * stretch), rng)
        ordered = {key: body[key] for key in ENVELOPE if key in body}
        ordered.update((key, value) for key, value in body.items()
                       if key not in ordered and (key, value) != ("visibility", "private"))
        text = json.dumps(ordered, ensure_ascii=False, separators=(",", ":")).encode()
        by_conversation.setdefault(body["conversation_id"], []).append(text)
    del bodies, instants
    # one ticket per line, each naming its conversation, shuffled (Fisher-Yates)
    tickets = [number for number, events in enumerate(by_conversation.values())
               for _ in events]
    for index in range(len(tickets) - 1, 0, -1):
        other = int(rng.random() * (index + 1))
        tickets[index], tickets[other] = tickets[other], tickets[index]
    queues = [iter(events) for events in by_conversation.values()]
    OUT_DIR.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        for number in tickets:
            out.write(next(queues[number]) + b"\n")
    partial.rename(path)
    size = path.stat().st_size
    print(f"generated {path} in {time.perf_counter() - started:.1f} s: {lines:,} lines, "
          f"{size / lines:.0f} bytes a line, {len(by_conversation):,} conversations",
          flush=True)
    return path


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    wall_seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall_seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_080_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    path = foreign_file(args.lines, args.seed)
    bare_pass = pinned([sys.executable, "-c", BARE_PASS, str(path)])
    replay = pinned([sys.executable, "-m", "streams.cli", "replay", "--input", str(path),
                     "--out", "/dev/null"])
    print(f"file: {path} ({path.stat().st_size / args.lines:.0f} bytes a line); "
          f"core: {core_runs()}")
    print("replay:", " ".join(replay))
    bare: list[tuple[float, float]] = []
    replayed: list[tuple[float, float]] = []
    for index in range(args.runs):
        if index % 2:
            replayed.append(timed(replay))
            bare.append(timed(bare_pass))
        else:
            bare.append(timed(bare_pass))
            replayed.append(timed(replay))
        print(f"  run {index + 1}: json.loads {bare[-1][0]:.2f} s ({bare[-1][1]:.2f} s CPU), "
              f"replay {replayed[-1][0]:.2f} s ({replayed[-1][1]:.2f} s CPU), ratio "
              f"{bare[-1][0] / replayed[-1][0]:.2f}", flush=True)
    for kind, index in (("wall", 0), ("CPU", 1)):
        bare_median = statistics.median(times[index] for times in bare)
        replay_median = statistics.median(times[index] for times in replayed)
        print(f"median {kind}: json.loads {bare_median:.2f} s, replay {replay_median:.2f} s "
              f"({args.lines / replay_median:,.0f} lines/s); ratio "
              f"{bare_median / replay_median:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
