"""`carepulse replay --format html` on the hand-computed story of html_story.py: the tiles
with their changes against the previous period, the hourly chart in the asked time
zone, the digest of the JSON report, escaped hostile labels, a self-contained page; and
the one-line errors of its options."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from streams.audit.html import sections
from streams.audit.html.tiles import tiles
from streams.cli.main import main
from tests.unit.audit.html_story import HOSTILE_AGENT, HOSTILE_TOPIC, RANGE, write_story

TILE = re.compile(
    r'<div class="tile"><div class="label">(.*?)</div><div class="value">(.*?)</div>'
    r'<div class="note">(.*?)</div>(?:<div class="change (\w*)">(.*?)</div>)?</div>'
)


def replay(directory: Path, *options: str) -> str:
    events, config = write_story(directory)
    out = directory / "report.out"
    assert main(["replay", "--input", str(events), "--config", str(config), "--from",
                 RANGE[0], "--to", RANGE[1], "--out", str(out), *options]) == 0
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return replay(tmp_path_factory.mktemp("html"), "--format", "html", "--tz", "Europe/Paris")


def test_the_tiles_and_their_changes_against_the_previous_two_hours(page: str) -> None:
    tiles = [tuple(unescape(part) for part in tile) for tile in TILE.findall(page)]
    assert tiles == [
        ("Customers served", "3", "conversations opened (0 reopened)", "better",
         "+1 (50 %) vs 2"),
        ("First response, median", "10 min", "3 first responses", "better",
         "\u221210 min vs 20 min"),
        ("First response, 90 % within", "1 h 23 min", "longest 1 h 23 min", "worse",
         "+1 h 3 min vs 20 min"),
        ("Response rate", "100 %", "3 of 3 messages answered", "better", "+50.0 pts vs 50 %"),
        ("Resolution rate", "33 %", "1 resolved", "worse", "\u221216.7 pts vs 50 %"),
        # c-1 10:00-10:30 and, before, p-1 08:00-09:00, never pending; one reply each
        ("Requester wait, median", "30 min", "1 resolution", "better", "\u221230 min vs 1 h"),
        ("One-touch resolutions", "100 %", "1 resolved with one reply", "same",
         "\u00b10.0 pts vs 100 %"),
        ("SLA first response", "67 %", "2 met, 1 breached", "better", "+66.7 pts vs 0 %"),
        ("SLA resolution", "50 %", "1 met, 1 breached", "same", "\u00b10.0 pts vs 50 %"),
        ("CSAT", "100 %", "satisfied, of 1 answer", "", "previous: no answers yet"),
        ("NPS", "100", "of 1 answer", "", "previous: no answers yet"),
        ("Savings", "10.00 EUR", "1 resolved on social, cost 10.00 EUR", "same",
         "\u00b10.00 EUR vs 10.00 EUR"),
        ("ROI", "100 %", "savings per unit of social cost", "same", "\u00b10.0 pts vs 100 %"),
    ]
    assert ("Changes: against 2026-11-20T08:00:00Z to 2026-11-20T10:00:00Z</p>") in page


def test_range_time_zone_charts_and_digest(page: str, tmp_path: Path) -> None:
    assert ("<p>Fri 20 Nov 2026 11:00 to Fri 20 Nov 2026 13:00 (time zone Europe/Paris, "
            "UTC+0100; end excluded)</p>") in page
    hours = re.findall(r"<title>(\d\d): (\d+)</title>", page)
    assert [(hour, int(n)) for hour, n in hours if n != "0"] == [("11", 2), ("12", 1)]
    assert len(hours) == 24
    assert "<title>Fri 20 Nov: 3</title>" in page
    assert "<title>5-15 min: 2</title>" in page and "<title>1-4 h: 1</title>" in page
    assert "<title>default · first response: 2</title>" in page  # met, then breached
    assert "<title>default · first response: 1</title>" in page
    report = json.loads(replay(tmp_path, "--format", "json"))
    assert f"digest {report['digest']}<br>" in page
    assert report["digest"].startswith("sha256:")


def test_hostile_labels_are_text_and_the_page_fetches_nothing(page: str) -> None:
    assert "<script" not in page and "<b " not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b onmouseover=&quot;x()&quot;&gt;evil&lt;/b&gt;" in page
    assert unescape("&lt;script&gt;alert(1)&lt;/script&gt;") == HOSTILE_TOPIC
    assert HOSTILE_AGENT not in page
    assert "default-src 'none'; style-src 'unsafe-inline'" in page
    assert not re.search(r"(src|href)=|url\(|@import|https?:", page)


def test_without_a_fixed_range_the_page_says_there_is_no_previous_period(
    tmp_path: Path
) -> None:
    events, _ = write_story(tmp_path)
    out = tmp_path / "r.html"
    assert main(["replay", "--input", str(events), "--format", "html", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert ("Changes: no previous period in the input: the range has no fixed start and "
            "end (give --from and --to, or --compare-from and --compare-to)") in page
    assert '<div class="change' not in page
    assert "(time zone UTC, UTC+0000; end excluded)" in page


def test_a_chosen_comparison_period_without_events_is_said(tmp_path: Path) -> None:
    page = replay(tmp_path, "--format", "html", "--compare-from", "2026-11-19T10:00:00Z",
                  "--compare-to", "2026-11-19T12:00:00Z")
    assert ("Changes: no previous period in the input (no event from 2026-11-19T10:00:00Z "
            "to 2026-11-19T12:00:00Z)") in page
    assert '<div class="change' not in page


def test_an_unknown_time_zone_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events, _ = write_story(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main(["replay", "--input", str(events), "--format", "html", "--tz", "Mars/Olympus"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        "argument --tz: unknown time zone 'Mars/Olympus': give an IANA name such as UTC or "
        "Europe/Paris")


@pytest.mark.parametrize(("options", "error"), [
    (["--tz", "Europe/Paris"], "--tz, --compare-from and --compare-to apply to --format html only"),
    (["--format", "html", "--compare-from", "2026-11-19T10:00:00Z"],
     "--compare-from and --compare-to go together: give both"),
    (["--format", "html", "--compare-from", "2026-11-19T10:00:00Z", "--compare-to",
      "2026-11-19T10:00:00Z"], "--compare-to must be after --compare-from"),
])
def test_option_mistakes_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], error: str
) -> None:
    events, _ = write_story(tmp_path)
    assert main(["replay", "--input", str(events), *options]) == 2
    assert capsys.readouterr().err == f"carepulse replay: error: {error}\n"


def test_without_configuration_or_events_the_page_says_what_is_missing(tmp_path: Path) -> None:
    events, _ = write_story(tmp_path)
    out = tmp_path / "r.html"
    assert main(["replay", "--input", str(events), "--format", "html", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert '<div class="label">ROI</div><div class="value">no social cost configured' in page
    assert "<p>No SLA policy is configured.</p>" in page
    assert "SLA first response" not in page
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert main(["replay", "--input", str(empty), "--allow-empty", "--format", "html",
                 "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert [(label, value) for label, value, *_ in TILE.findall(page)][:3] == [
        ("Customers served", "0"), ("First response, median", "no responses yet"),
        ("First response, 90 % within", "no responses yet")]
    assert "<p>No first responses yet.</p>" in page
    assert "<p>No agent replied in the range.</p>" in page


def test_a_report_with_teams_gets_a_teams_table_by_volume_with_escaped_names() -> None:
    stats = {"count": 2, "mean": 90.0, "p50": 60.0, "p90": 120.0, "max": 120.0}
    report = {"by_team": {
        "none": {"replies": 1, "first_response_seconds": stats, "conversations_resolved": 0,
                 "requester_wait_seconds": stats, "one_touch_resolutions": 0, "sla": {}},
        "<i>care</i>": {"replies": 9, "first_response_seconds": stats,
                        "conversations_resolved": 4, "requester_wait_seconds": stats,
                        "one_touch_resolutions": 1,
                        "sla": {"first_response": {"met": 3, "breached": 1,
                                                   "compliance": 0.75}}},
    }, "sla": {"default": {"first_response": {}, "resolution": {}}}}
    rows = re.findall(r"<tr>(.*?)</tr>", sections.teams(report))
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows[1:]]
    assert cells == [
        ["&lt;i&gt;care&lt;/i&gt;", "9", "1 min", "4", "1 min", "75 %", "no outcome"],
        ["none", "1", "1 min", "0", "1 min", "no outcome", "no outcome"],
    ]
    assert sections.teams({"agents": {}}) == ""
    no_policy = sections.teams({**report, "sla": {}})
    assert "SLA" not in no_policy and "<td class=num>9</td>" in no_policy
    assert "<p>No event named a team.</p>" in sections.teams(
        {"by_team": {"none": report["by_team"]["none"]}, "sla": {}})


def test_contract_1_1_totals_add_the_requester_wait_and_one_touch_tiles(tmp_path: Path) -> None:
    report = json.loads(replay(tmp_path, "--format", "json"))
    previous = json.loads(json.dumps(report))
    for body, (wait_s, one_touch) in ((report, (4980.0, 0.5)), (previous, (5040.0, None))):
        body["totals"].update(
            requester_wait_seconds={"count": 2, "mean": wait_s, "p50": wait_s,
                                    "p90": wait_s, "max": wait_s},
            one_touch_resolutions=1, one_touch_rate=one_touch)
    shown = {tile.label: tile for tile in tiles(report, previous)}
    wait = shown["Requester wait, median"]
    assert (wait.value, wait.note, wait.change, wait.trend) == (
        "1 h 23 min", "2 resolutions", "\u22121 min vs 1 h 24 min", "better")
    one_touch = shown["One-touch resolutions"]
    assert (one_touch.value, one_touch.change, one_touch.trend) == (
        "50 %", "previous: none resolved", "")
    assert "Requester wait, median" not in {
        tile.label for tile in tiles(previous | {"totals": {
            k: v for k, v in previous["totals"].items() if k != "requester_wait_seconds"}},
            None)}


def test_a_change_that_rounds_to_nothing_is_shown_as_none_and_the_same(tmp_path: Path) -> None:
    report = json.loads(replay(tmp_path, "--format", "json"))
    previous = json.loads(json.dumps(report))
    report["totals"]["response_rate"], previous["totals"]["response_rate"] = 0.9234, 0.9236
    report["totals"]["nps"]["score"], previous["totals"]["nps"]["score"] = 20.4, 20.1
    shown = {tile.label: tile for tile in tiles(report, previous)}
    assert (shown["Response rate"].change, shown["Response rate"].trend) == (
        "\u00b10.0 pts vs 92 %", "same")
    assert (shown["NPS"].change, shown["NPS"].trend) == ("\u00b10 vs 20", "same")
    previous["totals"]["response_rate"] = 0.9224  # 0.1 point shown: a change
    assert tiles(report, previous)[3].change == "+0.1 pts vs 92 %"
