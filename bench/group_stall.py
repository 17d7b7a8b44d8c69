"""Does the embedded broker's group coordinator get stuck when members die? No Faust.

A fresh embedded broker (its group coordinator logging at debug level to
`broker.log`), a topic of --partitions partitions and --members plain aiokafka
`AIOKafkaConsumer` processes in one group (session 10 s, heartbeat 2 s, as the worker;
rebalance timeout --rebalance-timeout, default 60 s as Faust's). Each member logs
aiokafka's `group_coordinator` at debug level to its own file and writes what it owns
to a small JSON file twice a second. A seeded schedule SIGKILLs one or two members every
few seconds (SIGTERM sometimes) and starts them again after 0-5 s, for --seconds; then
the members are left alone and the script waits until the live members own every
partition. It prints, per second, who owns what, and the stall verdict: a span of
--stall-seconds (default 60) in which no live member owned any partition, and how long
the group took to own every partition again after the last fault.

`--leader-leaves` is the stall of issue 13 made deterministic: once the group has
formed (and passed generation 0: aiokafka sends LeaveGroup only above it), a new member
joins, and the moment the broker has answered its first JoinGroup the leader is stopped
gracefully: its consumer sends LeaveGroup while the group is rebalancing. The broker
(Tansu 0.6.0) removes the member but keeps it as the group's leader, so every follower's
SyncGroup is answered REBALANCE_IN_PROGRESS and every JoinGroup names the departed
leader: no member is ever elected. The script then waits --stall-seconds, restarts
every member and waits again.

`--assign-seconds` / `--revoke-seconds` make the members' rebalance callbacks take that
long (Faust's on-assigned and on-revoked work stands in for them); `--static` gives each
member a `group_instance_id` (static membership, KIP-345).

Usage: python bench/group_stall.py [--seconds 90] [--seed 1] [--members 3]
       python bench/group_stall.py --leader-leaves [--stall-seconds 60] [--repair-after 15]
Each member: python bench/group_stall.py --member NAME --broker URL --topic T --state FILE
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from streams.children import die_with_parent
from streams.kafka.broker import EmbeddedBroker, free_port
from streams.kafka.group_repair import clear_departed_leader
from streams.kafka.produce import ensure_topic_at

GROUP = "stall-probe"
COORDINATOR_LOG = "warn,tansu_broker::coordinator::group::administrator=debug"


async def member(args: argparse.Namespace) -> None:
    """One group member: owns what the coordinator gives it, reads and discards."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.abc import ConsumerRebalanceListener
    from aiokafka.errors import ConsumerStoppedError

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("aiokafka.consumer.group_coordinator").setLevel(logging.DEBUG)
    state_path = Path(args.state)
    owned: list[int] = []

    class Listener(ConsumerRebalanceListener):  # type: ignore[misc]
        async def on_partitions_revoked(self, revoked: object) -> None:
            owned.clear()
            await asyncio.sleep(args.revoke_seconds)

        async def on_partitions_assigned(self, assigned: object) -> None:
            owned[:] = sorted(tp.partition for tp in assigned)  # type: ignore[attr-defined]
            await asyncio.sleep(args.assign_seconds)

    consumer = AIOKafkaConsumer(
        bootstrap_servers=args.broker, group_id=GROUP, client_id=args.member,
        session_timeout_ms=10_000, heartbeat_interval_ms=2_000,
        rebalance_timeout_ms=int(args.rebalance_timeout * 1000),
        request_timeout_ms=int(args.request_timeout * 1000),
        auto_offset_reset="earliest", enable_auto_commit=True,
        group_instance_id=args.member if args.static else None,
    )
    consumer.subscribe([args.topic], listener=Listener())
    await consumer.start()
    stopping: list[asyncio.Future[None]] = []

    def stop() -> None:  # at once, as a worker's shutdown would: LeaveGroup goes now
        if not stopping:
            stopping.append(asyncio.ensure_future(consumer.stop()))

    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop)
    try:
        while not stopping:
            try:
                await consumer.getmany(timeout_ms=500)
            except ConsumerStoppedError:
                break
            temporary = state_path.with_suffix(".tmp")
            temporary.write_text(json.dumps({"owned": owned, "at": time.time()}))
            temporary.replace(state_path)
    finally:
        stop()
        await stopping[0]


