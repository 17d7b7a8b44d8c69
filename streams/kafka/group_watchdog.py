"""A worker's guard against the embedded broker's stuck group (group_repair.py).

Why: when the group's leader leaves during a rebalance, the embedded broker never
elects another leader; the workers rejoin every ~13 s, own nothing and count nothing,
and no restart helps. The worker calls `GroupWatchdog.check` every few seconds with how many
input partitions it owns. While it owns some, nothing happens. Once it has owned none
for `stuck_after_seconds`, it asks the broker (DescribeGroups) whether the group is
stable: a stable group is a standby worker's normal state (more workers than
partitions) and is left alone. A group that has not been stable for that long gets
`clear_departed_leader`, which acts only when the leader the broker names is not a
member. Apache Kafka never keeps such a leader, so there the repair finds nothing to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiokafka.client import AIOKafkaClient, ConnectionGroup, CoordinationType
from aiokafka.protocol.admin import DescribeGroupsRequest

from streams.config import KafkaConfig
from streams.kafka.group_repair import clear_departed_leader
from streams.kafka.settings import client_security

__all__ = ["GroupWatchdog"]

log = logging.getLogger("carepulse.group")
STUCK_AFTER_SECONDS = 20.0  # > session timeout (4 s) + a held JoinGroup (~2 s), 3 times
STABLE = "Stable"
WORKER_PROTOCOL = "roundrobin"
"""The worker's group protocol: Faust's assignor is aiokafka's round robin for an app
without changelog tables, as the worker (a repair's JoinGroup with another protocol is
refused: INCONSISTENT_GROUP_PROTOCOL)."""


async def group_state(kafka: KafkaConfig, group_id: str) -> str:
    """The group's state as DescribeGroups tells it ("Stable", or another word while
    it rebalances: "Unknown" on the embedded broker)."""
    client = AIOKafkaClient(bootstrap_servers=kafka.bootstrap_servers,
                            client_id="carepulse-group-watchdog", **client_security(kafka))
    await client.bootstrap()
    try:
        node = await client.coordinator_lookup(CoordinationType.GROUP, group_id)
        response = await client.send(node, DescribeGroupsRequest([group_id]),
                                     group=ConnectionGroup.COORDINATION)
        return str(response.groups[0][2])
    finally:
        await client.close()


class GroupWatchdog:
    def __init__(
        self, kafka: KafkaConfig, group_id: str, protocol_name: str = WORKER_PROTOCOL,
        stuck_after_seconds: float = STUCK_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        state: Callable[[], Awaitable[str]] | None = None,
        repair: Callable[[], Awaitable[str | None]] | None = None,
    ) -> None:
        """`state` and `repair` default to DescribeGroups and clear_departed_leader on
        the configured broker (tests give their own)."""
        self.stuck_after_seconds = stuck_after_seconds
        self._clock = clock
        self._state = state or (lambda: group_state(kafka, group_id))
        self._repair = repair or (lambda: clear_departed_leader(
            kafka.bootstrap_servers, group_id, protocol_name,
            security=client_security(kafka)))
        self._unowned_since: float | None = None
        self._unstable_since: float | None = None
        self.repairs = 0

    async def check(self, owned_partitions: int) -> str | None:
        """Call every few seconds; the departed leader's member id when one was
        cleared, else None."""
        now = self._clock()
        if owned_partitions:
            self._unowned_since = self._unstable_since = None
            return None
        if self._unowned_since is None:
            self._unowned_since = now
        if now - self._unowned_since < self.stuck_after_seconds:
            return None
        try:
            state = await self._state()
        except Exception as error:  # the broker is away: its own faults say so
            log.debug("group state unknown: %r", error)
            return None
        if state == STABLE:
            self._unstable_since = None
            return None
        if self._unstable_since is None:
            self._unstable_since = now
            return None
        if now - self._unstable_since < self.stuck_after_seconds / 3:
            return None
        self._unstable_since = None
        self._unowned_since = now  # give the group time to settle after a repair
        try:
            cleared = await self._repair()
        except Exception as error:
            log.warning("group rebalancing for %.0f s with no partition owned; clearing a "
                        "departed leader failed: %r", self.stuck_after_seconds, error)
            return None
        if cleared is not None:
            self.repairs += 1
            log.warning("group rebalancing for %.0f s with no partition owned: cleared the "
                        "departed leader %s (the embedded broker keeps a leader that left "
                        "during a rebalance)", self.stuck_after_seconds, cleared)
        return cleared
