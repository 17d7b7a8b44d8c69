"""`--format table` for people: human units and percentages, a reason instead of a
missing value, and the ten busiest agents (the JSON keeps them all); units.py's rules."""

from __future__ import annotations

from streams.audit.render import render_table
from streams.audit.units import counted, duration, money, percent
from streams.testing import Scenario, report_of


def test_durations_rates_and_nulls_in_words() -> None:
    s = Scenario()
    s.message("10:00", conversation="c-1")
    s.agent_reply("10:05", conversation="c-1")
    s.message("10:00", conversation="c-2", channel="x")
    s.agent_reply("11:23:20", conversation="c-2", channel="x")
    s.message("10:30", conversation="c-3", channel="linkedin")  # never answered
    s.resolve("10:30", conversation="c-1")
    lines = render_table(report_of(s.events)).splitlines()
    totals = lines[lines.index("Totals") + 1:lines.index("Channel facebook")]
    assert "  response rate           67 %" in totals
    assert "  resolution rate         33 %" in totals
    assert ("  first response          median 5 min, 90 % within 1 h 23 min, mean 44 min 10 s, "
            "longest 1 h 23 min (2)") in totals
    assert "  CSAT                    no answers yet" in totals
    assert "  net sentiment           no rated messages" in totals
    linkedin = lines[lines.index("Channel linkedin") + 1:lines.index("Channel x")]
    assert "  first response          no responses yet" in linkedin
    assert "  resolution time         no resolutions yet" in linkedin
    assert "  response rate           0 %" in linkedin
    assert "  ROI                 no social cost configured" in lines


def test_the_table_shows_the_ten_busiest_agents_and_the_json_all() -> None:
    s = Scenario()
    for number in range(12):
        conversation = f"c-{number}"
        s.message(f"10:{number:02d}", conversation)
        for reply in range(number + 1):  # a-11 is the busiest, a-00 the quietest
            s.agent_reply(f"10:{number:02d}:{reply + 10}", conversation, agent=f"a-{number:02d}")
    report = report_of(s.events)
    lines = render_table(report).splitlines()
    start = lines.index("Agents: the 10 busiest of 12 by replies (--format json lists all)")
    shown = [line.split()[0] for line in lines[start + 1:start + 11]]
    assert shown == [f"a-{n:02d}" for n in range(11, 1, -1)]
    assert lines[start + 1] == ("  a-11  12 replies, 1 conversation, 0 resolved, first "
                                "response mean 10 s")
    assert lines[start + 11] == ""
    assert len(report["agents"]) == 12


def test_units() -> None:
    assert [duration(s) for s in (0, 4.25, 59, 60, 725, 3600, 5000, 86400, 97200)] == [
        "0 s", "4.2 s", "59 s", "1 min", "12 min 5 s", "1 h", "1 h 23 min", "1 d", "1 d 3 h"]
    assert duration(None, "no responses yet") == "no responses yet"
    assert [percent(f) for f in (0, 0.025, 0.94, 0.996, 1, 13.31)] == [
        "0 %", "2.5 %", "94 %", "99.6 %", "100 %", "1,331 %"]
    assert [counted(n, noun) for n, noun in ((1, "reply"), (2, "reply"), (1_204, "answer"))] == [
        "1 reply", "2 replies", "1,204 answers"]
    assert money(1234.5, "EUR") == "1,234 EUR" and money(17.777, "EUR") == "17.78 EUR"


def test_contract_1_1_keys_get_their_rows_and_teams_their_sections() -> None:
    s = Scenario()
    s.message("10:00")
    s.agent_reply("10:05")
    report = report_of(s.events)
    stats = {"count": 1, "mean": 300.0, "p50": 300.0, "p90": 300.0, "max": 300.0}
    none = {"count": 0, "mean": None, "p50": None, "p90": None, "max": None}
    report["totals"].update(requester_wait_seconds=none, time_to_assignment_seconds=stats,
                            one_touch_resolutions=0, one_touch_rate=None, reassignments=2)
    report["by_team"] = {"tier1": {
        "replies": 1, "first_response_seconds": stats, "conversations_resolved": 0,
        "requester_wait_seconds": none, "one_touch_resolutions": 0,
        "sla": {"first_response": {"met": 1, "breached": 0, "compliance": 1.0}}}}
    lines = render_table(report).splitlines()
    totals = lines[lines.index("Totals") + 1:lines.index("Channel facebook")]
    assert "  requester wait          no resolutions yet" in totals
    assert ("  time to assignment      median 5 min, 90 % within 5 min, mean 5 min, longest "
            "5 min (1)") in totals
    assert "  one-touch resolutions   0 (none resolved)" in totals
    assert "  reassignments           2" in totals
    team = lines.index("Team tier1")
    assert lines[team + 1:team + 7] == [
        "  agent replies           1",
        "  first response          median 5 min, 90 % within 5 min, mean 5 min, longest 5 min "
        "(1)",
        "  conversations resolved  0",
        "  requester wait          no resolutions yet",
        "  SLA first response      100 % met (1 met, 0 breached)",
        "",
    ]
