"""The per-conversation ledger (`carepulse replay --ledger`) adds up to the report: on
simulated files of several seeds, with the example configuration's SLA policies, over the
whole file and over a range, the rows whose instants lie in the range give the report's
cycle counts, its first-response and resolution samples (count, exact sum, percentiles)
and every SLA outcome. And its bytes are the same on every run."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from streams.audit.ledger import COLUMNS, Ledger, ledger_bytes
from streams.audit.replay import replay_file
from streams.audit.report import AuditRun
from streams.cli.main import main
from streams.config import load_config
from streams.kpi.stats import canonical, duration_stats
from streams.kpi.timeutil import US_PER_SECOND, parse_iso_us
from streams.testing import Scenario
from streams.testing.simulate import write_file
from tests.unit.audit.html_story import RANGE, write_story

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_CONFIG = ROOT / "examples" / "carepulse.toml"
SEEDS = (3, 7, 29)
EVENTS = 30_000
SIMULATED_RANGE = ("2026-11-02T03:00:00Z", "2026-11-02T05:30:00Z")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    directory = tmp_path_factory.mktemp("ledger")
    paths = {}
    for seed in SEEDS:
        paths[seed] = directory / f"seed-{seed}.jsonl"
        write_file(paths[seed], EVENTS, seed, 0.01)
    return paths


def ledger_and_report(
    path: Path, bounded: bool
) -> tuple[list[dict[str, Any]], dict[str, Any], tuple[int, int]]:
    from_us, to_us = (None, None)
    if bounded:
        from_us, to_us = (parse_iso_us(SIMULATED_RANGE[0]), parse_iso_us(SIMULATED_RANGE[1]))
    ledger = Ledger()
    run = AuditRun(load_config(EXAMPLE_CONFIG), from_us, to_us, cycles=ledger)
    replay_file(path, run)
    report = run.report()
    bounds = (run.sink.from_us, run.sink.to_us)
    return ledger.finish(run.engine.conversations.items(), *bounds), report, bounds


def micros(seconds: str) -> int:
    return int(Decimal(seconds) * US_PER_SECOND)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bounded", [False, True], ids=["all", "range"])
def test_the_ledger_rows_add_up_to_the_report(
    files: dict[int, Path], seed: int, bounded: bool
) -> None:
    rows, report, (from_us, to_us) = ledger_and_report(files[seed], bounded)

    def inside(instant: str | None) -> bool:
        return instant is not None and from_us <= parse_iso_us(instant) < to_us

    totals = report["totals"]
    opened = [row for row in rows if inside(row["cycle_start"])]
    assert len(opened) == totals["conversations_opened"] > 100
    assert sum(row["reopen"] for row in opened) == totals["conversations_reopened"]
    resolved = [row for row in rows if inside(row["resolved_at"])]
    assert len(resolved) == totals["conversations_resolved"]
    opened_and_resolved = sum(
        row["resolved_at"] is not None and parse_iso_us(row["resolved_at"]) < to_us
        for row in opened
    )
    assert round(opened_and_resolved / len(opened), 6) == totals["resolution_rate"]
    for sample, instant in (("first_response", "first_response_at"),
                            ("resolution", "resolved_at")):
        samples = [micros(row[f"{sample}_seconds"]) for row in rows if inside(row[instant])]
        assert canonical(duration_stats(samples)) == totals[f"{sample}_seconds"]
        assert len(samples) == totals[f"{sample}_seconds"]["count"] > 50
    waits = [micros(row["requester_wait_seconds"]) for row in resolved]
    assert canonical(duration_stats(waits)) == totals["requester_wait_seconds"]
    for team, figures in report["by_team"].items():  # a cycle's team at its resolution
        of_team = [row for row in resolved if (row["team"] or "none") == team]
        assert len(of_team) == figures["conversations_resolved"]
    business = [micros(row["first_response_business_seconds"]) for row in rows
                if inside(row["first_response_at"])
                and row["first_response_business_seconds"] is not None]
    assert canonical(duration_stats(business)) == totals["first_response_business_seconds"]
    outcomes = 0
    for policy, targets in report["sla"].items():
        for target, counts in targets.items():
            of_policy = [row for row in rows if row["policy"] == policy]
            assert sum(row[f"{target}_met"] for row in of_policy) == counts["met"]
            assert sum(row[f"{target}_breached"] for row in of_policy) == counts["breached"]
            outcomes += counts["met"] + counts["breached"]
    assert outcomes > 100
    assert all(inside(row["cycle_start"]) or inside(row["resolved_at"])
               or inside(row["first_response_at"])
               or any(row[f"{t}_{o}"] for t in ("first_response", "next_response",
                                                 "resolution") for o in ("met", "breached"))
               for row in rows)


def test_csv_and_jsonl_hold_the_same_rows_and_the_same_bytes_on_every_run(
    files: dict[int, Path]
) -> None:
    rows, _, _ = ledger_and_report(files[7], True)
    again, _, _ = ledger_and_report(files[7], True)
    as_csv, as_jsonl = ledger_bytes(rows, jsonl=False), ledger_bytes(rows, jsonl=True)
    assert as_csv == ledger_bytes(again, jsonl=False)
    assert as_jsonl == ledger_bytes(again, jsonl=True)
    table = list(csv.reader(io.StringIO(as_csv.decode("utf-8"))))
    assert tuple(table[0]) == COLUMNS
    assert len(table) - 1 == len(rows) == len(as_jsonl.splitlines())
    first = json.loads(as_jsonl.splitlines()[0])
    assert table[1] == [
        "" if first[c] is None else str(first[c]).lower() if isinstance(first[c], bool)
        else str(first[c]) for c in COLUMNS
    ]


def test_a_hand_computed_ledger_and_its_digest_printed_beside_the_report_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = Scenario()
    s.message("10:00", conversation="c-1", channel="x")
    s.assign("10:01", "a-7", conversation="c-1", channel="x", team="tier1")
    s.agent_reply("10:04:30.5", conversation="c-1", channel="x")
    s.status("10:10", "pending", conversation="c-1", channel="x")
    s.status("10:25", "open", conversation="c-1", channel="x")
    s.resolve("11:00", conversation="c-1", channel="x")  # waited 60 - 15 pending = 45 min
    s.message("10:30", conversation="c-2", channel="facebook")  # never answered
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join(s.lines()) + b"\n")
    ledger = tmp_path / "ledger.csv"
    assert main(["replay", "--input", str(events), "--ledger", str(ledger),
                 "--out", str(tmp_path / "report.json")]) == 0
    content = ledger.read_bytes()
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert capsys.readouterr().err == (
        f"carepulse replay: report {report['digest']}; ledger {ledger} "
        f"sha256:{hashlib.sha256(content).hexdigest()} (2 rows)\n")
    assert content.decode("utf-8").splitlines()[1:] == [
        "c-1,x,default,tier1,a-7,2026-11-20T10:00:00Z,false,,2026-11-20T10:04:30.500000Z,"
        "270.500000,,2026-11-20T11:00:00Z,3600.000000,2700.000000,,0,0,,0,0,,0,0",
        "c-2,facebook,default,,,2026-11-20T10:30:00Z,false,,,,,,,,,0,0,,0,0,,0,0",
    ]


def test_a_ledger_file_without_csv_or_jsonl_extension_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"")
    assert main(["replay", "--input", str(events), "--ledger", str(tmp_path / "l.txt")]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        "l.txt: name a .csv or .jsonl file (the extension chooses the format)")


def test_the_sla_columns_of_a_hand_computed_story_as_json_lines(tmp_path: Path) -> None:
    """html_story.py over 10:00-12:00 (first response 15 min, resolution 1 h): p-1 and p-2
    have every fact before 10:00 and are left out; c-3's resolution deadline (12:00) is
    the range's end, outside it."""
    events, config = write_story(tmp_path)
    ledger = tmp_path / "ledger.jsonl"
    assert main(["replay", "--input", str(events), "--config", str(config), "--from",
                 RANGE[0], "--to", RANGE[1], "--ledger", str(ledger),
                 "--out", str(tmp_path / "report.json")]) == 0
    rows = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]
    common = {"brand": "default", "team": None, "assignee": None, "reopen": False,
              "policy": "default", "first_response_business_seconds": None,
              "next_response_deadline": None,
              "next_response_met": 0, "next_response_breached": 0}
    day = "2026-11-20T"
    assert rows == [
        {**common, "conversation_id": "c-1", "channel": "facebook",
         "cycle_start": f"{day}10:00:00Z", "first_response_at": f"{day}10:05:00Z",
         "first_response_seconds": "300.000000", "resolved_at": f"{day}10:30:00Z",
         "resolution_seconds": "1800.000000", "requester_wait_seconds": "1800.000000",
         "first_response_deadline": f"{day}10:15:00Z", "first_response_met": 1,
         "first_response_breached": 0, "resolution_deadline": f"{day}11:00:00Z",
         "resolution_met": 1, "resolution_breached": 0},
        {**common, "conversation_id": "c-2", "channel": "x",
         "cycle_start": f"{day}10:10:00Z", "first_response_at": f"{day}11:33:20Z",
         "first_response_seconds": "5000.000000", "resolved_at": None,
         "resolution_seconds": None, "requester_wait_seconds": None,
         "first_response_deadline": f"{day}10:25:00Z", "first_response_met": 0,
         "first_response_breached": 1, "resolution_deadline": f"{day}11:10:00Z",
         "resolution_met": 0, "resolution_breached": 1},
        {**common, "conversation_id": "c-3", "channel": "facebook",
         "cycle_start": f"{day}11:00:00Z", "first_response_at": f"{day}11:10:00Z",
         "first_response_seconds": "600.000000", "resolved_at": None,
         "resolution_seconds": None, "requester_wait_seconds": None,
         "first_response_deadline": f"{day}11:15:00Z", "first_response_met": 1,
         "first_response_breached": 0, "resolution_deadline": f"{day}12:00:00Z",
         "resolution_met": 0, "resolution_breached": 0},
    ]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["sla"]["default"]["first_response"] == {
        "met": 2, "breached": 1, "compliance": 0.666667}
    assert report["sla"]["default"]["resolution"] == {
        "met": 1, "breached": 1, "compliance": 0.5}


