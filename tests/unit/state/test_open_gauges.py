"""Open and waiting conversations counted as the engine changes them
(streams/state/open_gauges.py), against hand-computed values and against a count of
every conversation, also across a restore; no broker."""

from __future__ import annotations

from collections import Counter

from streams.kpi.conversation import Conversation
from streams.kpi.timeutil import parse_iso_us
from streams.state.open_gauges import SPARE_ENTRIES, OpenGauges
from streams.state.partition import PartitionState
from streams.testing import Scenario
from streams.testing.simulate import generate_lines
from tests.unit.state.test_partition_state import CONFIG, crash_and_restore

FACEBOOK, X = ("default", "facebook"), ("default", "x")


def counted(state: PartitionState) -> tuple[Counter[tuple[str, str]], ...]:
    """Open, waiting and oldest waiting-since per series, by walking every conversation."""
    open_, waiting, oldest = Counter(), Counter(), Counter()
    for conv in state.engine.conversations.values():
        series = (conv.cycle_brand, conv.cycle_channel)
        open_[series] += conv.cycle_open
        since_us = conv.waiting_since_us
        if since_us is not None:
            waiting[series] += 1
            oldest[series] = min(oldest.get(series, since_us), since_us)
    return open_, waiting, oldest


def kept(state: PartitionState) -> tuple[Counter[tuple[str, str]], ...]:
    gauges = state.gauges
    return gauges.open, gauges.waiting, Counter(gauges.oldest_since_us())


def nonzero(counts: Counter[tuple[str, str]]) -> dict[tuple[str, str], int]:
    return {series: count for series, count in counts.items() if count}


def test_a_hand_computed_day_of_messages_replies_handoffs_and_resolutions() -> None:
    s = Scenario()
    steps = [
        lambda: (s.message("10:00", "c-1"), s.message("10:01", "c-2", channel="x"),
                 s.message("10:02", "c-3")),
        lambda: s.agent_reply("10:05", "c-1"),  # c-1 answered: c-3 is the oldest
        lambda: s.handoff("10:06", "c-3"),  # c-3 waits again, since the handoff
        lambda: s.resolve("10:07", "c-2", channel="x"),
        lambda: (s.message("10:08", "c-1"), s.message("10:09", "c-1")),  # one wait
    ]
    expected = [
        ({FACEBOOK: 2, X: 1}, {FACEBOOK: 2, X: 1}, {FACEBOOK: "10:00", X: "10:01"}),
        ({FACEBOOK: 2, X: 1}, {FACEBOOK: 1, X: 1}, {FACEBOOK: "10:02", X: "10:01"}),
        ({FACEBOOK: 2, X: 1}, {FACEBOOK: 1, X: 1}, {FACEBOOK: "10:06", X: "10:01"}),
        ({FACEBOOK: 2}, {FACEBOOK: 1}, {FACEBOOK: "10:06"}),
        ({FACEBOOK: 2}, {FACEBOOK: 2}, {FACEBOOK: "10:06"}),
    ]
    state = PartitionState(0, CONFIG)
    for step, (open_, waiting, oldest) in zip(steps, expected, strict=True):
        step()
        for line in s.lines()[state.next_offset:]:
            state.apply(state.next_offset, line)
        gauges = state.gauges
        assert nonzero(gauges.open) == open_
        assert nonzero(gauges.waiting) == waiting
        assert gauges.oldest_since_us() == {
            series: parse_iso_us(s.at(time)) for series, time in oldest.items()
        }
    assert state.gauges.open[X] == 0  # a series seen once stays, at 0


def test_every_thousand_events_of_a_simulated_day_the_counts_equal_a_full_walk() -> None:
    lines = list(generate_lines(20_000, seed=5, bad_fraction=0.01))
    state = PartitionState(0, CONFIG)
    for offset, line in enumerate(lines):
        state.apply(offset, line)
        if offset % 1000 == 999:
            walked, tracked = counted(state), kept(state)
            assert [nonzero(c) for c in tracked] == [nonzero(c) for c in walked]
    open_, waiting, _ = counted(state)
    assert sum(open_.values()) > 100 and sum(waiting.values()) > 10  # not a trivial end


def test_a_restored_partition_counts_what_one_that_never_stopped_counts() -> None:
    lines = list(generate_lines(6_000, seed=11, bad_fraction=0.02))
    steady, restored, _ = crash_and_restore(CONFIG, lines, 2_500, 700)
    assert [nonzero(c) for c in kept(restored)] == [nonzero(c) for c in kept(steady)]
    assert [nonzero(c) for c in kept(restored)] == [nonzero(c) for c in counted(steady)]


def test_stale_entries_of_a_customer_who_waits_forever_are_compacted() -> None:
    """One customer never answered holds the top of the heap; 1,000 others wait and are
    answered behind it, with no scrape. Their entries are stale and must not pile up."""
    conversations: dict[str, Conversation] = {}
    gauges, series = OpenGauges(conversations), FACEBOOK
    forever = _waiting_conversation(series, since_us=0)
    conversations["c-0"] = forever
    gauges.wait_started(series, "c-0", 0)
    for n in range(1, 1001):
        conversations[f"c-{n}"] = _waiting_conversation(series, since_us=n)
        gauges.wait_started(series, f"c-{n}", n)
        conversations[f"c-{n}"].waiting_since_us = None  # answered
        gauges.wait_ended(series)
        assert len(gauges._since[series]) <= 2 * 2 + SPARE_ENTRIES  # 2 wait at once at most
    assert gauges.waiting[series] == 1
    assert gauges.oldest_since_us() == {series: 0}


def _waiting_conversation(series: tuple[str, str], since_us: int | None) -> Conversation:
    conv = Conversation()
    conv.cycle_brand, conv.cycle_channel = series
    conv.cycle_open = True
    conv.waiting_since_us = since_us
    return conv


def test_open_cycles_by_status_follow_changes_messages_and_resolutions() -> None:
    """Contract 1.1: the open cycles by working status, as the live status gauge reads
    them, kept as they change and recounted after a restore."""
    s = Scenario()
    s.message("10:00", "c-1")
    s.message("10:00", "c-2")
    s.message("10:00", "c-3")
    s.message("10:00", "c-4")
    s.status("10:05", "pending", "c-1")
    s.status("10:05", "on_hold", "c-2")
    s.status("10:06", "pending", "c-3")
    s.message("10:07", "c-3")  # the customer wrote: back to open
    s.status("10:08", "pending", "c-3")
    s.resolve("10:09", "c-3")  # resolved while pending
    s.status("10:10", "pending", "c-4")
    s.status("10:11", "open", "c-4")
    state = PartitionState(0, CONFIG)
    for offset, line in enumerate(s.lines()):
        state.apply(offset, line)
    expected = {(*FACEBOOK, "open"): 1, (*FACEBOOK, "pending"): 1, (*FACEBOOK, "on_hold"): 1}
    assert nonzero(state.gauges.by_status) == expected
    assert state.gauges.open[FACEBOOK] == 3
    state.gauges.recount()
    assert nonzero(state.gauges.by_status) == expected
