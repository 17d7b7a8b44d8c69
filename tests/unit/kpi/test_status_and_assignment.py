"""Hand-computed scenarios of contract 1.1 (docs/kpis.md sections 1-3): working status and
requester wait, assignment KPIs, one-touch resolutions."""

from __future__ import annotations

from streams.kpi.conversation import Conversation
from streams.testing import Scenario, report_of
from tests.unit.kpi.test_conversation_kpis import totals

NO_SAMPLES = {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}


def test_requester_wait_leaves_out_two_pending_periods_but_not_on_hold() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("10:05")
    s.status("10:10", "pending")
    s.status("10:20", "pending")  # a second pending continues the period
    s.message("10:30")  # the customer wrote: open again, pending 10:10-10:30 (1200 s)
    s.agent_reply("10:35")
    s.status("10:40", "on_hold")  # on hold 10:40-11:00 still counts
    s.status("11:00", "pending")
    s.status("11:15", "open")  # pending 11:00-11:15 (900 s)
    s.resolve("12:00")
    kpis = totals(s)
    # 7200 s of cycle - (1200 + 900) s pending
    assert kpis["requester_wait_seconds"] == {
        "count": 1, "mean": 5100.0, "p50": 5100.0, "p90": 5100.0, "max": 5100.0
    }
    assert kpis["resolution_seconds"]["mean"] == 7200.0
    assert kpis["reply_wait_seconds"]["count"] == 2  # statuses change no wait


def test_a_pending_period_still_running_ends_at_the_resolution() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("10:10")
    s.status("10:15", "pending")
    s.resolve("11:15")  # pending 10:15-11:15 (3600 s) of a 4500 s cycle
    assert totals(s)["requester_wait_seconds"]["max"] == 900.0


def test_status_changes_without_an_open_cycle_are_ignored() -> None:
    s = Scenario()
    s.status("09:00", "pending", "c-never")  # never seen
    s.message("10:00")
    s.status("10:05", "pending")
    s.resolve("10:30")
    s.status("10:40", "on_hold")  # resolved: no open cycle
    s.message("11:00")  # a reopen starts `open`: no pending time carried
    s.resolve("11:20")
    report = report_of(s.events)
    assert report["events"]["ignored"] == 2
    waits = report["totals"]["requester_wait_seconds"]
    assert (waits["count"], waits["p50"], waits["max"]) == (2, 300.0, 1200.0)


def test_a_status_stamped_before_the_previous_change_counts_at_that_change() -> None:
    s = Scenario()
    s.message("10:00")
    s.status("10:20", "pending")
    s.status("10:10", "open")  # before the previous change: counts at 10:20
    s.status("09:50", "pending")  # before the cycle start and the change: at 10:20
    s.status("10:40", "open")  # pending 10:20-10:40 (1200 s)
    s.resolve("11:00")
    report = report_of(s.events)
    assert report["totals"]["requester_wait_seconds"]["max"] == 2400.0  # 3600 - 1200
    assert report["events"]["out_of_order"] == 0


def test_a_negative_requester_wait_counts_as_zero_and_out_of_order() -> None:
    s = Scenario()
    s.message("10:00")
    s.status("10:30", "pending")
    s.resolve("10:20")  # before the pending period: it counts 0, the wait 1200 s
    s.message("11:00")
    s.status("11:10", "pending")
    s.message("11:40")  # pending 11:10-11:40 (1800 s)
    s.status("11:45", "pending")
    s.resolve("11:25")  # pending 1800 s + max(0, 11:25 - 11:45) of a 1500 s cycle: -300 s
    report = report_of(s.events)
    waits = report["totals"]["requester_wait_seconds"]
    assert (waits["count"], waits["p50"], waits["max"]) == (2, 0.0, 1200.0)
    assert report["events"]["out_of_order"] == 1


