"""Resident memory per open conversation in the live worker's partition state.

One `streams.state.partition.PartitionState` per input partition (4, as the worker keeps
them) receives N `message.received` events of N distinct conversations, as valid JSON
record values at the next offset of the partition their key hashes to (murmur2, like the
producers). Each opens a conversation cycle (with the configuration's SLA policies, so
response and resolution deadlines are held too) and leaves one unanswered message: a
customer waiting for a first reply. Memory is resident set size (/proc/self/statm) after
`gc.collect()`, minus the same before the events, divided by N; each measurement runs in
a fresh process:

  (1) no checkpoint: the sets of changed conversations and new event ids a checkpoint
      would flush are still pending; then one checkpoint of everything is built
      (`PartitionState.checkpoint()`, the records the worker would send) and dropped,
      and RSS is read again, and once more after glibc's malloc_trim(0) (what a dropped
      checkpoint leaves is free heap, not live objects). orjson >= 3.13 allocates ~4 KiB
      per `dumps` result whatever its length, so this one-shot checkpoint peaks at about
      4 KiB x N (4 GiB for the default N);
  (2) as the worker runs: a checkpoint built and dropped every --checkpoint-events
      events;
  and a split of (1) by structure (engine conversations, dedupe ids, pending checkpoint
  sets, totals and windows): `sys.getsizeof` over each one's objects, shared objects
  counted once; the rest of the RSS growth is allocator overhead.

Usage: python bench/memory_per_conversation.py [--conversations N] [--ids uuid|short]
                                               [--config FILE] [--checkpoint-events K]
                                               [--no-split]
Defaults: 1,000,000 conversations, 36-character UUID ids (`short`: c-123 / e-123 as in
streams.testing.simulate), examples/carepulse.toml (`--config none`: built-in defaults, no SLA
policy), a checkpoint every 5,000 events. Target: <= 2,048 bytes per open conversation.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import itertools
import os
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FunctionType, ModuleType

import orjson
from aiokafka.partitioner import murmur2
from common import EXAMPLE_CONFIG, PARTITIONS, base_config_text

from streams.config import CarePulseConfig, load_config
from streams.state.partition import PartitionState

TARGET_BYTES = 2048
RESULT = "RESULT"
SCENARIOS = ("no-checkpoint", "split", "worker-checkpoints")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
CHANNELS = ("facebook", "instagram", "x", "whatsapp", "linkedin", "tiktok", "youtube")
PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")
START = datetime(2026, 11, 2, tzinfo=UTC)


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES


def settled_rss() -> int:
    gc.collect()
    return rss_bytes()


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def ids(index: int, style: str) -> tuple[str, str]:
    if style == "short":
        return f"c-{index}", f"e-{index}"
    return str(uuid.UUID(int=index * 2 + 1, version=4)), str(
        uuid.UUID(int=index * 2 + 2, version=4))


def message_events(count: int, style: str) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) of `count` first messages of distinct conversations, 0.1 s apart."""
    for index in range(count):
        conversation_id, event_id = ids(index, style)
        at = START + timedelta(microseconds=100_000 * index)
        body = {
            "event_id": event_id, "type": "message.received",
            "occurred_at": at.isoformat().replace("+00:00", "Z"),
            "conversation_id": conversation_id, "channel": CHANNELS[index % len(CHANNELS)],
            "brand": "acme", "priority": PRIORITIES[index % len(PRIORITIES)],
            "customer_id": f"u-{index:010x}", "topic": "billing", "sentiment": -0.25,
        }
        yield conversation_id.encode(), orjson.dumps(body)


def apply_all(states: dict[int, PartitionState], events: Iterable[tuple[bytes, bytes]]
              ) -> None:
    """Each record at the next offset of the partition its key hashes to."""
    for key, value in events:
        partition = (murmur2(key) & 0x7FFFFFFF) % PARTITIONS  # as producers place keys
        state = states[partition]
        rejection = state.apply(state.next_offset, value)
        if rejection is not None:
            raise SystemExit(f"event rejected: {rejection}")


_SHARED_KINDS = (type, ModuleType, FunctionType)


def graph_bytes(roots: Iterable[object], seen: set[int]) -> int:
    """`sys.getsizeof` over everything reachable from `roots` and not in `seen`."""
    total, stack = 0, list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _SHARED_KINDS):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
        if isinstance(obj, dict):  # the GC does not visit the str keys of a dict
            stack.extend(obj)
    return total


def split(states: dict[int, PartitionState]) -> dict[str, int]:
    """Bytes by structure, in this order (an object reachable from two counts once, in
    the first): conversations, dedupe ids, pending checkpoint, totals and windows."""
    seen: set[int] = set()
    seen.update(id(obj) for obj in (None, True, False))
    values = list(states.values())
    engines = [state.engine for state in values]
    parts: dict[str, list[object]] = {
        "engine conversations": [engine.conversations for engine in engines],
        "dedupe ids": [getattr(engine, "_recent", None) for engine in engines],
        "pending checkpoint": [(getattr(s, "_changed", None), getattr(s, "_new_ids", None))
                               for s in values],
        "totals and windows": [(s.totals, getattr(s, "windows", None)) for s in values],
    }
    return {name: graph_bytes(roots, seen) for name, roots in parts.items()}


def load(config_arg: str) -> CarePulseConfig:
    if config_arg == "none":
        return CarePulseConfig()
    text = base_config_text(Path(config_arg))  # the live sections play no part here
    scratch = Path(f"/tmp/carepulse-memory-{os.getpid()}.toml")
    try:
        scratch.write_text(text, encoding="utf-8")
        return load_config(scratch)
    finally:
        scratch.unlink()