class Member:
    def __init__(self, name: str, workdir: Path, args: argparse.Namespace, url: str,
                 topic: str) -> None:
        self.name, self.args, self.url, self.topic = name, args, url, topic
        self.state = workdir / f"{name}.json"
        self.log = workdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.state.unlink(missing_ok=True)
        command = [sys.executable, __file__, "--member", self.name, "--broker", self.url,
                   "--topic", self.topic, "--state", str(self.state),
                   "--rebalance-timeout", str(self.args.rebalance_timeout),
                   "--request-timeout", str(self.args.request_timeout),
                   "--assign-seconds", str(self.args.assign_seconds),
                   "--revoke-seconds", str(self.args.revoke_seconds)]
        if self.args.static:
            command.append("--static")
        with self.log.open("ab") as log:
            log.write(f"---- started at {time.strftime('%H:%M:%S')}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(signal.SIGKILL),  # noqa: PLW1509 (one prctl)
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(signum)
        if signum == signal.SIGTERM:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()

    def owned(self) -> list[int]:
        """What it owns as of its last report (none when dead or silent for 3 s)."""
        if not self.alive():
            return []
        try:
            report = json.loads(self.state.read_text())
        except (OSError, ValueError):
            return []
        fresh = time.time() - float(report["at"]) < 3.0
        return list(report["owned"]) if fresh else []


def leader(members: list[Member]) -> Member | None:
    """The live member whose log last says it was elected leader."""
    best: tuple[str, Member] | None = None
    for m in members:
        if not m.alive():
            continue
        lines = [line for line in m.log.read_text(errors="replace").splitlines()
                 if "Elected group leader" in line]
        if lines and (best is None or lines[-1] > best[0]):
            best = (lines[-1], m)
    return None if best is None else best[1]


def owned_for(members: list[Member], seconds: float, started: float,
              partitions: int) -> bool:
    """Watches `seconds`; True as soon as the live members own every partition."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        owned = {m.name: m.owned() for m in members if m.alive()}
        print(f"{time.monotonic() - started:6.1f} s  owned {owned}", flush=True)
        if sum(len(parts) for parts in owned.values()) == partitions:
            return True
        time.sleep(2.0)
    return False


def leader_leaves(args: argparse.Namespace, workdir: Path, url: str, topic: str) -> int:
    """The deterministic stall: the group's leader sends LeaveGroup (a graceful stop)
    while a rebalance is in progress (a fourth member has just joined)."""
    members = [Member(f"m{i}", workdir, args, url, topic) for i in range(3)]
    started = time.monotonic()
    for m in members:
        m.start()
    while sum(len(m.owned()) for m in members) < args.partitions:
        time.sleep(0.5)
    print(f"{time.monotonic() - started:6.1f} s  group formed", flush=True)
    # A first newcomer: the generation passes 0 (aiokafka sends LeaveGroup only above 0)
    members.append(Member("m3", workdir, args, url, topic))
    members[-1].start()
    while not members[-1].owned():
        time.sleep(0.5)
    print(f"{time.monotonic() - started:6.1f} s  m3 owns {members[-1].owned()}", flush=True)
    chief = leader(members)
    assert chief is not None
    newcomer = Member("m4", workdir, args, url, topic)
    newcomer.start()
    # its first JoinGroup (answered MemberIdRequired at once) turns the group to
    # "Forming" and keeps the leader; the leader leaves before its next heartbeat
    # (every 2 s) tells it to rejoin
    broker_log = workdir / "broker.log"
    joined = r'member_id="m4-' if args.static else (
        r'member_id="m4-[^"]*" join_outcome=MemberIdRequired')
    while not re.search(joined, broker_log.read_text(errors="replace")):
        time.sleep(0.02)
    time.sleep(args.leave_after)
    print(f"{time.monotonic() - started:6.1f} s  m4 joined; SIGTERM the leader "
          f"{chief.name} (its consumer sends LeaveGroup)", flush=True)
    chief.signal(signal.SIGTERM)
    members.append(newcomer)
    if args.repair_after is not None:
        if owned_for(members, args.repair_after, started, args.partitions):
            print("RECOVERED before the repair", flush=True)
            return 0
        repaired_at = time.monotonic()
        cleared = asyncio.run(clear_departed_leader(url, GROUP, "roundrobin"))
        print(f"{time.monotonic() - started:6.1f} s  repair: departed leader cleared: "
              f"{cleared}", flush=True)
        if owned_for(members, args.stall_seconds, started, args.partitions):
            print(f"RECOVERED {time.monotonic() - repaired_at:.1f} s after the repair "
                  "started", flush=True)
            return 0
    elif owned_for(members, args.stall_seconds, started, args.partitions):
        print("RECOVERED", flush=True)
        return 0
    print(f"STALL: not every partition owned for {args.stall_seconds:g} s; now every member is "
          "killed and started again", flush=True)
    for m in members:
        if m.alive():
            m.signal(signal.SIGKILL)
    for m in members:
        if m is not chief:
            m.start()
    if owned_for(members, args.stall_seconds, started, args.partitions):
        print("RECOVERED after restarting every member", flush=True)
        return 0
    print(f"STALL goes on with fresh members: not every partition owned for another "
          f"{args.stall_seconds:g} s", flush=True)
    for m in members:
        if m.alive():
            m.signal(signal.SIGKILL)
    return 1


def controller(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="group-stall-"))
    rng = random.Random(args.seed)
    broker = EmbeddedBroker(port=free_port(), log_path=workdir / "broker.log",
                            log_level=COORDINATOR_LOG)
    print(f"logs in {workdir}", flush=True)
    with broker:
        topic = "stall.events"
        ensure_topic_at(broker.url, topic, args.partitions)
        if args.leader_leaves:
            code = leader_leaves(args, workdir, broker.url, topic)
            print(f"logs in {workdir}", flush=True)
            return code
        members = [Member(f"m{i}", workdir, args, broker.url, topic)
                   for i in range(args.members)]
        for m in members:
            m.start()
        started = time.monotonic()
        restarts: dict[str, float] = {}
        next_fault = started + 15 + rng.uniform(2, 6)  # let the group form first
        last_fault = started
        unowned_since: float | None = None
        worst_unowned = 0.0
        while True:
            now = time.monotonic()
            elapsed = now - started
            for m in members:
                due = restarts.get(m.name)
                if due is not None and now >= due:
                    del restarts[m.name]
                    m.start()
                    print(f"{elapsed:6.1f} s  restart {m.name}", flush=True)
            if elapsed < args.seconds and now >= next_fault:
                alive = [m for m in members if m.alive() and m.name not in restarts]
                count = 2 if rng.random() < 0.25 else 1
                signum = signal.SIGTERM if rng.random() < 0.2 else signal.SIGKILL
                for m in rng.sample(alive, min(count, len(alive))):
                    m.signal(signum)
                    restarts[m.name] = time.monotonic() + rng.uniform(0, 5)
                    print(f"{elapsed:6.1f} s  {signum.name} {m.name}", flush=True)
                last_fault = now
                next_fault = now + rng.uniform(2, 8)
            owned = {m.name: m.owned() for m in members}
            total = sum(len(parts) for parts in owned.values())
            if total == 0 and elapsed > 15:
                unowned_since = unowned_since or now
                worst_unowned = max(worst_unowned, now - unowned_since)
            else:
                unowned_since = None
            print(f"{elapsed:6.1f} s  owned {owned}", flush=True)
            if elapsed >= args.seconds and not restarts and total == args.partitions:
                print(f"RECOVERED: every partition owned {now - last_fault:.1f} s after "
                      f"the last fault; longest span with nothing owned: "
                      f"{worst_unowned:.1f} s", flush=True)
                code = 0
                break
            if unowned_since is not None and now - unowned_since >= args.stall_seconds:
                print(f"STALL: no live member owned a partition for {args.stall_seconds:g} s "
                      f"(at {elapsed:.1f} s); logs in {workdir}", flush=True)
                code = 1
                break
            if elapsed >= args.seconds + args.stall_seconds + 60:
                print(f"NOT RECOVERED: {total} of {args.partitions} partitions owned "
                      f"{now - last_fault:.1f} s after the last fault", flush=True)
                code = 1
                break
            time.sleep(1.0)
        for m in members:
            if m.alive():
                m.signal(signal.SIGKILL)
    print(f"logs in {workdir}", flush=True)
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--stall-seconds", type=float, default=60.0)
    parser.add_argument("--rebalance-timeout", type=float, default=60.0)
    parser.add_argument("--request-timeout", type=float, default=90.0)
    parser.add_argument("--assign-seconds", type=float, default=0.0)
    parser.add_argument("--revoke-seconds", type=float, default=0.0)
    parser.add_argument("--static", action="store_true")
    parser.add_argument("--leader-leaves", action="store_true",
                        help="the deterministic case: the leader leaves during a rebalance")
    parser.add_argument("--leave-after", type=float, default=0.0)
    parser.add_argument("--repair-after", type=float,
                        help="with --leader-leaves: clear the departed leader "
                        "(streams.kafka.group_repair) after this many seconds")
    parser.add_argument("--member", help=argparse.SUPPRESS)
    parser.add_argument("--broker", help=argparse.SUPPRESS)
    parser.add_argument("--topic", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.member:
        asyncio.run(member(args))
        return
    sys.exit(controller(args))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