def test_a_reassignment_to_the_same_agent_is_not_counted_to_another_it_is() -> None:
    s = Scenario()
    s.message("10:00")
    s.assign("10:02", "a-1")  # the first assignment of the cycle: 120 s to assignment
    s.assign("10:05", "a-1")  # the same agent: no reassignment
    s.assign("10:10", "a-2")  # another agent: one reassignment
    s.resolve("10:30")
    s.assign("10:40", "a-9")  # no open cycle: the next cycle's assignee, counts nothing
    s.message("11:00")  # the reopened cycle keeps a-9: no time-to-assignment sample
    s.assign("11:05", "a-9")  # the same agent
    s.assign("11:06", "a-3")  # another: counted
    kpis = totals(s)
    assert kpis["time_to_assignment_seconds"] == {
        "count": 1, "mean": 120.0, "p50": 120.0, "p90": 120.0, "max": 120.0
    }
    assert kpis["reassignments"] == 2


def test_an_assignment_before_the_first_message_is_kept_for_the_first_cycle() -> None:
    s = Scenario()
    s.assign("09:00", "a-1", "c-2")  # counts nothing, ignored neither
    s.reopen("09:10", "c-2")  # the conversation has had no cycle: ignored
    s.message("09:30", "c-2")  # opens the first cycle (not a reopen), assigned to a-1
    s.assign("09:40", "a-2", "c-2")  # a reassignment, no time to assignment
    s.message("10:00", "c-3")
    s.assign("09:58", "a-1", "c-3")  # stamped before the cycle start: 0 s, out of order
    report = report_of(s.events)
    kpis = report["totals"]
    assert (kpis["conversations_opened"], kpis["conversations_reopened"]) == (2, 0)
    assert kpis["reassignments"] == 1
    assert kpis["time_to_assignment_seconds"]["count"] == 1
    assert kpis["time_to_assignment_seconds"]["max"] == 0.0
    assert (report["events"]["ignored"], report["events"]["out_of_order"]) == (1, 1)


def test_one_touch_resolutions_count_cycles_with_exactly_one_agent_reply() -> None:
    s = Scenario()
    s.message("10:00", "one")
    s.bot_reply("10:01", "one")  # bots do not touch
    s.agent_reply("10:05", "one")
    s.resolve("10:10", "one")  # one touch
    s.message("10:00", "two")
    s.agent_reply("10:05", "two")
    s.message("10:06", "two")
    s.agent_reply("10:08", "two")
    s.resolve("10:10", "two")  # two touches
    s.message("10:00", "none")
    s.bot_reply("10:01", "none")
    s.resolve("10:02", "none", by="bot")  # no agent reply
    s.agent_reply("10:20", "none")  # after the resolution: not in a cycle
    s.reopen("10:30", "none")
    s.agent_reply("10:35", "none")
    s.resolve("10:40", "none")  # the reopened cycle had one: one touch
    kpis = totals(s)
    assert kpis["conversations_resolved"] == 4
    assert kpis["one_touch_resolutions"] == 2
    assert kpis["one_touch_rate"] == 0.5


def test_version_1_traffic_gives_empty_1_1_figures() -> None:
    s = Scenario()
    s.message("10:00")
    kpis = totals(s)
    assert kpis["requester_wait_seconds"] == kpis["time_to_assignment_seconds"] == NO_SAMPLES
    assert (kpis["reassignments"], kpis["one_touch_resolutions"]) == (0, 0)
    assert kpis["one_touch_rate"] is None


def test_unanswered_messages_kept_oldest_first_in_fields_then_a_list() -> None:
    conv = Conversation()
    assert conv.unanswered == []
    conv.add_unanswered("x", "acme", 10)
    assert (conv.unanswered, conv.more_unanswered) == ([("x", "acme", 10)], None)
    conv.add_unanswered("facebook", "acme", 20)
    conv.add_unanswered("x", "globex", 30)
    assert conv.unanswered == [("x", "acme", 10), ("facebook", "acme", 20), ("x", "globex", 30)]
    conv.unanswered = [("x", "initech", 5)]  # as a checkpoint restores them
    assert (conv.unanswered, conv.more_unanswered) == ([("x", "initech", 5)], None)
    conv.unanswered = []
    assert conv.unanswered == []
