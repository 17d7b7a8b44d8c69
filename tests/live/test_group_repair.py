"""The embedded broker keeps a leader that left during a rebalance, and
streams.kafka.group_repair clears it (issue 13's stall), in raw group requests: no
consumer, no timing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.client import AIOKafkaClient, ConnectionGroup, CoordinationType
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.protocol.group import JoinGroupRequest, LeaveGroupRequest, SyncGroupRequest

from streams.kafka.broker import EmbeddedBroker
from streams.kafka.group_repair import clear_departed_leader

MEMBER_ID_REQUIRED, REBALANCE_IN_PROGRESS = 79, 27
PROTOCOL = "roundrobin"


class Member:
    """One group member speaking JoinGroup, SyncGroup and LeaveGroup itself."""

    def __init__(self, url: str, group: str) -> None:
        self.group = group
        self.client = AIOKafkaClient(bootstrap_servers=url, request_timeout_ms=40_000)
        self.member_id = ""
        self.node: Any = None

    async def send(self, request: Any) -> Any:
        if self.node is None:
            await self.client.bootstrap()
            self.node = await self.client.coordinator_lookup(CoordinationType.GROUP, self.group)
        return await self.client.send(self.node, request, group=ConnectionGroup.COORDINATION)

    async def join(self) -> Any:
        while True:
            response = await self.send(JoinGroupRequest(
                self.group, 10_000, 60_000, self.member_id, None,  # type: ignore[arg-type]
                "consumer", [(PROTOCOL, b"")]))
            self.member_id = response.member_id
            if response.error_code != MEMBER_ID_REQUIRED:
                return response

    async def sync(self, generation: int, members: list[str]) -> int:
        empty = ConsumerProtocolMemberAssignment(0, [], b"").encode()
        response = await self.send(SyncGroupRequest(
            self.group, generation, self.member_id, None,  # type: ignore[arg-type]
            [(member, empty) for member in members]))
        return int(response.error_code)

    async def leave(self) -> None:
        await self.send(LeaveGroupRequest(self.group, self.member_id))
        await self.client.close()


async def dangling_then_repaired(url: str) -> tuple[str, int, str | None, str, int]:
    group = "repair-probe"
    first, second = Member(url, group), Member(url, group)
    joined = await first.join()
    assert joined.leader_id == first.member_id
    assert await first.sync(joined.generation_id, [first.member_id]) == 0
    # a second member's first JoinGroup starts a rebalance; the leader leaves in it
    first_join = await second.send(JoinGroupRequest(
        group, 10_000, 60_000, "", None, "consumer", [(PROTOCOL, b"")]))  # type: ignore[arg-type]
    assert first_join.error_code == MEMBER_ID_REQUIRED
    second.member_id = first_join.member_id
    await first.leave()
    stuck = await second.join()
    stuck_sync = await second.sync(stuck.generation_id, [])
    cleared = await clear_departed_leader(url, group, PROTOCOL)
    again = await second.join()
    synced = await second.sync(again.generation_id, [second.member_id])
    await second.leave()
    return stuck.leader_id, stuck_sync, cleared, again.leader_id, synced


@pytest.mark.broker
def test_a_leader_that_leaves_during_a_rebalance_stays_leader_until_cleared(
    embedded_broker: EmbeddedBroker,
) -> None:
    stuck_leader, stuck_sync, cleared, new_leader, synced = asyncio.run(
        dangling_then_repaired(embedded_broker.url))
    # the broker still names the departed member as leader: no one can ever sync
    assert stuck_sync == REBALANCE_IN_PROGRESS
    assert cleared == stuck_leader
    assert new_leader != stuck_leader  # the next member to join is elected
    assert synced == 0
