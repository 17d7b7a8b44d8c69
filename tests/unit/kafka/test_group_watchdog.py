"""When a worker's watchdog clears a departed group leader, and when it leaves the
group alone (streams/kafka/group_watchdog.py; the broker side: test_group_repair.py)."""

from __future__ import annotations

import asyncio

from streams.config import KafkaConfig
from streams.kafka.group_watchdog import GroupWatchdog


class Fake:
    def __init__(self, states: list[str]) -> None:
        self.now = 0.0
        self.states = states
        self.asked = 0
        self.repaired = 0

    async def state(self) -> str:
        self.asked += 1
        return self.states[min(self.asked, len(self.states)) - 1]

    async def repair(self) -> str | None:
        self.repaired += 1
        return "faust-departed-leader"

    def watchdog(self) -> GroupWatchdog:
        return GroupWatchdog(KafkaConfig(), "g", stuck_after_seconds=45,
                             clock=lambda: self.now, state=self.state, repair=self.repair)


def run(fake: Fake, watchdog: GroupWatchdog, owned: int, seconds: float) -> list[str]:
    """Checks every 5 s for `seconds`; the leaders cleared."""
    cleared = []
    end = fake.now + seconds
    while fake.now < end:
        result = asyncio.run(watchdog.check(owned))
        if result:
            cleared.append(result)
        fake.now += 5
    return cleared


def test_a_worker_owning_partitions_never_asks() -> None:
    fake = Fake(["Unknown"])
    assert run(fake, fake.watchdog(), owned=2, seconds=600) == []
    assert fake.asked == 0


def test_a_standby_in_a_stable_group_is_left_alone() -> None:
    fake = Fake(["Stable"])
    assert run(fake, fake.watchdog(), owned=0, seconds=600) == []
    assert fake.asked > 0 and fake.repaired == 0


def test_a_group_rebalancing_with_nothing_owned_gets_its_departed_leader_cleared() -> None:
    fake = Fake(["Unknown"])
    watchdog = fake.watchdog()
    assert run(fake, watchdog, owned=0, seconds=45) == []  # not yet: a rebalance takes time
    cleared = run(fake, watchdog, owned=0, seconds=20)
    assert cleared == ["faust-departed-leader"]
    assert run(fake, watchdog, owned=0, seconds=40) == []  # the group gets time to settle
    assert fake.repaired == 1


def test_owning_a_partition_again_starts_the_wait_over() -> None:
    fake = Fake(["Unknown"])
    watchdog = fake.watchdog()
    run(fake, watchdog, owned=0, seconds=50)
    run(fake, watchdog, owned=1, seconds=5)
    assert run(fake, watchdog, owned=0, seconds=45) == []
    assert fake.repaired == 0


def test_a_broker_that_does_not_answer_is_no_reason_to_repair() -> None:
    async def away() -> str:
        raise OSError("unreachable")

    fake = Fake(["Unknown"])
    watchdog = GroupWatchdog(KafkaConfig(), "g", clock=lambda: fake.now, state=away,
                             repair=fake.repair)
    assert run(fake, watchdog, owned=0, seconds=600) == []
    assert fake.repaired == 0