def checkpoint_all(states: dict[int, PartitionState]) -> tuple[int, int]:
    """What the worker does at a checkpoint, minus the sending: every dirty partition's
    records are built, then dropped. (records, bytes of keys and values)."""
    checkpoints = [state.checkpoint() for state in states.values() if state.dirty]
    records = sum(len(data) + 1 for data, _ in checkpoints)
    size = sum(len(key) + len(value or b"") for data, meta in checkpoints
               for key, value in [*data, meta])
    return records, size


def malloc_trim() -> None:
    """Hands free heap pages back to the kernel (glibc; nothing elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def scenario(name: str, count: int, args: argparse.Namespace) -> None:
    """One measurement in a fresh process; the last line is `RESULT key=value ...`."""
    config = load(args.config)
    states = {p: PartitionState(p, config) for p in range(PARTITIONS)}
    before = settled_rss()
    events = message_events(count, args.ids)
    result: dict[str, float] = {}
    if name == "no-checkpoint":
        started = time.perf_counter()
        apply_all(states, events)
        growth = settled_rss() - before
        result["apply_s"] = time.perf_counter() - started
        result["bytes"] = growth / count
        records, size = checkpoint_all(states)
        result["one_records"], result["one_mib"] = records, size / 2**20
        result["one_peak_mib"] = peak_rss_bytes() / 2**20
        result["one_after"] = (settled_rss() - before) / count
        malloc_trim()
        result["trimmed"] = (rss_bytes() - before) / count
    elif name == "worker-checkpoints":
        every = args.checkpoint_events
        started, checkpoints = time.perf_counter(), 0
        for _ in range(0, count, every):
            apply_all(states, itertools.islice(events, every))
            checkpoint_all(states)
            checkpoints += 1
        result["apply_s"] = time.perf_counter() - started
        result["checkpoints"] = checkpoints
        result["bytes"] = (settled_rss() - before) / count
        malloc_trim()
        result["trimmed"] = (rss_bytes() - before) / count
    else:  # split: sizes by structure, no checkpoint (the walk's own memory spoils RSS)
        apply_all(states, events)
        result.update({key.replace(" ", "_"): value / count
                       for key, value in split(states).items()})
    open_now = sum(1 for s in states.values() for conv in s.engine.conversations.values()
                   if conv.cycle_open)
    if open_now != count:
        raise SystemExit(f"{open_now:,} open conversations, expected {count:,}")
    print(RESULT, " ".join(f"{key}={value}" for key, value in result.items()), flush=True)


def run_scenario(name: str, args: argparse.Namespace) -> dict[str, float]:
    command = [sys.executable, __file__, "--scenario", name, "--conversations",
               str(args.conversations), "--ids", args.ids, "--config", args.config,
               "--checkpoint-events", str(args.checkpoint_events)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith(RESULT + " "))
    return {key: float(value) for key, value in
            (field.split("=") for field in line.split()[1:])}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--conversations", "--events", type=int, default=1_000_000,
                        dest="conversations")
    parser.add_argument("--ids", choices=("uuid", "short"), default="uuid")
    parser.add_argument("--config", default=str(EXAMPLE_CONFIG),
                        help="KPI sections from this TOML file, or 'none' "
                             "(default: examples/carepulse.toml)")
    parser.add_argument("--checkpoint-events", type=int, default=5000,
                        help="events between checkpoints, as [worker] (default 5000)")
    parser.add_argument("--no-split", action="store_true",
                        help="skip the per-structure split (it walks every object)")
    parser.add_argument("--scenario", choices=SCENARIOS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    count = args.conversations
    if args.scenario:
        scenario(args.scenario, count, args)
        return
    print(f"{count:,} open conversations ({args.ids} ids) in {PARTITIONS} PartitionStates, "
          f"one fresh process per measurement; config: {args.config}")
    plain = run_scenario("no-checkpoint", args)
    print(f"  (1) no checkpoint (changed-conversation set and new-id list pending): "
          f"{plain['bytes']:,.0f} bytes/conversation (applied in {plain['apply_s']:.1f} s)")
    if not args.no_split:
        parts = run_scenario("split", args)
        for name, size in parts.items():
            print(f"        {name.replace('_', ' '):<22} {size:>6,.0f} bytes/conversation "
                  f"(getsizeof over its objects)")
        rest = plain["bytes"] - sum(parts.values())
        print(f"        {'allocator and other':<22} {rest:>6,.0f} bytes/conversation")
    print(f"      then one checkpoint of everything ({plain['one_records']:,.0f} records, "
          f"{plain['one_mib']:,.0f} MiB of keys and values) built and dropped: "
          f"{plain['one_after']:,.0f} bytes/conversation (peak RSS "
          f"{plain['one_peak_mib']:,.0f} MiB); after malloc_trim(0): "
          f"{plain['trimmed']:,.0f}")
    worker = run_scenario("worker-checkpoints", args)
    print(f"  (2) as the worker runs: a checkpoint every {args.checkpoint_events:,} events "
          f"({worker['checkpoints']:,.0f} checkpoints, records built and dropped): "
          f"{worker['bytes']:,.0f} bytes/conversation; after malloc_trim(0): "
          f"{worker['trimmed']:,.0f}")
    verdict = "met" if max(plain["bytes"], worker["bytes"]) <= TARGET_BYTES else "NOT met"
    print(f"summary: {count:,} open conversations: {plain['bytes']:,.0f} bytes each without "
          f"checkpoints, {worker['bytes']:,.0f} with the worker's checkpoints "
          f"(target <= {TARGET_BYTES:,}: {verdict})")


if __name__ == "__main__":
    main()