def test_a_paused_resolution_clock_shows_its_moved_deadline_and_a_met_while_stopped(
    tmp_path: Path,
) -> None:
    """Contract 1.1: c-1 stopped at 10:20 with 40 min left, resumed at 10:50: due 11:30,
    met at 11:20; c-2 resolved at 12:00 while stopped: met (its row keeps the deadline
    armed at its start)."""
    s = Scenario()
    s.message("10:00", "c-1")
    s.status("10:20", "pending", "c-1")
    s.status("10:50", "open", "c-1")
    s.resolve("11:20", "c-1")
    s.message("10:00", "c-2")
    s.status("10:10", "pending", "c-2")
    s.resolve("12:00", "c-2")
    events, config, ledger = (tmp_path / "e.jsonl", tmp_path / "c.toml",
                              tmp_path / "ledger.jsonl")
    events.write_bytes(b"\n".join(s.lines()) + b"\n")
    config.write_text('[[sla.policies]]\nname = "p"\nresolution_seconds = 3600\n'
                      'pause_on = ["pending"]\n', encoding="utf-8")
    assert main(["replay", "--input", str(events), "--config", str(config), "--ledger",
                 str(ledger), "--out", str(tmp_path / "report.json")]) == 0
    rows = {row["conversation_id"]: row for row in map(
        json.loads, ledger.read_text(encoding="utf-8").splitlines())}
    day = "2026-11-20T"
    assert (rows["c-1"]["resolution_deadline"], rows["c-1"]["resolution_met"]) == (
        f"{day}11:30:00Z", 1)
    assert (rows["c-2"]["resolution_deadline"], rows["c-2"]["resolution_met"],
            rows["c-2"]["resolution_breached"]) == (f"{day}11:00:00Z", 1, 0)
